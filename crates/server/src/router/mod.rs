//! The router: every resource's routes assembled under the tower layers (tracing, timeout,
//! compression, CORS). Nothing imports it; each resource module owns its routes and
//! handlers.

use crate::backend::Backend;
use crate::error::ErrorAnswer;
use crate::glyphs::{Glyphs, DEFAULT_FONT_DIR};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::{FixedOffset, NaiveDate, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The longest a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the server reads from disk besides the database.
#[derive(Debug, Clone)]
pub struct Assets {
    /// Label glyphs for the map.
    pub glyphs: Arc<Glyphs>,
    /// The web pages and their front-end packages (see [`crate::pages`]).
    pub web_dir: PathBuf,
}

impl Assets {
    /// The default font folder (labels are left out, with a warning, when it is unreadable)
    /// and the given web folder.
    #[must_use]
    pub fn with_default_fonts(web_dir: PathBuf) -> Self {
        let glyphs = Glyphs::from_dir(std::path::Path::new(DEFAULT_FONT_DIR)).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "fonts unreadable: labels will not be drawn");
            Glyphs::empty()
        });
        Assets {
            glyphs: Arc::new(glyphs),
            web_dir,
        }
    }
}

/// How a server is set up beyond its data and its assets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The provinces' offset from UTC, which decides what "today" is for figures and
    /// documents. Vietnam keeps +07:00 all year (no daylight saving), so an offset is the
    /// whole of its time zone.
    pub utc_offset: FixedOffset,
    /// Change streams open at once at most; one more is answered 503.
    pub max_change_streams: u32,
    /// Whether webhooks may call receivers on loopback (beside the server).
    pub webhook_loopback: covidmap_core::callback::Loopback,
    /// The address the server listens on, which webhooks never call.
    pub own_address: Option<std::net::SocketAddr>,
}

/// Change streams open at once at most, unless told otherwise.
pub const DEFAULT_MAX_CHANGE_STREAMS: u32 = 2_000;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            utc_offset: VIETNAM,
            max_change_streams: DEFAULT_MAX_CHANGE_STREAMS,
            webhook_loopback: covidmap_core::callback::Loopback::Refused,
            own_address: None,
        }
    }
}

/// Indochina Time, UTC+07:00.
pub const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("+07:00 is a valid offset"),
};

impl Settings {
    /// The provinces' date now.
    #[must_use]
    pub fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.utc_offset).date_naive()
    }
}

/// The whole HTTP API and the pages over a backend, with the default fonts, web folder and
/// settings.
pub fn app<B: Backend>(backend: Arc<B>) -> Router {
    app_with(
        backend,
        Assets::with_default_fonts(PathBuf::from(crate::pages::DEFAULT_WEB_DIR)),
        Settings::default(),
    )
}

/// The whole HTTP API and the pages over a backend, with the given assets and settings: each
/// resource's routes, the tower layers around them, and the answer for anything else.
pub fn app_with<B: Backend>(backend: Arc<B>, assets: Assets, settings: Settings) -> Router {
    let fonts = crate::tiles::font_routes().with_state(assets.glyphs);
    // Tiles are the hot path (a whole province's map asks for them at once): they skip the
    // request tracing, the timeout timer and the compression layer (they are stored gzipped).
    let tiles = crate::tiles::tile_routes::<B>().with_state(Arc::clone(&backend));
    let api = Router::new()
        .merge(crate::service::routes::<B>())
        .merge(crate::units::routes::<B>())
        .merge(crate::unit_changes::routes::<B>())
        .merge(crate::lookups::routes::<B>())
        .merge(crate::tiles::routes::<B>())
        .merge(crate::edits::routes::<B>())
        .merge(crate::changes::routes::<B>(settings.max_change_streams))
        .merge(crate::reads::routes::<B>())
        .merge(crate::ogc::routes::<B>())
        .merge(crate::figures::routes::<B>())
        .merge(crate::freshness::routes::<B>())
        .merge(crate::boundaries::routes::<B>())
        .merge(crate::documents::routes::<B>())
        .merge(crate::metrics::routes::<B>())
        .merge(crate::webhooks::routes::<B>())
        .fallback(not_found)
        .with_state(Arc::clone(&backend))
        .merge(fonts)
        .merge(crate::pages::routes::<B>(&assets.web_dir).with_state(backend))
        .layer(axum::Extension(settings))
        .layer(middleware::from_fn(crate::metrics::count_requests))
        // Inside the compression: it reads axum's plain-text rejections before they are
        // gzipped. (The outer one below covers the tiles, which skip both.)
        .layer(middleware::from_fn(crate::hygiene::error_bodies))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        // Each request's log lines carry its id (the client's `x-request-id`, or a new one),
        // and so does its answer, so that a report of a failure can be found in the logs.
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // (A tile's path is three numbers: its handler refuses anything else by name.)
        .layer(middleware::from_fn(
            crate::hygiene::refuse_unreadable_targets,
        ));
    tiles
        .merge(api)
        .layer(middleware::from_fn(crate::hygiene::error_bodies))
        .layer(tower::layer::layer_fn(crate::hygiene::PreflightOnly::new))
}

/// The span of a request's log lines: method, path and id.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), id)
}

/// Anything else: 404, naming the paths there are (as the OpenAPI document lists them).
async fn not_found() -> Response {
    // Worked out once: a scanner's stream of 404s should not rebuild the OpenAPI document.
    static MESSAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let message = MESSAGE.get_or_init(|| {
        let paths = crate::openapi::paths().join(", ");
        format!("no such endpoint; the API serves {paths}, and the pages / and /admin")
    });
    let body = ErrorAnswer::new("not_found", message.clone(), None);
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

#[cfg(test)]
mod tests;
