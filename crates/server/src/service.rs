//! The service itself: whether the database answers, and the OpenAPI document.

use crate::backend::Backend;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use covidmap_messages::answers::{ErrorAnswer, Health};
use std::sync::Arc;

/// `GET /health` and `GET /api/v1/openapi.json`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/health", get(health::<B>))
        .route("/api/v1/openapi.json", get(crate::openapi::openapi_json))
}

/// Whether the database answers, and how many units of each level are current.
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, description = "The database answers", body = Health), (status = 503, description = "The database does not answer", body = Health)))]
pub(crate) async fn health<B: Backend>(State(backend): State<Arc<B>>) -> Response {
    match backend.health().await {
        Ok(h) => Json(Health {
            status: "ok",
            database: "reachable",
            units: Some(h.units),
            sample_data: backend.snapshot().is_sample(),
            error: None,
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            let body = Health {
                status: "error",
                database: "unreachable",
                units: None,
                sample_data: backend.snapshot().is_sample(),
                error: Some(
                    ErrorAnswer::new("unavailable", "the database does not answer".into(), None)
                        .error,
                ),
            };
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
