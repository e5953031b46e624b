//! Routes and thin handlers.

use crate::backend::Backend;
use crate::error::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use covidmap_core::Level;
use serde_json::json;
use std::collections::BTreeMap;
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

/// The whole HTTP API over a backend.
pub fn app<B: Backend>(backend: Arc<B>) -> Router {
    Router::new()
        .route("/health", get(health::<B>))
        .route("/api/v1/units", get(units::<B>))
        .fallback(not_found)
        .with_state(backend)
        .layer(CompressionLayer::new())
        .layer(CorsLayer::permissive())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http())
}

async fn health<B: Backend>(State(backend): State<Arc<B>>) -> Response {
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

async fn units<B: Backend>(
    State(backend): State<Arc<B>>,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = query
        .map_err(|e| ApiError::bad_parameter("query", format!("unreadable query string: {e}")))?;
    if let Some(unknown) = params
        .keys()
        .find(|k| !["level", "parent"].contains(&k.as_str()))
    {
        return Err(ApiError::bad_parameter(
            unknown.clone(),
            format!("unknown parameter {unknown:?}; use level and parent"),
        ));
    }
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

async fn not_found() -> Response {
    let body = json!({ "error": { "code": "not_found", "message": "no such endpoint; see /health and /api/v1/units", "field": null } });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use covidmap_store::{Health, StoreError};
    use tower::ServiceExt;

    struct Fake;

    impl Backend for Fake {
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
        let response = app(Arc::new(Fake))
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
