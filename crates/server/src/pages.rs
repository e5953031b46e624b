//! The web pages and the front-end packages they load, served from a folder on disk (`web/`
//! in the checkout): the pages from `public/`, MapLibre GL JS from `node_modules/`, where the
//! set-up installs it from the npm registry. Nothing is fetched from elsewhere at run time.
//!
//! The two pages are filled in as they are served with what they cover (the provinces of
//! the data: names for their titles, outlines for the first view) and the provinces' UTC
//! offset, so that the same files serve any province.

use crate::backend::Backend;
use crate::error::ApiError;
use crate::router::Settings;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Extension, Router};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::services::ServeDir;

/// The folder, relative to where the server starts (the checkout, under `make run`).
pub const DEFAULT_WEB_DIR: &str = "web";

/// Where MapLibre GL JS's build lies inside the web folder.
const MAPLIBRE_DIST: &str = "node_modules/maplibre-gl/dist";

/// The pages' routes: `/` (the public map), `/admin` (the agencies' page), `/static/…` (the
/// pages' own files) and `/vendor/maplibre-gl/…`.
pub fn routes<B: Backend>(web_dir: &Path) -> Router<Arc<B>> {
    let public = web_dir.join("public");
    Router::new()
        .route("/", page_route::<B>(public.join("index.html")))
        .route("/admin", page_route::<B>(public.join("admin.html")))
        .nest_service("/static", ServeDir::new(&public))
        .nest_service(
            "/vendor/maplibre-gl",
            ServeDir::new(web_dir.join(MAPLIBRE_DIST)),
        )
        .layer(axum::middleware::from_fn(crate::hygiene::page_headers))
}

/// `GET` of the page in `file`.
fn page_route<B: Backend>(file: PathBuf) -> MethodRouter<Arc<B>> {
    let file = Arc::new(file);
    get(
        move |backend: State<Arc<B>>, settings: Extension<Settings>| {
            page::<B>(backend, settings, Arc::clone(&file))
        },
    )
}

/// A page from disk (read each time, so that an edited page is served at once), its
/// `{{region}}`, `{{bounds}}` and `{{utc_offset}}` filled in.
async fn page<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    file: Arc<PathBuf>,
) -> Result<Response, ApiError> {
    let template = tokio::fs::read_to_string(&*file).await.map_err(|e| {
        // Where the server's files lie is the operator's business (--web-dir), not a visitor's.
        tracing::error!(file = %file.display(), error = %e, "page unreadable: check --web-dir");
        ApiError::Internal(Box::new(e))
    })?;
    let snapshot = backend.snapshot();
    let region = snapshot.region();
    let bounds = region
        .bounds
        .map(|b| b.map(|v| format!("{v:.5}")).join(","))
        .unwrap_or_default();
    // The names last: whatever they hold is not read as a placeholder.
    let html = template
        .replace("{{bounds}}", &bounds)
        .replace("{{utc_offset}}", &settings.utc_offset.to_string())
        .replace("{{region}}", &escape_html(&region.name_or_default()));
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Filled in from the data: asked again each time, never kept stale.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response())
}

/// Text made safe to put in HTML, between tags or in a quoted attribute.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The files the pages cannot work without that are missing, with what to do about it;
/// empty when all are there.
#[must_use]
pub fn missing(web_dir: &Path) -> Vec<String> {
    let need: [(PathBuf, &str); 2] = [
        (
            web_dir.join("public/index.html"),
            "the checkout's web/public folder",
        ),
        (
            web_dir.join(MAPLIBRE_DIST).join("maplibre-gl.mjs"),
            "run `npm ci --prefix web` (make run and make test do)",
        ),
    ];
    need.into_iter()
        .filter(|(path, _)| !path.is_file())
        .map(|(path, fix)| format!("{} is missing: {fix}", path.display()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn names_cannot_open_tags_or_leave_attributes() {
        assert_eq!(
            escape_html(r#"Tỉnh "A" <b>&'"#),
            "Tỉnh &quot;A&quot; &lt;b&gt;&amp;&#39;"
        );
    }
}
