//! Conditional requests: whether a client's copy (its `If-None-Match`, or failing that its
//! `If-Modified-Since`) is still the answer, so that a 304 can be sent instead; and which
//! version a write was made against (its `If-Match`), so that a stale one is refused.

use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

/// Whether `If-None-Match` names `etag` (or `*`). Weak comparison, as RFC 9110 asks of GET.
pub fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == "*" || bare(t) == bare(etag))
        })
}

/// The entity tag of one version of a feature: its number. Strong: a version never changes.
#[must_use]
pub fn version_tag(version_id: i64) -> String {
    format!("\"{version_id}\"")
}

/// The version a write was made against: the one its `If-Match` names (`None` without the
/// header, or with `*`: whatever is current). The store checks it in the write's own
/// transaction, so that two editors of one feature cannot both win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let value = value.to_str().unwrap_or_default().trim();
        if value == "*" {
            return Ok(IfMatch(None));
        }
        let tags: Vec<&str> = value.split(',').map(str::trim).collect();
        let [tag] = tags.as_slice() else {
            return Err(ApiError::bad_parameter(
                "If-Match",
                "names several entity tags; send the one ETag of the version you edit",
            ));
        };
        // A weak tag is taken as its version too: proxies that compress weaken tags.
        tag.trim_start_matches("W/")
            .trim_matches('"')
            .parse()
            .map(|v| IfMatch(Some(v)))
            .map_err(|_| {
                ApiError::PreconditionFailed(format!(
                    "If-Match {tag} is no version's entity tag; GET the feature again for its ETag"
                ))
            })
    }
}

/// An answer's validators: its entity tag and when what it shows last changed.
pub struct Validators {
    pub etag: String,
    pub last_modified: Option<DateTime<Utc>>,
}

/// HTTP dates (RFC 9110 IMF-fixdate) are whole seconds in GMT.
const HTTP_DATE: &str = "%a, %d %b %Y %H:%M:%S GMT";

impl Validators {
    /// Whether the client's copy is current: its `If-None-Match` when it sends one (the
    /// stronger test), else its `If-Modified-Since`.
    pub fn still_current(&self, headers: &HeaderMap) -> bool {
        if headers.contains_key(header::IF_NONE_MATCH) {
            return etag_matches(headers, &self.etag);
        }
        let since = headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok());
        match (since, self.last_modified) {
            (Some(since), Some(changed)) => changed.timestamp() <= since.timestamp(),
            _ => false,
        }
    }

    /// Puts the validators on an answer.
    pub fn apply(&self, response: &mut Response) {
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&self.etag) {
            h.insert(header::ETAG, v);
        }
        if let Some(changed) = self.last_modified {
            if let Ok(v) = HeaderValue::from_str(&changed.format(HTTP_DATE).to_string()) {
                h.insert(header::LAST_MODIFIED, v);
            }
        }
    }

    /// 304, with the validators.
    pub fn not_modified(&self) -> Response {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        self.apply(&mut response);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn an_etag_or_a_date_makes_a_copy_current() {
        let changed = DateTime::parse_from_rfc3339("2026-08-20T10:00:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        let v = Validators {
            etag: "W/\"abc\"".into(),
            last_modified: Some(changed),
        };
        assert!(v.still_current(&headers(header::IF_NONE_MATCH, "\"x\", W/\"abc\"")));
        assert!(v.still_current(&headers(header::IF_NONE_MATCH, "\"abc\"")));
        assert!(!v.still_current(&headers(header::IF_NONE_MATCH, "\"abd\"")));
        let date = "Thu, 20 Aug 2026 10:00:00 GMT";
        assert!(v.still_current(&headers(header::IF_MODIFIED_SINCE, date)));
        let earlier = "Thu, 20 Aug 2026 09:59:59 GMT";
        assert!(!v.still_current(&headers(header::IF_MODIFIED_SINCE, earlier)));
        // A tag that does not match wins over a date that would.
        let mut both = headers(header::IF_NONE_MATCH, "\"old\"");
        both.insert(header::IF_MODIFIED_SINCE, HeaderValue::from_static(date));
        assert!(!v.still_current(&both));
        let mut response = v.not_modified();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(response.headers_mut()[header::LAST_MODIFIED], date);
    }
}
