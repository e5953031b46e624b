//! Webhook subscriptions: `POST /api/v1/webhooks` registers a callback (any organisation's
//! editor token), `GET /api/v1/webhooks` lists the caller's own (the provincial office:
//! everyone's), `GET /api/v1/webhooks/{id}` tells one's state and backlog, `POST
//! …/{id}/pause` and `…/{id}/resume`, `DELETE …/{id}`. Deliveries are `covidmap-webhooks`'.

use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::{base_url, JsonBody};
use crate::router::Settings;
use crate::write::store;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use covidmap_core::policy::Policy;
use covidmap_ogc::events::topics;
use covidmap_store::webhooks::{Hook, HookSpec, HookState};
use covidmap_store::{Caller, Store};
use serde_json::{json, Value};
use std::sync::Arc;

/// Subscriptions an organisation keeps at most.
const MAX_PER_ORGANISATION: usize = 20;
/// Changes counted into a backlog at most (a state read must stay cheap).
const MAX_COUNTED: usize = 100_000;

/// The subscriptions' routes.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/api/v1/webhooks", get(list::<B>).post(create::<B>))
        .route("/api/v1/webhooks/{id}", get(one::<B>).delete(delete::<B>))
        .route("/api/v1/webhooks/{id}/pause", post(pause::<B>))
        .route("/api/v1/webhooks/{id}/resume", post(resume::<B>))
}

/// What a subscription asks for.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Subscribe {
    url: String,
    #[serde(default)]
    collections: Vec<String>,
    bbox: Option<[f64; 4]>,
}

/// A subscription as answered (its secret only when it is made).
fn answer(hook: &Hook, backlog: Option<(usize, bool)>) -> Value {
    let mut body = json!({
        "id": hook.spec.id,
        "org_id": hook.spec.org_id,
        "url": hook.spec.url,
        "collections": hook.spec.collections,
        "bbox": hook.spec.bbox,
        "state": hook.state,
        "created_at": hook.created_at,
        "delivered_through": hook.delivered_through,
        "delivered_at": hook.delivered_at,
        "attempts": hook.attempts,
        "failing_since": hook.failing_since,
        "last_error": hook.last_error,
        "next_attempt_at": hook.next_attempt_at,
    });
    if let Some((count, more)) = backlog {
        body["backlog"] = json!(count);
        body["backlog_at_least"] = json!(more);
    }
    body
}

/// Registers a callback: checked (its addresses included) before anything is written; the
/// answer holds the secret deliveries are signed with, shown this once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", operation_id = "create_webhook", security(("bearer" = [])),
    request_body(content = String, content_type = "application/json", description = "{\"url\": \"https://…\", \"collections\": [\"zones\", …] (none: all), \"bbox\": [min_lon, min_lat, max_lon, max_lat] (optional)}"),
    responses((status = 201, description = "Registered; `secret` is shown only now"),
              (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "A viewer's token", body = crate::error::ErrorAnswer),
              (status = 422, description = "The URL, a collection or the bbox is refused, named by field", body = crate::error::ErrorAnswer)))]
pub(crate) async fn create<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    Policy::may_subscribe(&caller)?;
    let asked: Subscribe = serde_json::from_value(body).map_err(|e| {
        ApiError::invalid(
            "body",
            format!("{e}; send url, and collections and bbox if wanted"),
        )
    })?;
    let known = topics();
    if let Some((i, bad)) = asked
        .collections
        .iter()
        .enumerate()
        .find(|(_, c)| !known.contains(&c.as_str()))
    {
        return Err(ApiError::invalid(
            &format!("collections[{i}]"),
            format!("no collection {bad:?}; use {}", known.join(", ")),
        ));
    }
    if let Some(b) = asked.bbox {
        crate::reads::check_bbox(b).map_err(|e| ApiError::invalid("bbox", e.to_string()))?;
    }
    let own: Vec<_> = settings.own_address.into_iter().collect();
    let target = covidmap_webhooks::check_url(&asked.url, settings.webhook_loopback, &own)
        .await
        .map_err(|e| ApiError::invalid("url", e.to_string()))?;
    // The server as the caller reached it is itself too, whatever its address.
    if target.is_at(&base_url(&headers)) {
        return Err(ApiError::invalid(
            "url",
            "url: this is the server itself; webhooks call other machines only",
        ));
    }
    let store = store(&*backend)?;
    if store.hooks(Some(&caller.org.id)).await?.len() >= MAX_PER_ORGANISATION {
        return Err(ApiError::Conflict(format!(
            "{} keeps {MAX_PER_ORGANISATION} subscriptions already; delete one it no longer needs",
            caller.org.name
        )));
    }
    let hook = store
        .create_hook(&HookSpec {
            id: covidmap_store::new_id("hook")?,
            org_id: caller.org.id.clone(),
            // As parsed: the text the check read, written the one way.
            url: target.url.to_string(),
            collections: asked.collections,
            bbox: asked.bbox,
            secret: covidmap_webhooks::new_secret()
                .map_err(|e| ApiError::Internal(Box::new(std::io::Error::other(e.to_string()))))?,
        })
        .await?;
    let mut body = answer(&hook, Some((0, false)));
    body["secret"] = json!(hook.spec.secret);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// The subscriptions the caller manages.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", operation_id = "list_webhooks", security(("bearer" = [])),
    responses((status = 200, description = "The caller's organisation's subscriptions (the provincial office: everyone's), without their secrets"),
              (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer)))]
pub(crate) async fn list<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
) -> Result<Response, ApiError> {
    let store = store(&*backend)?;
    let everyone = Policy::oversees_subscriptions(&caller);
    let hooks = store
        .hooks((!everyone).then_some(caller.org.id.as_str()))
        .await?;
    let listed: Vec<Value> = hooks.iter().map(|h| answer(h, None)).collect();
    Ok(Json(json!({"webhooks": listed})).into_response())
}

/// The subscription `id`, if the caller manages it: 404 otherwise (another organisation's is
/// not told to exist).
async fn managed(store: &Store, caller: &Caller, id: &str) -> Result<Hook, ApiError> {
    store
        .hook(id)
        .await?
        .filter(|h| Policy::manages_subscription(caller, &h.spec.org_id))
        .ok_or_else(|| ApiError::NoMatch {
            field: "id".to_owned(),
            message: format!(
                "no webhook subscription {id:?} of {}; GET /api/v1/webhooks lists them",
                caller.org.name
            ),
        })
}

/// How many changes after its position the subscription wants, counting at most so many
/// (read from the log without their features).
async fn backlog(store: &Store, hook: &Hook) -> Result<(usize, bool), ApiError> {
    let filter = hook.spec.filter();
    let mut after = hook.delivered_through;
    let (mut count, mut scanned) = (0, 0);
    loop {
        let read = store.changes_after(after, 1_000).await?;
        let Some(last) = read.last() else {
            return Ok((count, false));
        };
        after = last.id;
        scanned += read.len();
        count += read.iter().filter(|c| filter.takes(c)).count();
        if scanned >= MAX_COUNTED {
            return Ok((count, true));
        }
    }
}

/// One subscription's state: its position, its backlog, its failures.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "webhook", security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription")),
    responses((status = 200, description = "Its state: delivered_through, backlog, attempts, last_error, next_attempt_at"),
              (status = 404, description = "No such subscription of the caller's", body = crate::error::ErrorAnswer)))]
pub(crate) async fn one<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = store(&*backend)?;
    let hook = managed(store, &caller, &id).await?;
    let backlog = backlog(store, &hook).await?;
    Ok(Json(answer(&hook, Some(backlog))).into_response())
}

async fn set_state<B: Backend>(
    backend: &B,
    caller: &Caller,
    id: &str,
    state: HookState,
) -> Result<Response, ApiError> {
    let store = store(backend)?;
    managed(store, caller, id).await?;
    let hook = store
        .set_hook_state(id, state)
        .await?
        .ok_or_else(|| crate::write::not_current("webhook subscription", id))?;
    Ok(Json(answer(&hook, None)).into_response())
}

/// Pauses deliveries; changes wait in the log.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/pause", tag = "webhooks", operation_id = "pause_webhook", security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription")),
    responses((status = 200, description = "Paused"), (status = 404, description = "No such subscription of the caller's", body = crate::error::ErrorAnswer)))]
pub(crate) async fn pause<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    set_state(&*backend, &caller, &id, HookState::Paused).await
}

/// Resumes deliveries at once, from where they stopped (a failed subscription too).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/resume", tag = "webhooks", operation_id = "resume_webhook", security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription")),
    responses((status = 200, description = "Active again"), (status = 404, description = "No such subscription of the caller's", body = crate::error::ErrorAnswer)))]
pub(crate) async fn resume<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    set_state(&*backend, &caller, &id, HookState::Active).await
}

/// Deletes a subscription.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook", security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription")),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such subscription of the caller's", body = crate::error::ErrorAnswer)))]
pub(crate) async fn delete<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = store(&*backend)?;
    managed(store, &caller, &id).await?;
    store.delete_hook(&id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
