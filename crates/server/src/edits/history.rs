//! Who a token stands for, an entity's history, and putting a version back.

use crate::allow::allow;
use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::extract::{known, Params};
use crate::write::{author, made_on, store, written};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use covidmap_core::policy::Policy;
use covidmap_core::Entity;
use covidmap_messages::answers::{EntityDescription, History, HistoryEntry, Me, OrgSummary};
use covidmap_messages::revert_request;
use std::sync::Arc;

/// Who a token stands for, an entity's history, and reverting it.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/api/v1/revert", post(revert::<B>))
        .route("/api/v1/history", get(history::<B>))
        .route("/api/v1/me", get(me::<B>))
}

known!(HistoryQuery: "entity", "id");

/// Who the token stands for and what it may write: the admin page offers only that.
#[utoipa::path(get, path = "/api/v1/me", tag = "history", security(("bearer" = [])),
    responses((status = 200, description = "The organisation, the role and the layers it may write", body = Me),
              (status = 401, description = "No valid token", body = crate::error::ErrorAnswer)))]
pub(crate) async fn me<B: Backend>(
    State(_backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
) -> Response {
    let writes = Policy::writable(&caller).iter().map(|e| e.name()).collect();
    // Every entity and its names, so that pages name things as the server does.
    let entities = Entity::ALL
        .iter()
        .map(|&e| EntityDescription {
            name: e.name(),
            url: e.url(),
            title: e.title_vi(),
            noun: e.noun(),
            tile_layers: e.tile_layers(),
            facility: e.facility().is_some(),
            statuses: e.facility().map(|f| f.statuses()),
            declaration: e.is_declaration(),
        })
        .collect();
    let org = OrgSummary {
        id: caller.org.id.clone(),
        name: caller.org.name.clone(),
        kind: caller.org.kind.as_str(),
        district_code: caller.org.district_code.clone(),
    };
    Json(Me {
        org,
        role: caller.role.as_str(),
        writes,
        entities,
    })
    .into_response()
}

// ---- history and revert ----

#[utoipa::path(post, path = "/api/v1/revert", tag = "history", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "{\"entity\": zones, checkpoints… (or the table name), \"id\", \"version_id\"}"),
    responses((status = 200, description = "The version is current again, as a new version", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer),
              (status = 404, description = "No such version", body = crate::error::ErrorAnswer)))]
pub(crate) async fn revert<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let request = revert_request(&body).map_err(ApiError::Invalid)?;
    let store = store(&*backend)?;
    let snapshot = backend.snapshot();
    // A revert is checked as the write it makes: the version it replaces (none when the
    // entity was deleted) and the one it restores must both be the caller's (where they lie,
    // who manages them, their kind).
    let replacing = match store
        .stored_action(request.entity, &request.id, None)
        .await?
    {
        Some((current, version_id)) => {
            allow(
                &snapshot,
                &caller,
                &current.called("the entity as it stands"),
            )?;
            Some(version_id)
        }
        None => None,
    };
    let restored = store
        .stored_action(request.entity, &request.id, Some(request.version_id))
        .await?
        .ok_or_else(|| ApiError::NoMatch {
            field: "version_id".into(),
            message: format!(
                "{} is not a version of the {} {:?}; GET /api/v1/history lists them",
                request.version_id,
                request.entity.noun(),
                request.id
            ),
        })?
        .0
        .called("that version");
    allow(&snapshot, &caller, &restored)?;
    // Made on the version checked: one written in between (or a new entity of the same id,
    // after a deletion) is a conflict, not replaced unchecked.
    let edited = store
        .revert(
            request.entity,
            &request.id,
            request.version_id,
            replacing,
            &author(&caller),
        )
        .await
        .map_err(made_on(None))?;
    Ok(written(StatusCode::OK, &request.id, edited))
}

/// `GET /api/v1/history?entity=lockdown_zones&id=…`: every change to one entity, oldest
/// first, with who made it. Any valid token may read it.
#[utoipa::path(get, path = "/api/v1/history", tag = "history", security(("bearer" = [])),
    params(("entity" = String, Query, description = "what: zones, lockdown-points, checkpoints, figures, documents… or their table names (lockdown_zones…), or boundaries"),
           ("id" = String, Query, description = "the entity's id (an upload's number for boundaries)")),
    responses((status = 200, description = "Every change, oldest first, with who made it", body = History), (status = 400, description = "Bad parameters", body = crate::error::ErrorAnswer),
              (status = 401, description = "No valid token", body = crate::error::ErrorAnswer)))]
pub(crate) async fn history<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(_caller): Authenticated,
    params: Params<HistoryQuery>,
) -> Result<Response, ApiError> {
    let entity = params
        .get("entity")
        .ok_or_else(|| ApiError::bad_parameter("entity", "entity is required"))
        .and_then(|e| {
            Entity::parse(e).map_err(|err| ApiError::bad_parameter("entity", err.to_string()))
        })?;
    let id = params
        .get("id")
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .ok_or_else(|| ApiError::bad_parameter("id", "id is required: the entity's id"))?;
    let entries = store(&*backend)?.history(entity, id).await?;
    let entries = entries
        .into_iter()
        .map(|e| HistoryEntry {
            audit_id: e.id,
            at: e.at.to_rfc3339(),
            org_id: e.org_id,
            token_id: e.token_id,
            action: e.action,
            before: e.before,
            after: e.after,
        })
        .collect();
    let entity = entity.audit_name();
    Ok(Json(History {
        entity,
        id: id.to_owned(),
        entries,
    })
    .into_response())
}
