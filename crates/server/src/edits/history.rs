//! Who a token stands for, an entity's history, and putting a version back.

use super::{
    author, current_within, geometry_within, invalid, not_current, store, written, JsonBody,
};
use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::requests::revert_request;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use covidmap_core::agency::{may_write, Layer};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Who the token stands for and what it may write: the admin page offers only that.
#[utoipa::path(get, path = "/api/v1/me", tag = "history", security(("bearer" = [])),
    responses((status = 200, description = "The organisation, the role and the layers it may write"),
              (status = 401, description = "No valid token", body = crate::openapi::ErrorBody)))]
pub(crate) async fn me<B: Backend>(
    State(_backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
) -> Response {
    let writes: Vec<&str> = if caller.role == covidmap_core::agency::Role::Editor {
        caller
            .org
            .kind
            .writes()
            .iter()
            .map(|l| l.as_str())
            .collect()
    } else {
        Vec::new()
    };
    Json(json!({
        "org": {"id": caller.org.id, "name": caller.org.name, "kind": caller.org.kind.as_str(),
                "district_code": caller.org.district_code},
        "role": caller.role.as_str(),
        "writes": writes,
    }))
    .into_response()
}

// ---- history and revert ----

/// Which layer a table holds, for permissions.
fn table_layer(table: &str) -> Option<Layer> {
    Some(match table {
        "lockdown_zones" => Layer::LockdownZones,
        "lockdown_points" => Layer::LockdownPoints,
        "checkpoints" => Layer::Checkpoints,
        "quarantine_camps" => Layer::QuarantineCamps,
        "testing_sites" => Layer::TestingSites,
        "essential_services" => Layer::EssentialServices,
        "commune_levels" => Layer::EpidemicLevels,
        "daily_figures" => Layer::DailyFigures,
        "returning_workers" => Layer::ReturningWorkers,
        _ => return None,
    })
}

#[utoipa::path(post, path = "/api/v1/revert", tag = "history", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "{\"entity\": table, \"id\", \"version_id\"}"),
    responses((status = 200, description = "The version is current again, as a new version"), (status = 401, description = "No token, or one unknown or revoked", body = crate::openapi::ErrorBody),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::openapi::ErrorBody),
              (status = 422, description = "Fields are wrong; each is named", body = crate::openapi::ErrorBody),
              (status = 404, description = "No such version", body = crate::openapi::ErrorBody)))]
pub(crate) async fn revert<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let request = revert_request(&body).map_err(ApiError::Invalid)?;
    let store = store(&*backend)?;
    let layer = if request.entity == "documents" {
        match store.document_kind(&request.id).await? {
            Some(covidmap_core::documents::DocumentKind::Directive) => Layer::Directives,
            Some(covidmap_core::documents::DocumentKind::SupportPolicy) => Layer::SupportPolicies,
            None => return Err(not_current("document", &request.id)),
        }
    } else {
        table_layer(&request.entity).ok_or_else(|| invalid("entity", "unknown"))?
    };
    let scope = may_write(&caller.org, caller.role, layer)?;
    // Both where the entity is now and where the version puts it must be the caller's.
    let snapshot = backend.snapshot();
    current_within(
        store,
        &request.entity,
        &request.id,
        "the entity as it stands",
        &scope,
        &caller,
        &snapshot,
    )
    .await?;
    if let Some(version) = store
        .geometry_of(&request.entity, &request.id, Some(request.version_id))
        .await?
    {
        geometry_within(&scope, &caller, "that version", &version, &snapshot)?;
    }
    let edited = store
        .revert(
            &request.entity,
            &request.id,
            request.version_id,
            &author(&caller),
        )
        .await?;
    Ok(written(StatusCode::OK, &request.id, edited))
}

/// `GET /api/v1/history?entity=lockdown_zones&id=…`: every change to one entity, oldest
/// first, with who made it. Any valid token may read it.
#[utoipa::path(get, path = "/api/v1/history", tag = "history", security(("bearer" = [])),
    params(("entity" = String, Query, description = "a table (lockdown_zones, checkpoints, daily_figures, documents…) or boundaries"),
           ("id" = String, Query, description = "the entity's id (an upload's number for boundaries)")),
    responses((status = 200, description = "Every change, oldest first, with who made it"), (status = 400, description = "Bad parameters", body = crate::openapi::ErrorBody),
              (status = 401, description = "No valid token", body = crate::openapi::ErrorBody)))]
pub(crate) async fn history<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(_caller): Authenticated,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = crate::routes::known_params(query, &["entity", "id"])?;
    let entity = params
        .get("entity")
        .filter(|e| {
            covidmap_store::EDITABLE_TABLES.contains(&e.as_str()) || e.as_str() == "boundaries"
        })
        .ok_or_else(|| {
            ApiError::bad_parameter(
                "entity",
                format!(
                    "entity must be boundaries or one of: {}",
                    covidmap_store::EDITABLE_TABLES.join(", ")
                ),
            )
        })?;
    let id = params
        .get("id")
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .ok_or_else(|| ApiError::bad_parameter("id", "id is required: the entity's id"))?;
    let entries = store(&*backend)?.history(entity, id).await?;
    let entries: Vec<Value> = entries
        .into_iter()
        .map(|e| {
            json!({
                "audit_id": e.id, "at": e.at.to_rfc3339(), "org_id": e.org_id, "token_id": e.token_id,
                "action": e.action, "before": e.before, "after": e.after,
            })
        })
        .collect();
    Ok(Json(json!({ "entity": entity, "id": id, "entries": entries })).into_response())
}
