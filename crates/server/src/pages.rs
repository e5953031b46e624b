//! The web pages and the front-end packages they load, served from a folder on disk (`web/`
//! in the checkout): the pages from `public/`, MapLibre GL JS from `node_modules/`, where the
//! set-up installs it from the npm registry. Nothing is fetched from elsewhere at run time.

use axum::Router;
use std::path::{Path, PathBuf};
use tower_http::services::{ServeDir, ServeFile};

/// The folder, relative to where the server starts (the checkout, under `make run`).
pub const DEFAULT_WEB_DIR: &str = "web";

/// Where MapLibre GL JS's build lies inside the web folder.
const MAPLIBRE_DIST: &str = "node_modules/maplibre-gl/dist";

/// The pages' routes: `/` (the public map), `/admin` (the agencies' page), `/static/…` (the
/// pages' own files) and `/vendor/maplibre-gl/…`.
pub fn routes(web_dir: &Path) -> Router {
    let public = web_dir.join("public");
    Router::new()
        .route_service("/", ServeFile::new(public.join("index.html")))
        .route_service("/admin", ServeFile::new(public.join("admin.html")))
        .nest_service("/static", ServeDir::new(&public))
        .nest_service(
            "/vendor/maplibre-gl",
            ServeDir::new(web_dir.join(MAPLIBRE_DIST)),
        )
        .layer(axum::middleware::from_fn(crate::hygiene::page_headers))
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
