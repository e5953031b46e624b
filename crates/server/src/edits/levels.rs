//! Communes' epidemic levels, set by the CDC, and which communes a caller writes for.

use super::{author, store, written, JsonBody};
use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::requests::level_request;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use covidmap_core::agency::{may_write, Layer, Scope};
use covidmap_core::layers::CommuneLevel;
use covidmap_core::{Level, Snapshot};
use covidmap_store::Caller;
use std::sync::Arc;

/// Sets a commune's epidemic level (CDC).
#[utoipa::path(put, path = "/api/v1/communes/{code}/level", tag = "figures", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "{\"level\": 1–4, \"active_cases\": n}"),
    params(("code" = String, Path, description = "the commune")),
    responses((status = 200, description = "Set"), (status = 401, description = "No token, or one unknown or revoked", body = crate::openapi::ErrorBody),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::openapi::ErrorBody),
              (status = 422, description = "Fields are wrong; each is named", body = crate::openapi::ErrorBody), (status = 404, description = "No such commune", body = crate::openapi::ErrorBody)))]
pub(crate) async fn set_level<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(code): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let scope = may_write(&caller.org, caller.role, Layer::EpidemicLevels)?;
    let snapshot = backend.snapshot();
    commune_in_scope(&snapshot, &scope, &caller, &code)?;
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

/// The commune by code, when the caller may write for it: 404 when there is no such
/// commune, 403 when it lies outside the caller's district.
pub(crate) fn commune_in_scope<'a>(
    snapshot: &'a Snapshot,
    scope: &Scope,
    caller: &Caller,
    code: &str,
) -> Result<&'a covidmap_core::AdminUnit, ApiError> {
    let commune = snapshot
        .unit(code)
        .filter(|u| u.level == Level::Commune)
        .ok_or_else(|| ApiError::NoMatch {
            field: "commune".into(),
            message: format!(
                "no current commune has the code {code:?}; /api/v1/search?q= finds codes"
            ),
        })?;
    if let Scope::District(district) = scope {
        if commune.parent_code.as_ref() != Some(district) {
            return Err(ApiError::Forbidden(format!(
                "{} may only write for communes of its district ({district}); {} ({}) is in {}",
                caller.org.name,
                commune.name,
                commune.code,
                commune.parent_code.as_deref().unwrap_or("no district")
            )));
        }
    }
    Ok(commune)
}
