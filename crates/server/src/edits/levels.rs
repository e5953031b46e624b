//! Communes' epidemic levels, set by the CDC.

use crate::allow::allow_commune;
use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::write::{author, store, written};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::put;
use axum::Router;
use covidmap_core::layers::CommuneLevel;
use covidmap_core::Entity;
use covidmap_messages::level_request;
use std::sync::Arc;

/// `PUT /api/v1/communes/{code}/level`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new().route("/api/v1/communes/{code}/level", put(set_level::<B>))
}

/// Sets a commune's epidemic level (CDC).
#[utoipa::path(put, path = "/api/v1/communes/{code}/level", tag = "figures", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "{\"level\": 1–4, \"active_cases\": n}"),
    params(("code" = String, Path, description = "the commune")),
    responses((status = 200, description = "Set", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer), (status = 404, description = "No such commune", body = crate::error::ErrorAnswer)))]
pub(crate) async fn set_level<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(code): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    allow_commune(&backend.snapshot(), &caller, Entity::CommuneLevels, &code)?;
    let request = level_request(&body).map_err(ApiError::Invalid)?;
    let level = CommuneLevel {
        commune_code: code.clone(),
        level: request.level,
        active_cases: request.active_cases,
    };
    let edited = store(&*backend)?
        .put_commune_level(&level, &author(&caller))
        .await?;
    Ok(written(StatusCode::OK, &code, edited))
}
