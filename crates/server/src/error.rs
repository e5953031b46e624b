//! One JSON error shape for every failure: `{"error": {"code", "message", "field"}}`.
//! Internal errors are logged once and answered without their details.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
pub(crate) use covidmap_messages::answers::ErrorAnswer;

/// `Retry-After` of a 503 for want of the database: it is usually back within seconds (a
/// restart, a failover).
pub(crate) const RETRY_UNAVAILABLE: axum::http::HeaderValue =
    axum::http::HeaderValue::from_static("5");

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query parameter is missing, malformed or unknown.
    #[error("{message}")]
    BadParameter {
        /// The parameter.
        field: String,
        /// What is wrong and what to send instead.
        message: String,
    },
    /// A parameter names nothing that exists.
    #[error("{message}")]
    NoMatch {
        /// The parameter.
        field: String,
        /// What was not found and how to find it.
        message: String,
    },
    /// No token, or one that is not accepted.
    #[error("{0}")]
    Unauthorized(String),
    /// The caller may not do this (its role, its layers, its district).
    #[error("{0}")]
    Forbidden(String),
    /// The request body is well-formed JSON but its fields are wrong.
    #[error("{} field(s) are invalid: {}", .0.len(), .0.iter().map(|e| format!("{} {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<covidmap_messages::FieldError>),
    /// The body is not JSON, or too large.
    #[error("{message}")]
    BadBody {
        /// HTTP status (400 or 413).
        status: StatusCode,
        /// What is wrong.
        message: String,
    },
    /// Another write got there first.
    #[error("{0}")]
    Conflict(String),
    /// The write was made against a version that is no longer current (`If-Match`).
    #[error("{0}")]
    PreconditionFailed(String),
    /// The resource takes other methods; `allow` lists them.
    #[error("{message}")]
    NotAllowed {
        /// The methods it takes, as an `Allow` header lists them.
        allow: String,
        /// Why, and where to write instead.
        message: String,
    },
    /// What was asked for is no longer kept (changes older than the log's retention).
    #[error("{message}")]
    Gone {
        /// The parameter or header that asked for it.
        field: String,
        /// What to do instead.
        message: String,
    },
    /// Writing needs the database, and this server has none (handler tests).
    #[error("this server does not accept writes")]
    ReadOnly,
    /// A limit of the server is reached (open change streams); retry shortly.
    #[error("{0}")]
    Busy(String),
    /// The database cannot answer.
    #[error("the database is unavailable; retry in a few seconds (status, search and tiles keep answering meanwhile)")]
    Unavailable(#[source] covidmap_store::StoreError),
    /// Anything else: logged, not described to the client.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// A bad query parameter.
    pub fn bad_parameter(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadParameter {
            field: field.into(),
            message: message.into(),
        }
    }

    /// One field of a request at fault (422).
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![covidmap_messages::FieldError::new(field, message)])
    }

    /// A query parameter a reader of `covidmap-messages` refused (400).
    pub(crate) fn parameter(e: covidmap_messages::FieldError) -> Self {
        ApiError::bad_parameter(e.field, e.message)
    }
}

impl ApiError {
    /// A refused token.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::Unauthorized(message.into())
    }
}

impl From<covidmap_core::policy::Refusal> for ApiError {
    fn from(refusal: covidmap_core::policy::Refusal) -> Self {
        ApiError::Forbidden(refusal.to_string())
    }
}

impl From<covidmap_lookup::LookupError> for ApiError {
    fn from(e: covidmap_lookup::LookupError) -> Self {
        match e {
            covidmap_lookup::LookupError::NoUnitMatches(_) => ApiError::NoMatch {
                field: "address".into(),
                message: e.to_string(),
            },
        }
    }
}

impl From<covidmap_store::StoreError> for ApiError {
    fn from(e: covidmap_store::StoreError) -> Self {
        use covidmap_store::StoreError;
        match e {
            StoreError::Conflict { .. }
            | StoreError::Exists { .. }
            | StoreError::AlreadyLifted { .. } => ApiError::Conflict(e.to_string()),
            StoreError::Stale { .. } => ApiError::PreconditionFailed(e.to_string()),
            StoreError::NotCurrent { .. } => ApiError::NoMatch {
                field: "id".into(),
                message: e.to_string(),
            },
            StoreError::NoSuchVersion { .. } => ApiError::NoMatch {
                field: "version_id".into(),
                message: e.to_string(),
            },
            StoreError::Database(_) => match e.refused_value() {
                Some(reason) => ApiError::invalid("body", format!("the database refused a value of the request: {reason}; send text without NUL bytes, within the documented lengths and ranges")),
                None => ApiError::Unavailable(e),
            },
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field) = match &self {
            ApiError::BadParameter { field, .. } => (
                StatusCode::BAD_REQUEST,
                "bad_parameter",
                Some(field.clone()),
            ),
            ApiError::NoMatch { field, .. } => {
                (StatusCode::NOT_FOUND, "not_found", Some(field.clone()))
            }
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", None),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None),
            ApiError::Invalid(errors) => {
                let mut body = ErrorAnswer::new("invalid", self.to_string(), None);
                body.error.fields = Some(errors.clone());
                return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
            }
            ApiError::BadBody { status, .. } => (*status, "bad_body", Some("body".to_owned())),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", None),
            ApiError::PreconditionFailed(_) => (
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                Some("If-Match".to_owned()),
            ),
            ApiError::NotAllowed { allow, .. } => {
                let body = ErrorAnswer::new("method_not_allowed", self.to_string(), None);
                let mut response = (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response();
                if let Ok(v) = axum::http::HeaderValue::from_str(allow) {
                    response.headers_mut().insert(axum::http::header::ALLOW, v);
                }
                return response;
            }
            ApiError::Gone { field, .. } => (StatusCode::GONE, "gone", Some(field.clone())),
            ApiError::ReadOnly => (StatusCode::SERVICE_UNAVAILABLE, "read_only", None),
            ApiError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy", None),
            ApiError::Unavailable(e) => {
                tracing::error!(error = %e, "database unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None)
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
            }
        };
        let body = ErrorAnswer::new(code, self.to_string(), field);
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, RETRY_UNAVAILABLE);
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}
