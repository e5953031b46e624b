//! The service itself: whether the database answers, and the OpenAPI document.

use crate::backend::Backend;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;

/// `GET /health` and `GET /api/v1/openapi.json`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/health", get(health::<B>))
        .route("/api/v1/openapi.json", get(crate::openapi::openapi_json))
}

/// Whether the database answers, and how many units of each level are current.
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, description = "The database answers"), (status = 503, description = "The database does not answer", body = crate::error::ErrorBody)))]
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
