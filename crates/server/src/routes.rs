//! Routes and thin handlers.

use crate::backend::Backend;
use crate::error::ApiError;
use crate::glyphs::{GlyphError, Glyphs, DEFAULT_FONT_DIR};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use covidmap_core::Level;
use covidmap_tiles::RenderedTile;
use covidmap_tiles::TileId;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The longest a request may take before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest accepted unit code in a filter.
const MAX_CODE_LEN: usize = 32;

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

/// The whole HTTP API and the pages over a backend, with the default fonts and web folder.
pub fn app<B: Backend>(backend: Arc<B>) -> Router {
    app_with(
        backend,
        Assets::with_default_fonts(PathBuf::from(crate::pages::DEFAULT_WEB_DIR)),
    )
}

/// The whole HTTP API and the pages over a backend, with the given assets.
pub fn app_with<B: Backend>(backend: Arc<B>, assets: Assets) -> Router {
    let glyphs = assets.glyphs;
    let fonts = Router::new()
        .route("/fonts/{fontstack}/{range}", get(font_range))
        .with_state(glyphs);
    // Tiles are the hot path (a whole province's map asks for them at once): they skip the
    // request tracing, the timeout timer and the compression layer (they are stored gzipped).
    let tiles = Router::new()
        .route("/tiles/{z}/{x}/{file}", get(tile::<B>))
        .with_state(Arc::clone(&backend));
    let api = Router::new()
        .route("/health", get(health::<B>))
        .route("/api/v1/units", get(units::<B>))
        .route("/api/v1/status", get(status::<B>))
        .route("/api/v1/search", get(search::<B>))
        .route("/tiles.json", get(tilejson::<B>))
        .route("/styles/covid.json", get(style))
        .route("/api/v1/openapi.json", get(crate::openapi::openapi_json))
        .merge(crate::edits::routes::<B>())
        .merge(crate::changes::routes::<B>())
        .merge(crate::reads::routes::<B>())
        .merge(crate::figures::routes::<B>())
        .merge(crate::boundaries::routes::<B>())
        .merge(crate::documents::routes::<B>())
        .fallback(not_found)
        .with_state(backend)
        .merge(fonts)
        .merge(crate::pages::routes(&assets.web_dir))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http());
    tiles.merge(api).layer(CorsLayer::permissive())
}

/// Whether the database answers, and how many units of each level are current.
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, description = "The database answers"), (status = 503, description = "The database does not answer", body = crate::openapi::ErrorBody)))]
pub(crate) async fn health<B: Backend>(State(backend): State<Arc<B>>) -> Response {
    match backend.health().await {
        Ok(h) => Json(json!({ "status": "ok", "database": "reachable", "units": h.units }))
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            let body = json!({ "status": "error", "database": "unreachable", "error": { "code": "unavailable", "message": "the database does not answer" } });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// The current administrative units as GeoJSON.
#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    params(("level" = Option<String>, Query, description = "province, district, commune or hamlet"),
           ("parent" = Option<String>, Query, description = "only the units under this code")),
    responses((status = 200, description = "GeoJSON FeatureCollection of the current units", content_type = "application/geo+json"),
              (status = 400, description = "A parameter is wrong; `field` names it", body = crate::openapi::ErrorBody)))]
pub(crate) async fn units<B: Backend>(
    State(backend): State<Arc<B>>,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = known_params(query, &["level", "parent"])?;
    let level = params
        .get("level")
        .map(|l| {
            l.parse::<Level>()
                .map_err(|e| ApiError::bad_parameter("level", e.to_string()))
        })
        .transpose()?;
    let parent = params.get("parent").map(String::as_str);
    if let Some(p) = parent {
        if p.is_empty()
            || p.len() > MAX_CODE_LEN
            || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ApiError::bad_parameter(
                "parent",
                "parent must be a unit code such as 412 or 16663",
            ));
        }
    }
    let body = backend.units_geojson(level, parent).await?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

/// Whether a place is in a lockdown area: by position or by address.
#[utoipa::path(get, path = "/api/v1/status", tag = "lookups",
    params(("lat" = Option<f64>, Query, description = "latitude, WGS 84 (with lon)"),
           ("lon" = Option<f64>, Query, description = "longitude, WGS 84 (with lat)"),
           ("address" = Option<String>, Query, description = "an address as people write it, instead of lat/lon")),
    responses((status = 200, description = "The units, lockdown, epidemic level and nearest facilities"),
              (status = 400, description = "Missing, conflicting or malformed parameters", body = crate::openapi::ErrorBody),
              (status = 404, description = "The address names no unit", body = crate::openapi::ErrorBody)))]
pub(crate) async fn status<B: Backend>(
    State(backend): State<Arc<B>>,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = known_params(query, &STATUS_PARAMETERS)?;
    let snapshot = backend.snapshot();
    Ok(match parse_place(&params)? {
        Place::Point(point) => {
            Json(covidmap_lookup::point_status(&snapshot, point)).into_response()
        }
        Place::Address(text) => {
            Json(covidmap_lookup::address_status(&snapshot, &text)?).into_response()
        }
    })
}

/// Parameters `status` understands.
const STATUS_PARAMETERS: [&str; 3] = ["lat", "lon", "address"];
/// Longest address accepted, in characters.
const MAX_ADDRESS_CHARS: usize = 200;

/// What a status request asks about.
#[derive(Debug, Clone, PartialEq)]
enum Place {
    /// A position (longitude, latitude).
    Point(geo::Point<f64>),
    /// An address as typed.
    Address(String),
}

/// Reads the place from the query: `address`, or `lat` and `lon` (both present, numbers, in
/// range).
///
/// # Errors
/// A 400 naming the parameter at fault.
fn parse_place(params: &BTreeMap<String, String>) -> Result<Place, ApiError> {
    if let Some(address) = params.get("address") {
        if params.contains_key("lat") || params.contains_key("lon") {
            return Err(ApiError::bad_parameter(
                "address",
                "give either address or lat and lon, not both",
            ));
        }
        let address = address.trim();
        if address.is_empty() {
            return Err(ApiError::bad_parameter(
                "address",
                "address is empty: type a hamlet, commune or district, e.g. address=xóm 5, Nghi Phong",
            ));
        }
        let chars = address.chars().count();
        if chars > MAX_ADDRESS_CHARS {
            return Err(ApiError::bad_parameter(
                "address",
                format!("address is {chars} characters long; send at most {MAX_ADDRESS_CHARS} (the hamlet, commune and district are enough)"),
            ));
        }
        return Ok(Place::Address(address.to_owned()));
    }
    let coordinate = |name: &str, range: std::ops::RangeInclusive<f64>| -> Result<f64, ApiError> {
        let raw = params.get(name).ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                format!("{name} is required (decimal degrees, WGS 84)"),
            )
        })?;
        let value: f64 = raw.trim().parse().map_err(|_| {
            ApiError::bad_parameter(
                name,
                format!("{name} must be a number in decimal degrees, not {raw:?}"),
            )
        })?;
        if !value.is_finite() || !range.contains(&value) {
            return Err(ApiError::bad_parameter(
                name,
                format!(
                    "{name} must lie between {} and {}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(value)
    };
    let lat = coordinate("lat", -90.0..=90.0)?;
    let lon = coordinate("lon", -180.0..=180.0)?;
    Ok(Place::Point(geo::Point::new(lon, lat)))
}

/// Longest query accepted by the search.
const MAX_QUERY_CHARS: usize = 200;
/// Results returned by the search.
const SEARCH_RESULTS: usize = 10;

/// Units whose names hold the words typed, for autocomplete.
#[utoipa::path(get, path = "/api/v1/search", tag = "lookups",
    params(("q" = String, Query, description = "words of a unit's name, with or without diacritics")),
    responses((status = 200, description = "Up to 10 units"), (status = 400, description = "`q` missing or too long", body = crate::openapi::ErrorBody)))]
pub(crate) async fn search<B: Backend>(
    State(backend): State<Arc<B>>,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = known_params(query, &["q"])?;
    let q = params.get("q").map(|q| q.trim()).unwrap_or_default();
    if q.is_empty() {
        return Err(ApiError::bad_parameter(
            "q",
            "q is required: the start of a place name, e.g. q=nghi phong",
        ));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_parameter(
            "q",
            format!("q is longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    let snapshot = backend.snapshot();
    let results: Vec<serde_json::Value> = snapshot
        .search(q, SEARCH_RESULTS)
        .into_iter()
        .map(|u| {
            let parents: Vec<serde_json::Value> = snapshot.ancestors(u).into_iter().filter(|a| a.level != Level::Province).map(|a| json!({ "code": a.code, "name": a.name, "level": a.level })).collect();
            json!({ "code": u.code, "name": u.name, "type": u.unit_type.label(), "level": u.level, "parents": parents })
        })
        .collect();
    Ok(Json(json!({ "query": q, "results": results })).into_response())
}

/// `GET /tiles/{z}/{x}/{y}.mvt` (or `.pbf`): the tile, gzipped when the client accepts it,
/// with an `ETag` (and 304 when it still matches); 204 when the tile holds nothing.
#[utoipa::path(get, path = "/tiles/{z}/{x}/{file}", tag = "tiles",
    params(("z" = u8, Path, description = "zoom, 0–18"), ("x" = u32, Path, description = "column"),
           ("file" = String, Path, description = "`{y}.mvt` or `{y}.pbf`")),
    responses((status = 200, description = "Mapbox Vector Tile 2.1", content_type = "application/vnd.mapbox-vector-tile"),
              (status = 204, description = "Nothing in this tile"), (status = 304, description = "Unchanged since the ETag sent"),
              (status = 400, description = "z, x or y out of range or not a number", body = crate::openapi::ErrorBody),
              (status = 404, description = "Another format", body = crate::openapi::ErrorBody)))]
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
            tokio::task::spawn_blocking(move || b.tile_cache().get_or_render(id, || b.tile_data()))
                .await
                .map_err(|e| ApiError::Internal(Box::new(e)))?
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
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == tile.etag || t.trim() == "*")
        });
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
    let bounds = snapshot
        .units()
        .iter()
        .find(|u| u.level == Level::Province)
        .and_then(|u| geo::BoundingRect::bounding_rect(&u.geometry))
        .map_or([-180.0, -85.0, 180.0, 85.0], |r| {
            [r.min().x, r.min().y, r.max().x, r.max().y]
        });
    Json(covidmap_tiles::tilejson(&base_url(&headers), bounds)).into_response()
}

/// The map style, as shipped in `styles/`, pointing at this server.
const STYLE: &str = include_str!("../../../styles/covid.json");

/// `GET /styles/covid.json`: the MapLibre style with its tile and glyph URLs on the host the
/// client used.
#[utoipa::path(get, path = "/styles/covid.json", tag = "tiles", responses((status = 200, description = "MapLibre style")))]
pub(crate) async fn style(headers: HeaderMap) -> Response {
    let body = STYLE.replace("{base}", &base_url(&headers));
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /fonts/{fontstack}/{start}-{end}.pbf`: label glyphs for MapLibre.
#[utoipa::path(get, path = "/fonts/{fontstack}/{range}", tag = "tiles",
    params(("fontstack" = String, Path, description = "e.g. DejaVu Sans Book"), ("range" = String, Path, description = "e.g. 0-255.pbf")),
    responses((status = 200, description = "Glyphs (protobuf)", content_type = "application/x-protobuf"), (status = 404, description = "No such font or range", body = crate::openapi::ErrorBody)))]
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

/// Scheme and host the client used (behind a proxy, as the proxy reports them).
fn base_url(headers: &HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("127.0.0.1:8080");
    let scheme = match header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// A whole-number query parameter within `range`; `default` when absent, 400 naming it
/// otherwise.
pub(crate) fn int_param(
    params: &BTreeMap<String, String>,
    name: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ApiError> {
    params.get(name).map_or(Ok(default), |v| {
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

/// A `true`/`false` query parameter; `None` when absent, 400 naming it otherwise.
pub(crate) fn bool_param(
    params: &BTreeMap<String, String>,
    name: &str,
) -> Result<Option<bool>, ApiError> {
    params
        .get(name)
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

/// The query's parameters, refusing an unreadable query string or a parameter not in
/// `allowed` (naming it).
pub(crate) fn known_params(
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
    allowed: &[&str],
) -> Result<BTreeMap<String, String>, ApiError> {
    let Query(params) = query
        .map_err(|e| ApiError::bad_parameter("query", format!("unreadable query string: {e}")))?;
    // Percent-encoded bytes that are not UTF-8 arrive as U+FFFD.
    if let Some((name, _)) = params.iter().find(|(_, v)| v.contains('\u{FFFD}')) {
        return Err(ApiError::bad_parameter(
            name.clone(),
            format!("{name} is not valid UTF-8: percent-encode the text as UTF-8"),
        ));
    }
    if let Some(unknown) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::bad_parameter(
            unknown.clone(),
            format!("unknown parameter {unknown:?}; use {}", allowed.join(", ")),
        ));
    }
    Ok(params)
}

async fn not_found() -> Response {
    let body = json!({ "error": { "code": "not_found", "message": "no such endpoint; see /health, /api/v1/units, /api/v1/status, /api/v1/search, /tiles.json and /tiles/{z}/{x}/{y}.mvt", "field": null } });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use covidmap_store::{Health, StoreError};
    use geo::polygon;
    use tower::ServiceExt;

    struct Fake {
        cache: covidmap_tiles::TileCache,
    }

    fn fake() -> Arc<Fake> {
        Arc::new(Fake {
            cache: covidmap_tiles::TileCache::new(1 << 20),
        })
    }

    fn square(
        code: &str,
        level: Level,
        parent: Option<&str>,
        x: f64,
        size: f64,
    ) -> covidmap_core::AdminUnit {
        covidmap_core::AdminUnit {
            code: code.into(),
            level,
            name: format!("{} {code}", level.default_type().label()),
            name_key: code.into(),
            unit_type: level.default_type(),
            parent_code: parent.map(Into::into),
            geometry: geo::MultiPolygon(vec![
                polygon![(x: x, y: 18.0), (x: x + size, y: 18.0), (x: x + size, y: 18.0 + size), (x: x, y: 18.0 + size)],
            ]),
        }
    }

    impl Backend for Fake {
        fn tile_data(&self) -> Arc<covidmap_tiles::TileData> {
            let s = self.snapshot();
            Arc::new(covidmap_tiles::TileData::new(s.units(), s.layers()))
        }

        fn tile_cache(&self) -> &covidmap_tiles::TileCache {
            &self.cache
        }

        fn store(&self) -> Option<&covidmap_store::Store> {
            None
        }

        fn snapshot(&self) -> Arc<covidmap_lookup::Snapshot> {
            use covidmap_core::layers::{
                CommuneLevel, Declaration, Facility, FacilityKind, Layers, LockdownZone,
            };
            let hamlet = square("17128-01", Level::Hamlet, Some("17128"), 105.0, 0.05);
            let declaration = Declaration {
                level: 4,
                active: true,
                reason: "Chùm ca bệnh".into(),
                declared_by: "UBND huyện Đô Lương".into(),
                started_at: chrono::DateTime::UNIX_EPOCH,
                planned_end: None,
                lifted_at: None,
            };
            let layers = Layers {
                zones: vec![LockdownZone {
                    id: "zone-17128-01".into(),
                    name: "Phong toả xóm 1".into(),
                    declaration,
                    unit_codes: vec![hamlet.code.clone()],
                    area: hamlet.geometry.clone(),
                }],
                points: vec![],
                facilities: vec![Facility {
                    kind: FacilityKind::TestingSite,
                    id: "testing-17128".into(),
                    name: "Trạm y tế".into(),
                    location: geo::Point::new(105.06, 18.06),
                    outline: None,
                    status: "open".into(),
                    managed_by: None,
                    category: None,
                    capacity: None,
                    occupancy: None,
                }],
                commune_levels: vec![CommuneLevel {
                    commune_code: "17128".into(),
                    level: 4,
                    active_cases: 12,
                }],
                last_changed: Some(chrono::DateTime::UNIX_EPOCH),
            };
            Arc::new(covidmap_lookup::Snapshot::with_layers(
                vec![
                    square("40", Level::Province, None, 105.0, 1.0),
                    square("427", Level::District, Some("40"), 105.0, 0.5),
                    square("17128", Level::Commune, Some("427"), 105.0, 0.1),
                    hamlet,
                ],
                layers,
            ))
        }

        async fn health(&self) -> Result<Health, StoreError> {
            Ok(Health {
                units: BTreeMap::from([("district".to_owned(), 21)]),
            })
        }
        async fn units_geojson(
            &self,
            level: Option<Level>,
            parent: Option<&str>,
        ) -> Result<String, StoreError> {
            Ok(json!({ "type": "FeatureCollection", "features": [], "level": level.map(Level::as_str), "parent": parent }).to_string())
        }
    }

    async fn get(uri: &str) -> (StatusCode, serde_json::Value) {
        let response = app(fake())
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn health_reports_counts() {
        let (status, body) = get("/health").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["units"]["district"], 21);
    }

    #[tokio::test]
    async fn units_passes_filters() {
        let (status, body) = get("/api/v1/units?level=commune&parent=412").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (body["level"].as_str(), body["parent"].as_str()),
            (Some("commune"), Some("412"))
        );
    }

    #[tokio::test]
    async fn status_names_the_units_of_a_point() {
        let (status, body) = get("/api/v1/status?lat=18.01&lon=105.01").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["inside_province"], true);
        assert_eq!(body["units"]["hamlet"]["code"], "17128-01");
        assert_eq!(body["units"]["commune"]["code"], "17128");
        assert_eq!(body["units"]["district"]["name"], "huyện 427");
        assert_eq!(body["lockdown"]["in_lockdown"], true);
        assert_eq!(body["lockdown"]["covered_by"][0]["id"], "zone-17128-01");
        assert_eq!(body["lockdown"]["covered_by"][0]["level"], 4);
        assert_eq!(
            body["lockdown"]["covered_by"][0]["declared_by"],
            "UBND huyện Đô Lương"
        );
        assert_eq!(body["epidemic_level"]["level"], 4);
        assert_eq!(body["nearest"]["testing_site"]["id"], "testing-17128");
        // 0.05° of longitude and of latitude at 18° N: about 7.5 km.
        let d = body["nearest"]["testing_site"]["distance_m"]
            .as_f64()
            .unwrap();
        assert!((7_000.0..8_000.0).contains(&d), "{d}");
        assert!(body["nearest"].get("checkpoint").is_none());
        assert_eq!(body["data_changed_at"], "1970-01-01T00:00:00Z");
        let (_, body) = get("/api/v1/status?lat=18.3&lon=105.3").await;
        assert_eq!(body["units"]["district"]["code"], "427");
        assert_eq!(body["lockdown"]["in_lockdown"], false);
        assert!(body["units"].get("commune").is_none());
        let (status, body) = get("/api/v1/status?lat=21.02&lon=105.85").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["inside_province"], false);
        assert!(body["message"].as_str().unwrap().contains("outside"));
    }

    #[tokio::test]
    async fn status_refuses_bad_coordinates_naming_them() {
        let long_address = format!("/api/v1/status?address={}", "x%C3%B3m%205%20".repeat(40));
        for (uri, status, field) in [
            ("/api/v1/status", StatusCode::BAD_REQUEST, "lat"),
            ("/api/v1/status?lat=18.5", StatusCode::BAD_REQUEST, "lon"),
            (
                "/api/v1/status?lat=abc&lon=105",
                StatusCode::BAD_REQUEST,
                "lat",
            ),
            (
                "/api/v1/status?lat=18.5&lon=1e400",
                StatusCode::BAD_REQUEST,
                "lon",
            ),
            (
                "/api/v1/status?lat=NaN&lon=105",
                StatusCode::BAD_REQUEST,
                "lat",
            ),
            (
                "/api/v1/status?lat=95&lon=105",
                StatusCode::BAD_REQUEST,
                "lat",
            ),
            (
                "/api/v1/status?lat=18&lon=-181",
                StatusCode::BAD_REQUEST,
                "lon",
            ),
            (
                "/api/v1/status?lat=18&lon=105&zoom=3",
                StatusCode::BAD_REQUEST,
                "zoom",
            ),
            (
                "/api/v1/status?address=xom%201&lat=18&lon=105",
                StatusCode::BAD_REQUEST,
                "address",
            ),
            (
                "/api/v1/status?address=xom%201%20nghi%20phong",
                StatusCode::NOT_FOUND,
                "address",
            ),
            (
                "/api/v1/status?address=",
                StatusCode::BAD_REQUEST,
                "address",
            ),
            (
                "/api/v1/status?address=%20%20",
                StatusCode::BAD_REQUEST,
                "address",
            ),
            (
                "/api/v1/status?address=x%FFm",
                StatusCode::BAD_REQUEST,
                "address",
            ),
            (&long_address, StatusCode::BAD_REQUEST, "address"),
        ] {
            let (got, body) = get(uri).await;
            assert_eq!(got, status, "{uri}: {body}");
            assert_eq!(body["error"]["field"], field, "{uri}: {body}");
        }
    }

    #[tokio::test]
    async fn status_of_an_address_partly_locked_down() {
        let (status, body) = get(
            "/api/v1/status?address=S%E1%BB%91%202%20L%C3%AA%20L%E1%BB%A3i%2C%20x%C3%A3%2017128",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["units"]["commune"]["code"], "17128", "{body}");
        assert_eq!(body["units"]["district"]["code"], "427", "{body}");
        assert_eq!(body["matched_level"], "commune");
        assert_eq!(body["matched_text"], "17128");
        assert_eq!(body["street"], "Số 2 Lê Lợi");
        // The zone covers the hamlet, a quarter of the commune.
        assert_eq!(body["lockdown"]["in_lockdown"], false, "{body}");
        assert_eq!(body["lockdown"]["partial"], true);
        assert_eq!(body["lockdown"]["covered_share"], 0.25);
        assert_eq!(body["lockdown"]["covered_by"][0]["id"], "zone-17128-01");
        assert!(body["lockdown"]["advice"].as_str().unwrap().contains("GPS"));
        assert_eq!(body["epidemic_level"]["level"], 4);
        assert_eq!(body["nearest"]["testing_site"]["id"], "testing-17128");
        assert!(body["confidence"].as_f64().unwrap() > 0.5, "{body}");
    }

    #[tokio::test]
    async fn search_answers_top_matches_and_refuses_bad_queries() {
        let (status, body) = get("/api/v1/search?q=xom%2017128").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["results"][0]["code"], "17128-01", "{body}");
        assert_eq!(body["results"][0]["parents"][0]["code"], "17128");
        assert_eq!(body["results"][0]["parents"][1]["code"], "427");
        let long = "a".repeat(201);
        for (uri, field) in [
            ("/api/v1/search".to_owned(), "q"),
            ("/api/v1/search?q=%20".to_owned(), "q"),
            (format!("/api/v1/search?q={long}"), "q"),
            ("/api/v1/search?q=a&n=3".to_owned(), "n"),
        ] {
            let (status, body) = get(&uri).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
            assert_eq!(body["error"]["field"], field, "{uri}: {body}");
        }
    }

    #[tokio::test]
    async fn tiles_answer_with_headers_validators_and_named_errors() {
        let app = app(fake());
        // The fake district is 105.0–105.5 E, 18.0–18.5 N: tile 8/202/114 holds it.
        let request = |uri: &str, headers: &[(&str, &str)]| {
            let mut r = Request::get(uri);
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.body(Body::empty()).unwrap()
        };
        let response = app
            .clone()
            .oneshot(request(
                "/tiles/8/202/114.mvt",
                &[("accept-encoding", "gzip, br")],
            ))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let h = response.headers().clone();
        assert_eq!(
            h[header::CONTENT_TYPE],
            "application/vnd.mapbox-vector-tile"
        );
        assert_eq!(h[header::CONTENT_ENCODING], "gzip");
        assert!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN].to_str().is_ok());
        let etag = h[header::ETAG].to_str().unwrap().to_owned();
        let gz = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(&gz[..2], &[0x1f, 0x8b], "gzip magic");
        // Without gzip: the plain tile; with the ETag: 304; `.pbf` is the same tile.
        let plain = app
            .clone()
            .oneshot(request("/tiles/8/202/114.pbf", &[]))
            .await
            .unwrap();
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        assert_eq!(plain.headers()[header::ETAG].to_str().unwrap(), etag);
        let again = app
            .clone()
            .oneshot(request("/tiles/8/202/114.mvt", &[("if-none-match", &etag)]))
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        // Far from any data: 204.
        let empty = app
            .clone()
            .oneshot(request("/tiles/8/10/10.mvt", &[]))
            .await
            .unwrap();
        assert_eq!(empty.status(), StatusCode::NO_CONTENT);
        for (uri, status, field) in [
            ("/tiles/19/0/0.mvt", StatusCode::BAD_REQUEST, "z"),
            ("/tiles/a/0/0.mvt", StatusCode::BAD_REQUEST, "z"),
            ("/tiles/3/8/0.mvt", StatusCode::BAD_REQUEST, "x"),
            ("/tiles/3/0/-1.mvt", StatusCode::BAD_REQUEST, "y"),
            ("/tiles/3/0/zz.pbf", StatusCode::BAD_REQUEST, "y"),
            ("/tiles/3/0/0.png", StatusCode::NOT_FOUND, "format"),
            ("/tiles/3/0/0", StatusCode::NOT_FOUND, "format"),
        ] {
            let (got, body) = get(uri).await;
            assert_eq!(got, status, "{uri}: {body}");
            assert_eq!(body["error"]["field"], field, "{uri}: {body}");
        }
    }

    #[tokio::test]
    async fn tilejson_points_at_the_host_asked() {
        let response = app(fake())
            .oneshot(
                Request::get("/tiles.json")
                    .header("host", "maps.example.vn:8443")
                    .header("x-forwarded-proto", "https")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let tj: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(tj["tilejson"], "3.0.0");
        assert_eq!(
            tj["tiles"][0],
            "https://maps.example.vn:8443/tiles/{z}/{x}/{y}.mvt"
        );
        assert_eq!(tj["bounds"], serde_json::json!([105.0, 18.0, 106.0, 19.0]));
        assert_eq!(
            tj["vector_layers"].as_array().unwrap().len(),
            covidmap_tiles::LAYERS.len()
        );
        assert_eq!(tj["vector_layers"][4]["id"], "lockdown_zones");
        assert!(tj["vector_layers"][4]["fields"]["level"].is_string());
    }

    /// Every `["get", field]` inside a style expression.
    fn fields_used(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Array(items) => {
                if items.len() == 2 && items[0] == "get" {
                    if let Some(f) = items[1].as_str() {
                        out.push(f.to_owned());
                    }
                }
                items.iter().for_each(|i| fields_used(i, out));
            }
            serde_json::Value::Object(map) => map.values().for_each(|v| fields_used(v, out)),
            _ => {}
        }
    }

    #[tokio::test]
    async fn the_style_uses_only_layers_fields_and_fonts_we_serve() {
        let response = app(fake())
            .oneshot(
                Request::get("/styles/covid.json")
                    .header("host", "map.test")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let style: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(style["version"], 8);
        assert_eq!(
            style["sources"]["covidmap"]["url"],
            "http://map.test/tiles.json"
        );
        assert_eq!(
            style["glyphs"],
            "http://map.test/fonts/{fontstack}/{range}.pbf"
        );
        let fonts = Glyphs::from_dir(std::path::Path::new(DEFAULT_FONT_DIR))
            .unwrap()
            .fonts();
        let mut drawn = std::collections::BTreeSet::new();
        for layer in style["layers"].as_array().unwrap() {
            let id = layer["id"].as_str().unwrap();
            let Some(source_layer) = layer["source-layer"].as_str() else {
                continue;
            };
            let spec = covidmap_tiles::catalogue::layer(source_layer)
                .unwrap_or_else(|| panic!("{id}: no tile layer {source_layer}"));
            drawn.insert(source_layer);
            let mut used = Vec::new();
            fields_used(layer, &mut used);
            for field in used {
                assert!(
                    spec.fields.iter().any(|(f, _)| *f == field),
                    "{id}: {source_layer} has no {field}"
                );
            }
            let min = layer["minzoom"].as_u64().unwrap_or(0);
            assert!(
                min >= u64::from(spec.min_zoom),
                "{id} asks below {source_layer}'s zoom"
            );
            if let Some(stack) = layer["layout"]["text-font"].as_array() {
                for font in stack {
                    assert!(
                        fonts.iter().any(|f| f == font),
                        "{id}: font {font} not served"
                    );
                }
            }
        }
        // Every layer of the tiles is drawn.
        assert_eq!(drawn.len(), covidmap_tiles::LAYERS.len(), "{drawn:?}");
        // The glyphs it asks for are served; bad requests are named.
        let glyph_request = Request::get("/fonts/DejaVu%20Sans%20Book/7680-7935.pbf");
        let ok = app(fake())
            .oneshot(glyph_request.body(Body::empty()).unwrap())
            .await
            .unwrap()
            .status();
        assert_eq!(ok, StatusCode::OK);
        for (uri, status, field) in [
            (
                "/fonts/DejaVu%20Sans%20Book/0-100.pbf",
                StatusCode::BAD_REQUEST,
                "range",
            ),
            (
                "/fonts/DejaVu%20Sans%20Book/zero.pbf",
                StatusCode::BAD_REQUEST,
                "range",
            ),
            (
                "/fonts/Comic%20Sans/0-255.pbf",
                StatusCode::NOT_FOUND,
                "fontstack",
            ),
        ] {
            let (got, body) = get(uri).await;
            assert_eq!(got, status, "{uri}: {body}");
            assert_eq!(body["error"]["field"], field, "{uri}: {body}");
        }
    }

    #[tokio::test]
    async fn bad_parameters_are_named() {
        for (uri, field) in [
            ("/api/v1/units?level=ward", "level"),
            ("/api/v1/units?parent=", "parent"),
            ("/api/v1/units?parent=4%27%3B%20drop", "parent"),
            ("/api/v1/units?colour=red", "colour"),
            ("/api/v1/units?level=%FF", "level"),
        ] {
            let (status, body) = get(uri).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
            assert_eq!(body["error"]["field"], field, "{uri}: {body}");
        }
        let (status, body) = get("/nowhere").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["code"], "not_found");
    }
}
