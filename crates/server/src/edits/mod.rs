//! The write API: thin handlers over `requests` (reading the body), `core::agency` (who may
//! write what, where) and the store (versioned writes with their audit entries). Every write
//! reaches status answers and tiles through the change feed, like any other writer's.
//!
//! This module holds what every layer's writes share: the routes, the JSON body, where a
//! write may land, and the answer. The layers' handlers are in its submodules.

pub(crate) mod facilities;
pub(crate) mod history;
pub(crate) mod levels;
pub(crate) mod lockdowns;

pub(crate) use levels::commune;

use crate::backend::Backend;
use crate::error::ApiError;
use crate::requests::FieldError;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use covidmap_core::containment::outside;
use covidmap_core::layers::FacilityKind;
use covidmap_core::policy::{reach, Action, Place, Policy};
use covidmap_core::{Entity, Level, PROVINCE_CODE};
use covidmap_lookup::Snapshot;
use covidmap_store::{new_id, Author, Caller, Edited, Store, Write};
use geo::{MultiPolygon, Point};
use serde_json::{json, Value};
use std::sync::Arc;

/// Largest JSON body accepted (a drawn zone of 20 000 vertices fits).
pub const MAX_JSON_BODY: usize = 2 << 20;

/// The write routes and the history.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    let mut router = Router::new()
        .route("/api/v1/zones", post(lockdowns::create_zone::<B>))
        .route("/api/v1/zones/{id}", put(lockdowns::update_zone::<B>))
        .route("/api/v1/zones/{id}/lift", post(lockdowns::lift::<B>))
        .route(
            "/api/v1/lockdown-points",
            post(lockdowns::create_point::<B>),
        )
        .route(
            "/api/v1/lockdown-points/{id}",
            put(lockdowns::update_point::<B>),
        )
        .route(
            "/api/v1/lockdown-points/{id}/lift",
            post(lockdowns::lift::<B>),
        )
        .route("/api/v1/communes/{code}/level", put(levels::set_level::<B>))
        .route("/api/v1/revert", post(history::revert::<B>))
        .route("/api/v1/history", get(history::history::<B>))
        .route("/api/v1/me", get(history::me::<B>));
    for kind in FacilityKind::ALL {
        let collection = format!("/api/v1/{}", kind.entity().url());
        router = router
            .route(
                &collection,
                post(move |s, a, b| facilities::create_facility::<B>(kind, s, a, b)),
            )
            .route(
                &format!("{collection}/{{id}}"),
                put(move |s, a, p, b| facilities::update_facility::<B>(kind, s, a, p, b)),
            )
            .route(
                &format!("{collection}/import"),
                post(move |s, a, q, b| facilities::import_facilities::<B>(kind, s, a, q, b)),
            );
    }
    router.layer(DefaultBodyLimit::max(MAX_JSON_BODY))
}

/// A JSON body; 400 naming `body` when it is not JSON, 413 when it is too large.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::BadBody {
                status: e.status(),
                message: if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    format!("the body is larger than {MAX_JSON_BODY} bytes; send fewer vertices or split the area")
                } else {
                    format!("the body could not be read: {}", e.body_text())
                },
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::BadBody {
                status: StatusCode::BAD_REQUEST,
                message: format!("the body is not JSON: {e}"),
            })
    }
}

pub(crate) fn author(caller: &Caller) -> Author {
    Author {
        org_id: caller.org.id.clone(),
        org_name: caller.org.name.clone(),
        token_id: Some(caller.token_id),
    }
}

pub(crate) fn store<B: Backend>(backend: &B) -> Result<&Store, ApiError> {
    backend.store().ok_or(ApiError::ReadOnly)
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Invalid(vec![FieldError {
        field: field.to_owned(),
        message: message.into(),
    }])
}

/// What a write answers: the new version, and the entity before and after.
pub(crate) fn written(status: StatusCode, id: &str, edited: Edited) -> Response {
    let body = json!({
        "id": id,
        "version_id": edited.version_id,
        "audit_id": edited.audit_id,
        "before": edited.before,
        "after": edited.after,
    });
    (status, Json(body)).into_response()
}

/// An id for a new entity: the one asked for, or a fresh one with the entity's prefix.
pub(crate) fn id_for_new(asked: Option<String>, entity: Entity) -> Result<String, ApiError> {
    match asked {
        Some(id) => Ok(id),
        None => new_id(entity.id_prefix().unwrap_or("id")).map_err(ApiError::from),
    }
}

/// What a write is: for a new entity (no id in the URL) its id, the one asked for or a fresh
/// one with the entity's prefix, a creation answered 201; else the URL's id, which the body's must
/// match, an update answered 200.
pub(crate) fn identity(
    path_id: Option<String>,
    asked: Option<String>,
    entity: Entity,
) -> Result<(String, Write, StatusCode), ApiError> {
    match path_id {
        Some(id) => {
            same_id(asked.as_ref(), &id)?;
            Ok((id, Write::Update, StatusCode::OK))
        }
        None => Ok((
            id_for_new(asked, entity)?,
            Write::Create,
            StatusCode::CREATED,
        )),
    }
}

/// The id in the body, if any, must be the one in the URL.
fn same_id(asked: Option<&String>, path: &str) -> Result<(), ApiError> {
    match asked {
        Some(id) if id != path => Err(invalid(
            "properties.id",
            format!("is {id:?} but the URL names {path:?}; leave it out or make them agree"),
        )),
        _ => Ok(()),
    }
}

/// Drawn areas and points must lie in the province, whoever draws them.
pub(crate) fn area_in_province(
    area: &MultiPolygon<f64>,
    snapshot: &Snapshot,
) -> Result<(), ApiError> {
    match snapshot.unit(PROVINCE_CODE) {
        Some(province) if !outside(area, &province.geometry).is_tolerable() => Err(invalid(
            "geometry",
            "lies outside the province; send WGS 84 longitude, latitude",
        )),
        _ => Ok(()),
    }
}

pub(crate) fn point_in_province(point: Point<f64>, snapshot: &Snapshot) -> Result<(), ApiError> {
    let mut districts = snapshot
        .units()
        .iter()
        .filter(|u| u.level == Level::District);
    if snapshot.unit_at(Level::District, point).is_some()
        || districts.any(|d| reach::near(&d.geometry, point))
    {
        Ok(())
    } else {
        Err(invalid(
            "geometry",
            "lies outside the province; send WGS 84 [longitude, latitude]",
        ))
    }
}

/// Asks the write policy, over the snapshot's units, whether the caller may make the write.
pub(crate) fn allow(snapshot: &Snapshot, caller: &Caller, action: &Action) -> Result<(), ApiError> {
    Ok(Policy::new(snapshot).check(caller, action)?)
}

/// Checks that the caller may write `entity` at all, then that the entity as it stands (in
/// the database: the snapshot may be a moment behind a write just made) is the caller's to
/// change: where it lies, who manages it. 404 when there is none.
pub(crate) async fn allow_current(
    store: &Store,
    snapshot: &Snapshot,
    caller: &Caller,
    entity: Entity,
    id: &str,
) -> Result<Action, ApiError> {
    allow(snapshot, caller, &Action::new(entity, Place::Anywhere))?;
    let current = store
        .stored_action(entity, id, None)
        .await?
        .ok_or_else(|| not_current(entity.noun(), id))?
        .called(format!("the {} as it stands", entity.noun()));
    allow(snapshot, caller, &current)?;
    Ok(current)
}

pub(crate) fn not_current(what: &str, id: &str) -> ApiError {
    ApiError::NoMatch {
        field: "id".into(),
        message: format!("there is no current {what} {id:?}"),
    }
}
