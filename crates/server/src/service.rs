//! The service itself: whether the database answers, and the OpenAPI document.

use crate::backend::Backend;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use covidmap_messages::answers::{ErrorAnswer, Health};
use std::sync::Arc;

/// How long `/health` waits for the database.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

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
    // A health check that hangs is no answer: a balancer wants one within a second or two.
    let answered = tokio::time::timeout(HEALTH_TIMEOUT, backend.health()).await;
    let sample_data = backend.snapshot().is_sample();
    match answered {
        Ok(Ok(h)) => Json(Health {
            status: "ok",
            database: "reachable",
            units: Some(h.units),
            sample_data,
            error: None,
        })
        .into_response(),
        failed => {
            let reason = match failed {
                Ok(Err(e)) => e.to_string(),
                _ => format!("no answer within {HEALTH_TIMEOUT:?}"),
            };
            tracing::error!(error = %reason, "health check: database unreachable");
            let body = Health {
                status: "error",
                database: "unreachable",
                units: None,
                sample_data,
                error: Some(
                    ErrorAnswer::new("unavailable", "the database does not answer".into(), None)
                        .error,
                ),
            };
            let retry = [(header::RETRY_AFTER, crate::error::RETRY_UNAVAILABLE)];
            (StatusCode::SERVICE_UNAVAILABLE, retry, Json(body)).into_response()
        }
    }
}
