//! Lockdown zones and points: declared, changed and lifted.

use crate::allow::{allow, allow_current, allow_target};
use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::validators::IfMatch;
use crate::write::{
    area_in_province, author, checked_off_runtime, identity, made_on, point_in_province, store,
    Saved, Target,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{post, put};
use axum::Router;
use chrono::Utc;
use covidmap_core::layers::{Declaration, LockdownPoint, LockdownZone};
use covidmap_core::policy::{Action, Place};
use covidmap_core::Entity;
use covidmap_lookup::Snapshot;
use covidmap_messages::{point_request, zone_request, DeclarationRequest, ZoneArea};
use covidmap_store::{Caller, Store};
use serde_json::Value;
use std::sync::Arc;

/// Zones and lockdown points: declared, changed, lifted.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    let mut router = Router::new();
    for entity in [Entity::LockdownZones, Entity::LockdownPoints] {
        let collection = format!("/api/v1/{}", entity.url());
        let (create, update) = if entity == Entity::LockdownZones {
            (post(create_zone::<B>), put(update_zone::<B>))
        } else {
            (post(create_point::<B>), put(update_point::<B>))
        };
        router = router
            .route(&collection, create)
            .route(&format!("{collection}/{{id}}"), update)
            .route(
                &format!("{collection}/{{id}}/lift"),
                post(move |s, a, p, m| lift::<B>(entity, s, a, p, m)),
            );
    }
    router
}

// ---- lockdown zones ----

/// Declares a lockdown zone, drawn or made of whole communes or hamlets.
#[utoipa::path(post, path = "/api/v1/zones", tag = "lockdowns", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature: geometry (Polygon/MultiPolygon, or null with properties.unit_codes) and properties name, level (1–4), reason, started_at, planned_end, optional id"),
    responses((status = 201, description = "Declared: the new version, before and after", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer),
              (status = 409, description = "The id is taken", body = crate::error::ErrorAnswer)))]
pub(crate) async fn create_zone<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<Saved, ApiError> {
    write_zone(&backend, &caller, Target::New, body).await
}

/// Changes a lockdown zone (a new version).
#[utoipa::path(put, path = "/api/v1/zones/{id}", tag = "lockdowns", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature: geometry (Polygon/MultiPolygon, or null with properties.unit_codes) and properties name, level (1–4), reason, started_at, planned_end, optional id"),
    params(("id" = String, Path, description = "the zone"), ("If-Match" = Option<String>, Header, description = "the version the edit was made on: refused with 412 when another is current")),
    responses((status = 200, description = "Changed: the new version, before and after", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer),
              (status = 404, description = "No such zone", body = crate::error::ErrorAnswer),
              (status = 412, description = "If-Match names a version that is no longer current", body = crate::error::ErrorAnswer)))]
pub(crate) async fn update_zone<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Saved, ApiError> {
    write_zone(&backend, &caller, Target::existing(id, if_match), body).await
}

/// Declares (`Target::New`) or changes a lockdown zone: the one path of the JSON API and of
/// OGC API – Features.
pub(crate) async fn write_zone<B: Backend>(
    backend: &Arc<B>,
    caller: &Caller,
    target: Target,
    body: Value,
) -> Result<Saved, ApiError> {
    let snapshot = backend.snapshot();
    let store = store(&**backend)?;
    let entity = Entity::LockdownZones;
    let checked = allow_target(store, &snapshot, caller, entity, &target).await?;
    let request = {
        let (snapshot, caller) = (Arc::clone(&snapshot), caller.clone());
        checked_off_runtime(move || {
            let request = zone_request(&body, &snapshot, Utc::now()).map_err(ApiError::Invalid)?;
            check_zone(&snapshot, &caller, &request)?;
            Ok(request)
        })
        .await?
    };
    let client_seen = target.seen();
    let (id, write, status) = identity(target, request.id.clone(), entity, checked)?;
    let zone = zone_to_write(store, caller, id, request).await?;
    let edited = store
        .put_zone(&zone, write, &author(caller))
        .await
        .map_err(made_on(client_seen))?;
    Ok(Saved {
        status,
        id: zone.id,
        edited,
    })
}

/// Whether the zone may be written where it lies: in the province, and the caller's.
fn check_zone(
    snapshot: &Snapshot,
    caller: &Caller,
    request: &covidmap_messages::ZoneRequest,
) -> Result<(), ApiError> {
    // A zone of whole units is the caller's when every unit is; a drawn one, when its
    // whole area is (within the digitising tolerance).
    let place = match &request.area {
        ZoneArea::Drawn(area) => {
            area_in_province(area, snapshot)?;
            Place::Area(area.clone())
        }
        ZoneArea::Units(codes) => Place::Units(codes.clone()),
    };
    let zone = Action::new(Entity::LockdownZones, place).called("the zone");
    allow(snapshot, caller, &zone)
}

/// The zone as it will be written: its area drawn, or the union of the units named.
async fn zone_to_write(
    store: &Store,
    caller: &Caller,
    id: String,
    request: covidmap_messages::ZoneRequest,
) -> Result<LockdownZone, ApiError> {
    let (area, unit_codes) = match request.area {
        ZoneArea::Drawn(area) => (area, Vec::new()),
        ZoneArea::Units(codes) => (store.union_of_units(&codes).await?, codes),
    };
    let (name, declaration) = declared(request.declared, caller);
    Ok(LockdownZone {
        id,
        name,
        declaration,
        unit_codes,
        area,
    })
}

/// A declaration as the caller makes it: in force, declared by its organisation.
fn declared(d: DeclarationRequest, caller: &Caller) -> (String, Declaration) {
    let declaration = Declaration {
        level: d.level,
        active: true,
        reason: d.reason,
        declared_by: caller.org.name.clone(),
        started_at: d.started_at,
        planned_end: d.planned_end,
        lifted_at: None,
    };
    (d.name, declaration)
}

// ---- lockdown points ----

/// Declares a lockdown point with its radius.
#[utoipa::path(post, path = "/api/v1/lockdown-points", tag = "lockdowns", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature with a Point and properties name, level, reason, started_at, planned_end, radius_m (up to 5000)"),
    responses((status = 201, description = "Declared", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer)))]
pub(crate) async fn create_point<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<Saved, ApiError> {
    write_point(&backend, &caller, Target::New, &body).await
}

/// Changes a lockdown point.
#[utoipa::path(put, path = "/api/v1/lockdown-points/{id}", tag = "lockdowns", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "As for POST"),
    params(("id" = String, Path, description = "the point"), ("If-Match" = Option<String>, Header, description = "the version the edit was made on: refused with 412 when another is current")),
    responses((status = 200, description = "Changed", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer), (status = 404, description = "No such point", body = crate::error::ErrorAnswer),
              (status = 412, description = "If-Match names a version that is no longer current", body = crate::error::ErrorAnswer)))]
pub(crate) async fn update_point<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Saved, ApiError> {
    write_point(&backend, &caller, Target::existing(id, if_match), &body).await
}

/// Declares (`Target::New`) or changes a lockdown point: the one path of the JSON API and
/// of OGC API – Features.
pub(crate) async fn write_point<B: Backend>(
    backend: &Arc<B>,
    caller: &Caller,
    target: Target,
    body: &Value,
) -> Result<Saved, ApiError> {
    let snapshot = backend.snapshot();
    let entity = Entity::LockdownPoints;
    let checked = allow_target(store(&**backend)?, &snapshot, caller, entity, &target).await?;
    let request = point_request(body, Utc::now()).map_err(ApiError::Invalid)?;
    point_in_province(request.location, &snapshot)?;
    // The whole circle, not only its centre, must be the caller's.
    let circle = Place::Circle(request.location, request.radius_m);
    allow(
        &snapshot,
        caller,
        &Action::new(entity, circle).called("the point"),
    )?;
    let client_seen = target.seen();
    let (id, write, status) = identity(target, request.id, entity, checked)?;
    let (name, declaration) = declared(request.declared, caller);
    let point = LockdownPoint {
        id,
        name,
        declaration,
        location: request.location,
        radius_m: request.radius_m,
    };
    let edited = store(&**backend)?
        .put_lockdown_point(&point, write, &author(caller))
        .await
        .map_err(made_on(client_seen))?;
    Ok(Saved {
        status,
        id: point.id,
        edited,
    })
}

/// `POST /api/v1/zones/{id}/lift` and `/api/v1/lockdown-points/{id}/lift`.
#[utoipa::path(post, path = "/api/v1/{declarations}/{id}/lift", tag = "lockdowns", security(("bearer" = [])),
    params(("declarations" = String, Path, description = "zones or lockdown-points"), ("id" = String, Path, description = "the declaration"),
           ("If-Match" = Option<String>, Header, description = "the version the lifting was decided on: refused with 412 when another is current")),
    responses((status = 200, description = "Lifted", body = covidmap_messages::answers::Written), (status = 401, description = "No valid token", body = crate::error::ErrorAnswer),
              (status = 403, description = "Not the caller's to lift", body = crate::error::ErrorAnswer), (status = 404, description = "No such declaration", body = crate::error::ErrorAnswer),
              (status = 409, description = "Lifted already", body = crate::error::ErrorAnswer),
              (status = 412, description = "If-Match names a version that is no longer current", body = crate::error::ErrorAnswer)))]
pub(crate) async fn lift<B: Backend>(
    entity: Entity,
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    IfMatch(seen): IfMatch,
) -> Result<Saved, ApiError> {
    lift_declaration(entity, &backend, &caller, id, seen).await
}

/// Lifts a declaration that is the caller's: the one path of the JSON API and of OGC API –
/// Features (whose DELETE of a declaration lifts it: a lockdown ends, it is never erased).
pub(crate) async fn lift_declaration<B: Backend>(
    entity: Entity,
    backend: &Arc<B>,
    caller: &Caller,
    id: String,
    seen: Option<i64>,
) -> Result<Saved, ApiError> {
    let store = store(&**backend)?;
    let checked = allow_current(store, &backend.snapshot(), caller, entity, &id).await?;
    let edited = store
        .lift(entity, &id, Some(seen.unwrap_or(checked)), &author(caller))
        .await
        .map_err(made_on(seen))?;
    Ok(Saved {
        status: StatusCode::OK,
        id,
        edited,
    })
}
