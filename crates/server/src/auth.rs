//! Who is calling: the organisation behind an `Authorization: Bearer` token.

use crate::backend::Backend;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use covidmap_store::Caller;
use std::sync::Arc;

/// A caller whose token was accepted. Extracting it answers 401 when the token is missing,
/// malformed, unknown or revoked.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

impl<B: Backend> FromRequestParts<Arc<B>> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, backend: &Arc<B>) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized(
                "no token: send `Authorization: Bearer <token>` (an administrator makes one with `covidmap token create`)",
            )
        })?;
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` too.
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.trim_start().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must read `Bearer <token>`")
            })?;
        let store = backend.store().ok_or(ApiError::ReadOnly)?;
        match store.authenticate(token).await? {
            Some(caller) => Ok(Authenticated(caller)),
            None => Err(ApiError::unauthorized(
                "the token is unknown or has been revoked; ask your administrator for a new one",
            )),
        }
    }
}
