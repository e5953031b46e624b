//! Who is calling: the organisation behind an `Authorization: Bearer` token, or the same
//! token sent as the password of `Authorization: Basic` (what GIS clients' connection
//! dialogs send: QGIS has a user name and a password, no token field).

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
        let header = header.to_str().unwrap_or_default();
        refuse_form_with_basic(parts, header)?;
        let token = token_of(header).ok_or_else(|| {
            ApiError::unauthorized(
                "the Authorization header must read `Bearer <token>` (or Basic, with the token as the password)",
            )
        })?;
        let store = backend.store().ok_or(ApiError::ReadOnly)?;
        match store.authenticate(&token).await? {
            Some(caller) => Ok(Authenticated(caller)),
            None => Err(ApiError::unauthorized(
                "the token is unknown or has been revoked; ask your administrator for a new one",
            )),
        }
    }
}

/// A browser keeps Basic credentials and sends them with any form another site posts: a
/// write carried by them must say its body is JSON (which a cross-site form cannot), so that
/// only a client of the API makes it.
fn refuse_form_with_basic(parts: &Parts, authorization: &str) -> Result<(), ApiError> {
    use axum::http::Method;
    let basic = authorization
        .trim_start()
        .get(..6)
        .is_some_and(|s| s.eq_ignore_ascii_case("basic "));
    let reads = [Method::GET, Method::HEAD, Method::OPTIONS].contains(&parts.method);
    let json = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.split(';')
                .next()
                .is_some_and(|m| m.trim().ends_with("json"))
        });
    if basic && !reads && !json {
        return Err(ApiError::BadBody {
            status: axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            message: "a write with Basic authentication sends its body as JSON: Content-Type application/json, application/geo+json or application/merge-patch+json".into(),
        });
    }
    Ok(())
}

/// A caller whose token was accepted, or none when no token is sent (what a resource offers
/// anyone); a token sent and refused still answers 401.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Caller>);

impl<B: Backend> FromRequestParts<Arc<B>> for MaybeAuthenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, backend: &Arc<B>) -> Result<Self, ApiError> {
        if !parts.headers.contains_key(AUTHORIZATION) {
            return Ok(MaybeAuthenticated(None));
        }
        let Authenticated(caller) = Authenticated::from_request_parts(parts, backend).await?;
        Ok(MaybeAuthenticated(Some(caller)))
    }
}

/// The token an `Authorization` header carries. The scheme is case-insensitive (RFC 9110
/// §11.1): `bearer` and `BEARER` too. A Basic header's password is the token (its user
/// name, for clients that send only one; the name is not checked: the token says who).
fn token_of(header: &str) -> Option<String> {
    use base64::Engine as _;
    let (scheme, credentials) = header.trim_start().split_once(' ')?;
    let credentials = credentials.trim();
    let token = if scheme.eq_ignore_ascii_case("bearer") {
        credentials.to_owned()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credentials)
            .ok()?;
        let pair = String::from_utf8(decoded).ok()?;
        let (user, password) = pair.split_once(':').unwrap_or((&pair, ""));
        if password.is_empty() { user } else { password }.to_owned()
    } else {
        return None;
    };
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::token_of;

    #[test]
    fn a_token_is_read_from_bearer_or_basic() {
        assert_eq!(token_of("Bearer cm_abc").as_deref(), Some("cm_abc"));
        assert_eq!(token_of("bearer  cm_abc ").as_deref(), Some("cm_abc"));
        // "token:cm_abc" and "cm_abc:" in Base64.
        assert_eq!(
            token_of("Basic dG9rZW46Y21fYWJj").as_deref(),
            Some("cm_abc")
        );
        assert_eq!(token_of("basic Y21fYWJjOg==").as_deref(), Some("cm_abc"));
        assert_eq!(token_of("Basic not-base64!"), None);
        assert_eq!(token_of("Bearer "), None);
        assert_eq!(token_of("Digest x"), None);
    }
}
