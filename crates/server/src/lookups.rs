//! The residents' questions, answered from the in-memory snapshot: `GET /api/v1/status`
//! (by position or by address) and `GET /api/v1/search` (names, for autocomplete). The
//! answers themselves are `covidmap-lookup`'s; here only the parameters are read.

use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::{known, Params};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use covidmap_core::Level;
use covidmap_lookup::{address_status, point_status, StatusAnswer};
use covidmap_messages::answers::{SearchAnswer, SearchResult, UnitSummary};
use std::sync::Arc;

/// `GET /api/v1/status` and `GET /api/v1/search`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/api/v1/status", get(status::<B>))
        .route("/api/v1/search", get(search::<B>))
}

known!(StatusQuery: "lat", "lon", "address");

/// Whether a place is in a lockdown area: by position or by address.
#[utoipa::path(get, path = "/api/v1/status", tag = "lookups",
    params(("lat" = Option<f64>, Query, description = "latitude, WGS 84 (with lon)"),
           ("lon" = Option<f64>, Query, description = "longitude, WGS 84 (with lat)"),
           ("address" = Option<String>, Query, description = "an address as people write it, instead of lat/lon")),
    responses((status = 200, description = "The units, lockdown, epidemic level and nearest facilities", body = StatusAnswer),
              (status = 400, description = "Missing, conflicting or malformed parameters", body = crate::error::ErrorAnswer),
              (status = 404, description = "The address names no unit", body = crate::error::ErrorAnswer)))]
pub(crate) async fn status<B: Backend>(
    State(backend): State<Arc<B>>,
    params: Params<StatusQuery>,
) -> Result<Response, ApiError> {
    let snapshot = backend.snapshot();
    let answer = match parse_place(&params)? {
        Place::Point(point) => StatusAnswer::Point(point_status(&snapshot, point)),
        Place::Address(text) => StatusAnswer::Address(address_status(&snapshot, &text)?),
    };
    Ok(Json(answer).into_response())
}

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
fn parse_place(params: &Params<StatusQuery>) -> Result<Place, ApiError> {
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

known!(SearchQuery: "q");

/// Longest query accepted by the search.
const MAX_QUERY_CHARS: usize = 200;
/// Results returned by the search.
const SEARCH_RESULTS: usize = 10;

/// Units whose names hold the words typed, for autocomplete.
#[utoipa::path(get, path = "/api/v1/search", tag = "lookups",
    params(("q" = String, Query, description = "words of a unit's name, with or without diacritics")),
    responses((status = 200, description = "Up to 10 units", body = SearchAnswer), (status = 400, description = "`q` missing or too long", body = crate::error::ErrorAnswer)))]
pub(crate) async fn search<B: Backend>(
    State(backend): State<Arc<B>>,
    params: Params<SearchQuery>,
) -> Result<Response, ApiError> {
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
    let results = snapshot
        .search(q, SEARCH_RESULTS)
        .into_iter()
        .map(|u| SearchResult {
            code: u.code.clone(),
            name: u.name.clone(),
            unit_type: u.unit_type.label(),
            level: u.level,
            parents: snapshot
                .ancestors(u)
                .into_iter()
                .filter(|a| a.level != Level::Province)
                .map(summary)
                .collect(),
        })
        .collect();
    let query = q.to_owned();
    Ok(Json(SearchAnswer { query, results }).into_response())
}

/// A unit as answers name it.
pub(crate) fn summary(unit: &covidmap_core::AdminUnit) -> UnitSummary {
    UnitSummary {
        code: unit.code.clone(),
        name: unit.name.clone(),
        level: unit.level,
    }
}
