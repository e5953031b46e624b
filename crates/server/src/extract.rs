//! What every handler must do to a request, as extractors whose rejection is the API's one
//! error shape: the query parameters, every one known to the endpoint and read by name with
//! typed getters; a JSON body. (The caller behind a token is [`crate::auth`]'s.)

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde_json::Value;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::ops::RangeInclusive;

/// Largest JSON body accepted (a drawn zone of 20 000 vertices fits).
pub const MAX_JSON_BODY: usize = 2 << 20;

/// The query parameters an endpoint takes.
pub(crate) trait Known {
    /// Every name it knows.
    const NAMES: &'static [&'static str];
}

/// Declares the query parameters of an endpoint: `known!(UnitsQuery: "level", "parent");`.
macro_rules! known {
    ($name:ident: $($param:literal),* $(,)?) => {
        /// The query parameters of one endpoint.
        pub(crate) struct $name;
        impl $crate::extract::Known for $name {
            const NAMES: &'static [&'static str] = &[$($param),*];
        }
    };
}
pub(crate) use known;

/// A request's query parameters, every one known to the endpoint `K`: 400 naming one that is
/// unknown (a typo, most likely) or not UTF-8, or a query string that cannot be read.
pub(crate) struct Params<K> {
    map: BTreeMap<String, String>,
    known: PhantomData<K>,
}

impl<S: Send + Sync, K: Known> FromRequestParts<S> for Params<K> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(map) = Query::<BTreeMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                ApiError::bad_parameter("query", format!("unreadable query string: {e}"))
            })?;
        // Percent-encoded bytes that are not UTF-8 arrive as U+FFFD.
        if let Some((name, _)) = map.iter().find(|(_, v)| v.contains('\u{FFFD}')) {
            return Err(ApiError::bad_parameter(
                name.clone(),
                format!("{name} is not valid UTF-8: percent-encode the text as UTF-8"),
            ));
        }
        if let Some(unknown) = map.keys().find(|k| !K::NAMES.contains(&k.as_str())) {
            return Err(ApiError::bad_parameter(
                unknown.clone(),
                format!("unknown parameter {unknown:?}; use {}", K::NAMES.join(", ")),
            ));
        }
        Ok(Params {
            map,
            known: PhantomData,
        })
    }
}

impl<K> Params<K> {
    /// Parameters as given (tests).
    #[cfg(test)]
    pub fn of(map: BTreeMap<String, String>) -> Self {
        Params {
            map,
            known: PhantomData,
        }
    }

    /// Every parameter as sent.
    pub fn map(&self) -> &BTreeMap<String, String> {
        &self.map
    }

    /// A parameter as sent.
    pub fn get(&self, name: &str) -> Option<&String> {
        self.map.get(name)
    }

    /// A `true`/`false` parameter; `None` when absent.
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.get(name)
            .map(|v| match v.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(ApiError::bad_parameter(
                    name,
                    format!("{name} must be true or false"),
                )),
            })
            .transpose()
    }

    /// A whole number within `range`; `default` when absent.
    pub fn int(
        &self,
        name: &str,
        default: i64,
        range: RangeInclusive<i64>,
    ) -> Result<i64, ApiError> {
        self.get(name).map_or(Ok(default), |v| {
            v.parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        name,
                        format!(
                            "{name} must be a whole number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    )
                })
        })
    }
}

/// A JSON body of at most `LIMIT` bytes; 400 naming `body` when it is not JSON, 413 naming
/// the limit when it is larger.
pub struct JsonBody<const LIMIT: usize = MAX_JSON_BODY>(pub Value);

impl<S: Send + Sync, const LIMIT: usize> FromRequest<S> for JsonBody<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        use http_body_util::{BodyExt as _, LengthLimitError, Limited};
        let bytes = Limited::new(req.into_body(), LIMIT)
            .collect()
            .await
            .map(http_body_util::Collected::to_bytes)
            .map_err(|e| {
                if e.downcast_ref::<LengthLimitError>().is_some() {
                    ApiError::BadBody {
                        status: StatusCode::PAYLOAD_TOO_LARGE,
                        message: format!("the body is larger than the {LIMIT} bytes this endpoint takes; send fewer vertices or split it"),
                    }
                } else {
                    ApiError::BadBody {
                        status: StatusCode::BAD_REQUEST,
                        message: format!("the body could not be read: {e}"),
                    }
                }
            })?;
        json_value(&bytes).map(JsonBody)
    }
}

/// A body read as JSON; 400 naming `body` when it is not JSON.
pub(crate) fn json_value(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadBody {
        status: StatusCode::BAD_REQUEST,
        message: format!("the body is not JSON: {e}"),
    })
}

/// Scheme and host the client used (`https://map.example`), behind a proxy as the proxy
/// reports them: links and event sources are absolute (GDAL does not resolve relative
/// links). A host is read only when it is a plain host and port, so that it cannot make a
/// link point into another path.
pub(crate) fn base_url(headers: &axum::http::HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = match header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}
