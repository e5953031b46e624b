//! Administrative changes: the list (public: what the gazetteer knows former names by), and
//! the provincial office's upload of a file of them, CSV or JSON.

use crate::allow::allow;
use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::json_value;
use crate::write::{author, store};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use covidmap_core::policy::{Action, Place};
use covidmap_core::Entity;
use covidmap_messages::answers::UnitChangeList;
use covidmap_messages::unit_changes::{read_csv, read_json};
use covidmap_upload::{apply_unit_changes, ChangesError};
use std::sync::Arc;

/// `GET` and `POST /api/v1/unit-changes`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new().route("/api/v1/unit-changes", get(list::<B>).post(upload::<B>))
}

/// The administrative changes the gazetteer knows former names by, oldest first.
#[utoipa::path(get, path = "/api/v1/unit-changes", tag = "units",
    responses((status = 200, description = "Every current administrative change", body = UnitChangeList)))]
pub(crate) async fn list<B: Backend>(State(backend): State<Arc<B>>) -> Json<UnitChangeList> {
    Json(UnitChangeList::of(&backend.snapshot()))
}

/// Adds or corrects administrative changes (provincial office): a CSV file (`text/csv`,
/// columns as the JSON keys) or JSON (`{"changes": [...]}`); checked as a whole, all or
/// nothing.
#[utoipa::path(post, path = "/api/v1/unit-changes", tag = "units", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "effective, act, kind (merge, rename, split, move, district_abolished), predecessor_code, predecessor_name, predecessor_parent_code, successor_code, successor_name, source; or the same as JSON, {\"changes\": [...]}"),
    responses((status = 200, description = "Written: how many were added, changed, already there", body = covidmap_store::ChangesApplied),
              (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "Only the provincial office keeps administrative changes", body = crate::error::ErrorAnswer),
              (status = 422, description = "Rows are wrong; each is named by line (or index) and field", body = crate::error::ErrorAnswer)))]
pub(crate) async fn upload<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    allow(
        &backend.snapshot(),
        &caller,
        &Action::new(Entity::UnitChanges, Place::Anywhere),
    )?;
    let bytes = body.map_err(|e| ApiError::BadBody {
        status: e.status(),
        message: e.body_text(),
    })?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let file = if is_json {
        read_json(&json_value(&bytes)?)
    } else {
        read_csv(&bytes)
    }
    .map_err(ApiError::Invalid)?;
    let store = store(&*backend)?;
    match apply_unit_changes(store, file.changes.clone(), &author(&caller)).await {
        Ok(applied) => Ok((StatusCode::OK, Json(applied)).into_response()),
        Err(ChangesError::Refused(problems)) => Err(ApiError::Invalid(file.field_errors(problems))),
        Err(ChangesError::Store(e)) => Err(e.into()),
        Err(ChangesError::Checking(e)) => Err(ApiError::Internal(Box::new(e))),
    }
}
