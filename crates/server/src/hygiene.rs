//! What every request and answer goes through, whatever the route: targets no handler could
//! read are refused before routing, and answers that would leave without a body (axum's
//! 405, a static file's 404) get the API's one error shape. The pages get the headers that
//! keep them from being framed or fed scripts from elsewhere.

use crate::error::{ApiError, ErrorAnswer};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use percent_encoding::percent_decode_str;
use std::task::{Context, Poll};
use tower::Service;
use tower_http::cors::{Cors, CorsLayer};

/// Longest path segment served: no id, code or file name is longer (a file system refuses
/// names over 255 bytes).
const MAX_SEGMENT_BYTES: usize = 255;

/// Refuses a path or query holding control characters (a NUL byte reaches no handler's
/// rules, and the database refuses it), and a path segment longer than any name.
pub(crate) async fn refuse_unreadable_targets(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let has_control = |text: &str| percent_decode_str(text).any(|b| b < 0x20 || b == 0x7f);
    let refused = if has_control(uri.path()) {
        ApiError::bad_parameter(
            "path",
            "the path holds a control character (such as %00); ids and codes are plain text",
        )
    } else if uri.query().is_some_and(has_control) {
        ApiError::bad_parameter(
            "query",
            "the query holds a control character (such as %00); parameters are plain text",
        )
    } else if uri.path().split('/').any(|s| s.len() > MAX_SEGMENT_BYTES) {
        ApiError::NoMatch {
            field: "path".into(),
            message: format!("a part of the path is longer than {MAX_SEGMENT_BYTES} bytes: no id, code or file has such a name"),
        }
    } else {
        return next.run(request).await;
    };
    refused.into_response()
}

/// Gives an error answer that has no body, or only axum's plain-text rejection (a path
/// segment that is not UTF-8 once decoded, say), the API's error shape, keeping its headers
/// (axum's `Allow` on a 405) and the rejection's words.
pub(crate) async fn error_bodies(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let plain_text = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    // (An encoded body was compressed after this check already ran inside the compression
    // layer: it is the API's shape.)
    if !(status.is_client_error() || status.is_server_error())
        || (response.headers().contains_key(header::CONTENT_TYPE) && !plain_text)
        || response.headers().contains_key(header::CONTENT_ENCODING)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let said = if plain_text {
        axum::body::to_bytes(body, 4096)
            .await
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .filter(|t| !t.is_empty())
    } else {
        None
    };
    let message = match (status, said) {
        (_, Some(said)) => {
            format!("{said}; check the URL's path and parameters (percent-encoded UTF-8)")
        }
        // axum adds `Allow` after this layer has run.
        (StatusCode::METHOD_NOT_ALLOWED, None) => {
            "this path does not take that method; the Allow header lists those it takes".to_owned()
        }
        (StatusCode::NOT_FOUND, None) => "no such file or endpoint".to_owned(),
        (other, None) => other.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let body = Json(ErrorAnswer::new(code, message, None)).into_response();
    let (body_parts, body) = body.into_parts();
    parts.headers.extend(body_parts.headers);
    Response::from_parts(parts, body)
}

/// The pages' protection: scripts, styles, workers and data only from this server (MapLibre
/// runs its workers from `blob:` URLs and draws into `blob:`/`data:` images); never inside
/// another site's frame; no sniffing; no referrer sent elsewhere.
pub(crate) async fn page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
             worker-src 'self' blob:; child-src blob:; connect-src 'self'; font-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// CORS for every answer, with one exception: tower-http takes every `OPTIONS` for a
/// preflight and answers it itself, while a plain one (no `Access-Control-Request-Method`:
/// QGIS asking which methods it may use) is for the route, whose answer lists them in
/// `Allow`.
#[derive(Clone)]
pub(crate) struct PreflightOnly<S> {
    plain: tower::util::MapResponse<S, fn(Response) -> Response>,
    cors: Cors<S>,
}

impl<S: Clone> PreflightOnly<S> {
    pub(crate) fn new(inner: S) -> Self {
        use tower::Layer as _;
        PreflightOnly {
            cors: CorsLayer::permissive().layer(inner.clone()),
            plain: tower::util::MapResponse::new(inner, readable_elsewhere),
        }
    }
}

/// What CORS adds to an answer that is no preflight, so that a page elsewhere can read a
/// plain `OPTIONS` answer's `Allow` too.
fn readable_elsewhere(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("*"),
    );
    response
}

impl<S> Service<Request> for PreflightOnly<S>
where
    S: Service<Request, Response = Response> + Clone,
{
    type Response = Response;
    type Error = S::Error;
    type Future = futures_util::future::Either<
        tower::util::future::MapResponseFuture<S::Future, fn(Response) -> Response>,
        tower_http::cors::ResponseFuture<S::Future>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        match self.plain.poll_ready(cx) {
            Poll::Ready(Ok(())) => self.cors.poll_ready(cx),
            other => other,
        }
    }

    fn call(&mut self, request: Request) -> Self::Future {
        use futures_util::future::Either;
        let preflight = request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if request.method() == axum::http::Method::OPTIONS && !preflight {
            Either::Left(self.plain.call(request))
        } else {
            Either::Right(self.cors.call(request))
        }
    }
}
