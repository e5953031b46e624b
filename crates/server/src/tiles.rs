//! The map: vector tiles (cached, gzipped, with validators), TileJSON, the style and the
//! label glyphs. Tiles are the hot path and skip tracing, the timeout and compression (the
//! router mounts them apart).

use crate::backend::Backend;
use crate::error::ApiError;
use crate::glyphs::{GlyphError, Glyphs};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use covidmap_tiles::{RenderedTile, TileId};
use std::sync::Arc;

/// `GET /tiles/{z}/{x}/{y}.mvt`, alone: the hot path.
pub fn tile_routes<B: Backend>() -> Router<Arc<B>> {
    Router::new().route("/tiles/{z}/{x}/{file}", get(tile::<B>))
}

/// `GET /tiles.json` and `GET /styles/covid.json`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/tiles.json", get(tilejson::<B>))
        .route("/styles/covid.json", get(style::<B>))
}

/// `GET /fonts/{fontstack}/{range}`.
pub fn font_routes() -> Router<Arc<Glyphs>> {
    Router::new().route("/fonts/{fontstack}/{range}", get(font_range))
}

/// `GET /tiles/{z}/{x}/{y}.mvt` (or `.pbf`): the tile, gzipped when the client accepts it,
/// with an `ETag` (and 304 when it still matches); 204 when the tile holds nothing.
#[utoipa::path(get, path = "/tiles/{z}/{x}/{file}", tag = "tiles",
    params(("z" = u8, Path, description = "zoom, 0–18"), ("x" = u32, Path, description = "column"),
           ("file" = String, Path, description = "`{y}.mvt` or `{y}.pbf`")),
    responses((status = 200, description = "Mapbox Vector Tile 2.1", content_type = "application/vnd.mapbox-vector-tile"),
              (status = 204, description = "Nothing in this tile"), (status = 304, description = "Unchanged since the ETag sent"),
              (status = 400, description = "z, x or y out of range or not a number", body = crate::error::ErrorAnswer),
              (status = 404, description = "Another format", body = crate::error::ErrorAnswer)))]
pub(crate) async fn tile<B: Backend>(
    State(backend): State<Arc<B>>,
    Path((z, x, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (y, format) = file.rsplit_once('.').unwrap_or((file.as_str(), ""));
    if !matches!(format, "mvt" | "pbf") {
        return Err(ApiError::NoMatch {
            field: "format".into(),
            message: format!(
                "no tiles in format {format:?}: ask for /tiles/{{z}}/{{x}}/{{y}}.mvt or .pbf"
            ),
        });
    }
    let number = |name: &str, raw: &str| {
        raw.parse::<u32>().map_err(|_| {
            ApiError::bad_parameter(name, format!("{name} must be a whole number, not {raw:?}"))
        })
    };
    let id = TileId::new(number("z", &z)?, number("x", &x)?, number("y", y)?)
        .map_err(|e| ApiError::bad_parameter(e.part(), e.to_string()))?;
    let answer = match backend.tile_cache().cached(id) {
        Some(hit) => hit,
        None => {
            let b = Arc::clone(&backend);
            crate::background::run(move || b.tile_cache().get_or_render(id, || b.tile_data()))
                .await?
                .map_err(|e| ApiError::Internal(Box::new(e)))?
        }
    };
    Ok(tile_response(answer.as_deref(), &headers))
}

/// Tiles change whenever an agency edits a layer: clients keep them but ask again each time,
/// and the `ETag` makes that a 304.
const TILE_CACHE_CONTROL: &str = "public, no-cache";

fn tile_response(tile: Option<&RenderedTile>, headers: &HeaderMap) -> Response {
    let cache_control = HeaderValue::from_static(TILE_CACHE_CONTROL);
    let Some(tile) = tile else {
        let mut response = StatusCode::NO_CONTENT.into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, cache_control);
        return response;
    };
    let matches = crate::validators::etag_matches(headers, &tile.etag);
    let gzip = !matches && accepts_gzip(headers);
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else if gzip {
        Body::from(tile.gzip.clone()).into_response()
    } else {
        Body::from(tile.raw.clone()).into_response()
    };
    let h = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&tile.etag) {
        h.insert(header::ETAG, etag);
    }
    h.insert(header::CACHE_CONTROL, cache_control);
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if !matches {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
        );
    }
    if gzip {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// Whether `Accept-Encoding` allows gzip (`gzip` or `*` with a quality above zero).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// `GET /tiles.json`: TileJSON 3.0.0 with tile URLs on the host the client used.
#[utoipa::path(get, path = "/tiles.json", tag = "tiles", responses((status = 200, description = "TileJSON 3.0.0")))]
pub(crate) async fn tilejson<B: Backend>(
    State(backend): State<Arc<B>>,
    headers: HeaderMap,
) -> Response {
    let snapshot = backend.snapshot();
    Json(covidmap_tiles::tilejson(
        &crate::extract::base_url(&headers),
        snapshot.region(),
    ))
    .into_response()
}

/// The map style, as shipped in `styles/`, pointing at this server.
const STYLE: &str = include_str!("../../../styles/covid.json");

/// `GET /styles/covid.json`: the MapLibre style with its tile and glyph URLs on the host the
/// client used, centred on the provinces of the data.
#[utoipa::path(get, path = "/styles/covid.json", tag = "tiles", responses((status = 200, description = "MapLibre style")))]
pub(crate) async fn style<B: Backend>(
    State(backend): State<Arc<B>>,
    headers: HeaderMap,
) -> Response {
    static PARSED: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let mut style = PARSED
        .get_or_init(|| serde_json::from_str(STYLE).expect("the shipped style is JSON (tested)"))
        .clone();
    let snapshot = backend.snapshot();
    let region = snapshot.region();
    if let (Some([w, s, e, n]), Some(center)) = (region.bounds, region.center()) {
        // The zoom at which the box's wider side fills about 800 pixels.
        let span = (e - w).max((n - s) * 1.2).max(1e-6);
        let zoom = (800.0 / 512.0 * 360.0 / span)
            .log2()
            .clamp(3.0, 14.0)
            .floor();
        style["center"] = serde_json::json!(center);
        style["zoom"] = serde_json::json!(zoom);
    }
    let body = style
        .to_string()
        .replace("{base}", &crate::extract::base_url(&headers));
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /fonts/{fontstack}/{start}-{end}.pbf`: label glyphs for MapLibre.
#[utoipa::path(get, path = "/fonts/{fontstack}/{range}", tag = "tiles",
    params(("fontstack" = String, Path, description = "e.g. DejaVu Sans Book"), ("range" = String, Path, description = "e.g. 0-255.pbf")),
    responses((status = 200, description = "Glyphs (protobuf)", content_type = "application/x-protobuf"), (status = 404, description = "No such font or range", body = crate::error::ErrorAnswer)))]
pub(crate) async fn font_range(
    State(glyphs): State<Arc<Glyphs>>,
    Path((stack, range)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let bad_range = || {
        ApiError::bad_parameter(
            "range",
            format!("{range:?} is not a glyph range: ask for 256 code points as {{start}}-{{end}}.pbf, e.g. 0-255.pbf"),
        )
    };
    let (start, end) = range
        .strip_suffix(".pbf")
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .ok_or_else(bad_range)?;
    let glyphs2 = Arc::clone(&glyphs);
    let bytes = tokio::task::spawn_blocking(move || glyphs2.range(&stack, start, end))
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?
        .map_err(|e| match e {
            GlyphError::UnknownFont(_) => ApiError::NoMatch {
                field: "fontstack".into(),
                message: e.to_string(),
            },
            GlyphError::Range(message) => ApiError::bad_parameter("range", message),
            GlyphError::Render(_) => ApiError::Internal(Box::new(e)),
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-protobuf"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes.as_ref().clone(),
    )
        .into_response())
}
