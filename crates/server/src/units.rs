//! `GET /api/v1/units`: the administrative units as GeoJSON, from the store: the current
//! ones, or with `at` the structure in force then.

use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::{known, Params};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use covidmap_core::Level;
use std::sync::Arc;

/// Longest accepted unit code in a filter.
const MAX_CODE_LEN: usize = 32;

/// `GET /api/v1/units`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new().route("/api/v1/units", get(units::<B>))
}

known!(UnitsQuery: "level", "parent", "at");

/// The administrative units as GeoJSON, current or in force at a moment.
#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    params(("level" = Option<String>, Query, description = "province, district, commune or hamlet"),
           ("parent" = Option<String>, Query, description = "only the units under this code"),
           ("at" = Option<String>, Query, description = "the units in force at this moment (RFC 3339): districts since abolished, communes since merged")),
    responses((status = 200, description = "GeoJSON FeatureCollection of the units, current or in force at `at`", content_type = "application/geo+json"),
              (status = 400, description = "A parameter is wrong; `field` names it", body = crate::error::ErrorAnswer)))]
pub(crate) async fn units<B: Backend>(
    State(backend): State<Arc<B>>,
    params: Params<UnitsQuery>,
) -> Result<Response, ApiError> {
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
    let at = crate::reads::at_param(&params)?;
    let body = backend.units_geojson(level, parent, at).await?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}
