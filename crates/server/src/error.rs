//! One JSON error shape for every failure: `{"error": {"code", "message", "field"}}`.
//! Internal errors are logged once and answered without their details.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

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
    /// The database cannot answer.
    #[error("the database is unavailable")]
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
}

impl From<covidmap_store::StoreError> for ApiError {
    fn from(e: covidmap_store::StoreError) -> Self {
        match e {
            covidmap_store::StoreError::Database(_) => ApiError::Unavailable(e),
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
            ApiError::Unavailable(e) => {
                tracing::error!(error = %e, "database unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable", None)
            }
            ApiError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
            }
        };
        let body =
            json!({ "error": { "code": code, "message": self.to_string(), "field": field } });
        (status, Json(body)).into_response()
    }
}
