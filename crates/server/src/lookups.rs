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
use covidmap_messages::lookups::{search_words, status_place, StatusPlace};
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
    let place = status_place(|name| params.get(name).map(String::as_str));
    let answer = match place.map_err(ApiError::parameter)? {
        StatusPlace::Point(point) => StatusAnswer::Point(point_status(&snapshot, point)),
        StatusPlace::Address(text) => StatusAnswer::Address(address_status(&snapshot, &text)?),
    };
    Ok(Json(answer).into_response())
}

known!(SearchQuery: "q");

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
    let q = search_words(params.get("q").map(String::as_str)).map_err(ApiError::parameter)?;
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
                .map(UnitSummary::from)
                .collect(),
        })
        .collect();
    let query = q.to_owned();
    Ok(Json(SearchAnswer { query, results }).into_response())
}
