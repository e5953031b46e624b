//! The write API: thin handlers over `requests` (reading the body), `core::agency` (who may
//! write what, where) and the store (versioned writes with their audit entries). Every write
//! reaches status answers and tiles through the change feed, like any other writer's.

use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::requests::{
    facility_request, level_request, point_request, revert_request, zone_request, FieldError,
    ZoneArea,
};
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Utc;
use covidmap_core::agency::{
    area_within, may_write, near_district, point_within, Layer, OrgKind, Scope,
};
use covidmap_core::containment::outside;
use covidmap_core::layers::{
    CommuneLevel, Declaration, Facility, FacilityKind, LockdownPoint, LockdownZone,
};
use covidmap_core::{Level, Snapshot, PROVINCE_CODE};
use covidmap_store::{new_id, Author, Caller, Edited, Store, Write};
use geo::{MultiPolygon, Point};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Largest JSON body accepted (a drawn zone of 20 000 vertices fits).
pub const MAX_JSON_BODY: usize = 2 << 20;

/// The write routes and the history.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    let mut router = Router::new()
        .route("/api/v1/zones", post(create_zone::<B>))
        .route("/api/v1/zones/{id}", put(update_zone::<B>))
        .route("/api/v1/zones/{id}/lift", post(lift::<B>))
        .route("/api/v1/lockdown-points", post(create_point::<B>))
        .route("/api/v1/lockdown-points/{id}", put(update_point::<B>))
        .route("/api/v1/lockdown-points/{id}/lift", post(lift::<B>))
        .route("/api/v1/communes/{code}/level", put(set_level::<B>))
        .route("/api/v1/revert", post(revert::<B>))
        .route("/api/v1/history", get(history::<B>))
        .route("/api/v1/me", get(me::<B>));
    for kind in FacilityKind::ALL {
        let collection = format!("/api/v1/{}", url_name(kind));
        router = router
            .route(
                &collection,
                post(move |s, a, b| create_facility::<B>(kind, s, a, b)),
            )
            .route(
                &format!("{collection}/{{id}}"),
                put(move |s, a, p, b| update_facility::<B>(kind, s, a, p, b)),
            )
            .route(
                &format!("{collection}/import"),
                post(move |s, a, q, b| import_facilities::<B>(kind, s, a, q, b)),
            );
    }
    router.layer(DefaultBodyLimit::max(MAX_JSON_BODY))
}

/// A facility kind's name in URLs.
fn url_name(kind: FacilityKind) -> &'static str {
    match kind {
        FacilityKind::Checkpoint => "checkpoints",
        FacilityKind::QuarantineCamp => "quarantine-camps",
        FacilityKind::TestingSite => "testing-sites",
        FacilityKind::EssentialService => "essential-services",
    }
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

fn store<B: Backend>(backend: &B) -> Result<&Store, ApiError> {
    backend.store().ok_or(ApiError::ReadOnly)
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
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

/// An id for a new entity: the one asked for, or a fresh one.
fn id_for_new(asked: Option<String>, prefix: &str) -> Result<String, ApiError> {
    match asked {
        Some(id) => Ok(id),
        None => new_id(prefix).map_err(ApiError::from),
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
fn area_in_province(area: &MultiPolygon<f64>, snapshot: &Snapshot) -> Result<(), ApiError> {
    match snapshot.unit(PROVINCE_CODE) {
        Some(province) if !outside(area, &province.geometry).is_tolerable() => Err(invalid(
            "geometry",
            "lies outside the province; send WGS 84 longitude, latitude",
        )),
        _ => Ok(()),
    }
}

fn point_in_province(point: Point<f64>, snapshot: &Snapshot) -> Result<(), ApiError> {
    let mut districts = snapshot
        .units()
        .iter()
        .filter(|u| u.level == Level::District);
    if snapshot.unit_at(Level::District, point).is_some()
        || districts.any(|d| near_district(d, point))
    {
        Ok(())
    } else {
        Err(invalid(
            "geometry",
            "lies outside the province; send WGS 84 [longitude, latitude]",
        ))
    }
}

/// Checks that a place lies where the caller may write.
fn geometry_within(
    scope: &Scope,
    caller: &Caller,
    what: &str,
    geometry: &geo::Geometry<f64>,
    snapshot: &Snapshot,
) -> Result<(), ApiError> {
    match geometry {
        geo::Geometry::Point(p) => point_within(scope, &caller.org, what, *p, snapshot)?,
        geo::Geometry::MultiPolygon(a) => area_within(scope, &caller.org, what, a, snapshot)?,
        geo::Geometry::Polygon(p) => {
            area_within(
                scope,
                &caller.org,
                what,
                &MultiPolygon(vec![p.clone()]),
                snapshot,
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Checks that the entity as it stands (in the database: the snapshot may be a moment
/// behind a write just made) lies where the caller may write; 404 when there is none.
async fn current_within(
    store: &Store,
    table: &str,
    id: &str,
    what: &str,
    scope: &Scope,
    caller: &Caller,
    snapshot: &Snapshot,
) -> Result<(), ApiError> {
    let geometry = store.geometry_of(table, id, None).await?;
    // Tables without geometry (levels, figures, documents) have nothing to place; the
    // store's write refuses an entity that is not current.
    let placed = covidmap_store::LAYER_TABLES.contains(&table) && table != "commune_levels";
    if placed && geometry.is_none() {
        return Err(not_current(
            table.replace('_', " ").trim_end_matches('s'),
            id,
        ));
    }
    match geometry {
        Some(g) => geometry_within(scope, caller, what, &g, snapshot),
        None => Ok(()),
    }
}

// ---- lockdown zones ----

/// Declares a lockdown zone, drawn or made of whole communes or hamlets.
#[utoipa::path(post, path = "/api/v1/zones", tag = "lockdowns", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature: geometry (Polygon/MultiPolygon, or null with properties.unit_codes) and properties name, level (1–4), reason, started_at, planned_end, optional id"),
    responses((status = 201, description = "Declared: the new version, before and after"), (status = 401, description = "No token, or one unknown or revoked", body = crate::openapi::ErrorBody),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::openapi::ErrorBody),
              (status = 422, description = "Fields are wrong; each is named", body = crate::openapi::ErrorBody),
              (status = 409, description = "The id is taken", body = crate::openapi::ErrorBody)))]
pub(crate) async fn create_zone<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let scope = may_write(&caller.org, caller.role, Layer::LockdownZones)?;
    let snapshot = backend.snapshot();
    let request = zone_request(&body, &snapshot, Utc::now()).map_err(ApiError::Invalid)?;
    let store = store(&*backend)?;
    let id = id_for_new(request.id.clone(), "zone")?;
    let zone = zone_to_write(store, &snapshot, &caller, &scope, id, request).await?;
    let edited = store
        .put_zone(&zone, Write::Create, &author(&caller))
        .await?;
    Ok(written(StatusCode::CREATED, &zone.id, edited))
}

/// Changes a lockdown zone (a new version).
#[utoipa::path(put, path = "/api/v1/zones/{id}", tag = "lockdowns", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature: geometry (Polygon/MultiPolygon, or null with properties.unit_codes) and properties name, level (1–4), reason, started_at, planned_end, optional id"),
    params(("id" = String, Path, description = "the zone")),
    responses((status = 200, description = "Changed: the new version, before and after"), (status = 401, description = "No token, or one unknown or revoked", body = crate::openapi::ErrorBody),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::openapi::ErrorBody),
              (status = 422, description = "Fields are wrong; each is named", body = crate::openapi::ErrorBody),
              (status = 404, description = "No such zone", body = crate::openapi::ErrorBody)))]
pub(crate) async fn update_zone<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let scope = may_write(&caller.org, caller.role, Layer::LockdownZones)?;
    let snapshot = backend.snapshot();
    let store = store(&*backend)?;
    current_within(
        store,
        "lockdown_zones",
        &id,
        "the zone as it stands",
        &scope,
        &caller,
        &snapshot,
    )
    .await?;
    let request = zone_request(&body, &snapshot, Utc::now()).map_err(ApiError::Invalid)?;
    same_id(request.id.as_ref(), &id)?;
    let zone = zone_to_write(store, &snapshot, &caller, &scope, id, request).await?;
    let edited = store
        .put_zone(&zone, Write::Update, &author(&caller))
        .await?;
    Ok(written(StatusCode::OK, &zone.id, edited))
}

fn not_current(what: &str, id: &str) -> ApiError {
    ApiError::NoMatch {
        field: "id".into(),
        message: format!("there is no current {what} {id:?}"),
    }
}

/// The zone as it will be written: its area (drawn, or the union of the units named),
/// checked against the province and the caller's district.
async fn zone_to_write(
    store: &Store,
    snapshot: &Snapshot,
    caller: &Caller,
    scope: &Scope,
    id: String,
    request: crate::requests::ZoneRequest,
) -> Result<LockdownZone, ApiError> {
    let (area, unit_codes) = match request.area {
        ZoneArea::Drawn(area) => {
            area_in_province(&area, snapshot)?;
            (area, Vec::new())
        }
        ZoneArea::Units(codes) => (store.union_of_units(&codes).await?, codes),
    };
    area_within(scope, &caller.org, "the zone", &area, snapshot)?;
    Ok(LockdownZone {
        id,
        name: request.name,
        declaration: Declaration {
            level: request.level,
            active: true,
            reason: request.reason,
            declared_by: caller.org.name.clone(),
            started_at: request.started_at,
            planned_end: request.planned_end,
            lifted_at: None,
        },
        unit_codes,
        area,
    })
}

// ---- lockdown points ----

/// Declares a lockdown point with its radius.
#[utoipa::path(post, path = "/api/v1/lockdown-points", tag = "lockdowns", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature with a Point and properties name, level, reason, started_at, planned_end, radius_m (up to 5000)"),
    responses((status = 201, description = "Declared"), (status = 401, description = "No token, or one unknown or revoked", body = crate::openapi::ErrorBody),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::openapi::ErrorBody),
              (status = 422, description = "Fields are wrong; each is named", body = crate::openapi::ErrorBody)))]
pub(crate) async fn create_point<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    write_point(backend, caller, None, body).await
}

/// Changes a lockdown point.
#[utoipa::path(put, path = "/api/v1/lockdown-points/{id}", tag = "lockdowns", security(("bearer" = [])),
    request_body(content = Object, content_type = "application/json", description = "As for POST"),
    params(("id" = String, Path, description = "the point")),
    responses((status = 200, description = "Changed"), (status = 401, description = "No token, or one unknown or revoked", body = crate::openapi::ErrorBody),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::openapi::ErrorBody),
              (status = 422, description = "Fields are wrong; each is named", body = crate::openapi::ErrorBody), (status = 404, description = "No such point", body = crate::openapi::ErrorBody)))]
pub(crate) async fn update_point<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    write_point(backend, caller, Some(id), body).await
}

/// Creates (`path_id` `None`) or updates a lockdown point.
async fn write_point<B: Backend>(
    backend: Arc<B>,
    caller: Caller,
    path_id: Option<String>,
    body: Value,
) -> Result<Response, ApiError> {
    let scope = may_write(&caller.org, caller.role, Layer::LockdownPoints)?;
    let snapshot = backend.snapshot();
    if let Some(id) = &path_id {
        let store = store(&*backend)?;
        current_within(
            store,
            "lockdown_points",
            id,
            "the point as it stands",
            &scope,
            &caller,
            &snapshot,
        )
        .await?;
    }
    let request = point_request(&body, Utc::now()).map_err(ApiError::Invalid)?;
    point_in_province(request.location, &snapshot)?;
    point_within(
        &scope,
        &caller.org,
        "the point",
        request.location,
        &snapshot,
    )?;
    let (id, write, status) = match path_id {
        Some(id) => {
            same_id(request.id.as_ref(), &id)?;
            (id, Write::Update, StatusCode::OK)
        }
        None => (
            id_for_new(request.id, "point")?,
            Write::Create,
            StatusCode::CREATED,
        ),
    };
    let point = LockdownPoint {
        id,
        name: request.name,
        declaration: Declaration {
            level: request.level,
            active: true,
            reason: request.reason,
            declared_by: caller.org.name.clone(),
            started_at: request.started_at,
            planned_end: request.planned_end,
            lifted_at: None,
        },
        location: request.location,
        radius_m: request.radius_m,
    };
    let edited = store(&*backend)?
        .put_lockdown_point(&point, write, &author(&caller))
        .await?;
    Ok(written(status, &point.id, edited))
}

/// `POST /api/v1/zones/{id}/lift` and `/api/v1/lockdown-points/{id}/lift`.
#[utoipa::path(post, path = "/api/v1/{declarations}/{id}/lift", tag = "lockdowns", security(("bearer" = [])),
    params(("declarations" = String, Path, description = "zones or lockdown-points"), ("id" = String, Path, description = "the declaration")),
    responses((status = 200, description = "Lifted"), (status = 401, description = "No valid token", body = crate::openapi::ErrorBody),
              (status = 403, description = "Not the caller's to lift", body = crate::openapi::ErrorBody), (status = 404, description = "No such declaration", body = crate::openapi::ErrorBody),
              (status = 409, description = "Lifted already", body = crate::openapi::ErrorBody)))]
pub(crate) async fn lift<B: Backend>(
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let zone = request.uri().path().starts_with("/api/v1/zones/");
    let snapshot = backend.snapshot();
    let (table, layer) = if zone {
        ("lockdown_zones", Layer::LockdownZones)
    } else {
        ("lockdown_points", Layer::LockdownPoints)
    };
    let scope = may_write(&caller.org, caller.role, layer)?;
    let store = store(&*backend)?;
    current_within(
        store,
        table,
        &id,
        "the declaration",
        &scope,
        &caller,
        &snapshot,
    )
    .await?;
    let edited = store.lift(table, &id, &author(&caller)).await?;
    Ok(written(StatusCode::OK, &id, edited))
}

// ---- facilities ----

/// Adds a checkpoint, quarantine camp, testing site or essential service.
#[utoipa::path(post, path = "/api/v1/{facility}", tag = "facilities", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature with a Point and properties name, status, and as the kind asks managed_by, category, capacity, occupancy"),
    params(("facility" = String, Path, description = "checkpoints, quarantine-camps, testing-sites or essential-services")), responses((status = 201, description = "Added"), (status = 401, description = "No token, or one unknown or revoked", body = crate::openapi::ErrorBody),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::openapi::ErrorBody),
              (status = 422, description = "Fields are wrong; each is named", body = crate::openapi::ErrorBody)))]
pub(crate) async fn create_facility<B: Backend>(
    kind: FacilityKind,
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    write_facility(kind, backend, caller, None, body).await
}

/// Changes (or moves) a facility.
#[utoipa::path(put, path = "/api/v1/{facility}/{id}", tag = "facilities", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature with a Point and properties name, status, and as the kind asks managed_by, category, capacity, occupancy"),
    params(("facility" = String, Path, description = "checkpoints, quarantine-camps, testing-sites or essential-services"), ("id" = String, Path, description = "the facility")),
    responses((status = 200, description = "Changed"), (status = 401, description = "No token, or one unknown or revoked", body = crate::openapi::ErrorBody),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::openapi::ErrorBody),
              (status = 422, description = "Fields are wrong; each is named", body = crate::openapi::ErrorBody), (status = 404, description = "No such facility", body = crate::openapi::ErrorBody)))]
pub(crate) async fn update_facility<B: Backend>(
    kind: FacilityKind,
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    write_facility(kind, backend, caller, Some(id), body).await
}

fn facility_layer(kind: FacilityKind) -> Layer {
    match kind {
        FacilityKind::Checkpoint => Layer::Checkpoints,
        FacilityKind::QuarantineCamp => Layer::QuarantineCamps,
        FacilityKind::TestingSite => Layer::TestingSites,
        FacilityKind::EssentialService => Layer::EssentialServices,
    }
}

/// Who runs a checkpoint or camp: what the organisation is, unless it is the provincial
/// office, which must say.
/// What an organisation's checkpoints or camps are managed by; `None` for the provincial
/// office (which says) and for kinds without a manager.
fn own_manager(kind: FacilityKind, org: OrgKind) -> Option<&'static str> {
    match (kind, org) {
        (FacilityKind::Checkpoint, OrgKind::Police) => Some("police"),
        (FacilityKind::Checkpoint | FacilityKind::QuarantineCamp, OrgKind::Military) => {
            Some("military")
        }
        (FacilityKind::QuarantineCamp, OrgKind::Cdc | OrgKind::DistrictHealthCentre) => {
            Some("health")
        }
        _ => None,
    }
}

fn managed_by(
    kind: FacilityKind,
    org: OrgKind,
    asked: Option<String>,
) -> Result<Option<String>, ApiError> {
    let own = own_manager(kind, org);
    match (kind, own, asked) {
        (FacilityKind::TestingSite | FacilityKind::EssentialService, _, _) => Ok(None),
        (_, Some(own), Some(asked)) if asked != own => Err(invalid(
            "properties.managed_by",
            format!("is {asked:?}, but this organisation's are managed by {own:?}"),
        )),
        (_, Some(own), _) => Ok(Some(own.to_owned())),
        (_, None, Some(asked)) => Ok(Some(asked)),
        (_, None, None) => Err(invalid("properties.managed_by", "is required")),
    }
}

async fn write_facility<B: Backend>(
    kind: FacilityKind,
    backend: Arc<B>,
    caller: Caller,
    path_id: Option<String>,
    body: Value,
) -> Result<Response, ApiError> {
    let scope = may_write(&caller.org, caller.role, facility_layer(kind))?;
    let snapshot = backend.snapshot();
    let what = kind.table().trim_end_matches('s').replace('_', " ");
    if let Some(id) = &path_id {
        let store = store(&*backend)?;
        let what = format!("the {what} as it stands");
        current_within(store, kind.table(), id, &what, &scope, &caller, &snapshot).await?;
    }
    // A checkpoint or camp is changed by whoever manages it (or the provincial office).
    if let (Some(id), Some(own)) = (&path_id, own_manager(kind, caller.org.kind)) {
        let current = snapshot
            .layers()
            .facilities
            .iter()
            .find(|f| f.kind == kind && &f.id == id)
            .and_then(|f| f.managed_by.as_deref());
        if let Some(manager) = current.filter(|m| *m != own) {
            return Err(ApiError::Forbidden(format!(
                "{id} is managed by {manager}; only they or the provincial office may change it"
            )));
        }
    }
    let request = facility_request(kind, &body).map_err(ApiError::Invalid)?;
    point_in_province(request.location, &snapshot)?;
    point_within(
        &scope,
        &caller.org,
        &format!("the {what}"),
        request.location,
        &snapshot,
    )?;
    let managed_by = managed_by(kind, caller.org.kind, request.managed_by)?;
    let (id, write, status) = match path_id {
        Some(id) => {
            same_id(request.id.as_ref(), &id)?;
            (id, Write::Update, StatusCode::OK)
        }
        None => {
            let prefix = kind.table().split('_').next().unwrap_or("facility");
            (
                id_for_new(request.id, prefix)?,
                Write::Create,
                StatusCode::CREATED,
            )
        }
    };
    let facility = Facility {
        kind,
        id,
        name: request.name,
        location: request.location,
        outline: None,
        status: request.status,
        managed_by,
        category: request.category,
        capacity: request.capacity,
        occupancy: request.occupancy,
    };
    let edited = store(&*backend)?
        .put_facility(&facility, write, &author(&caller))
        .await?;
    Ok(written(status, &facility.id, edited))
}

/// The same error, its fields prefixed with the CSV line they come from.
fn at_line(line: u64, e: ApiError) -> ApiError {
    match e {
        ApiError::Invalid(fields) => ApiError::Invalid(
            fields
                .into_iter()
                .map(|f| FieldError {
                    field: format!("line {line}, {}", f.field.trim_start_matches("properties.")),
                    message: f.message,
                })
                .collect(),
        ),
        ApiError::Forbidden(m) => ApiError::Forbidden(format!("line {line}: {m}")),
        other => other,
    }
}

/// `POST /api/v1/{kind}/import[?dry_run=true]`: a CSV file of facilities (see
/// [`crate::import`]); all rows or none, unplaced addresses reported.
#[utoipa::path(post, path = "/api/v1/{facility}/import", tag = "facilities", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "Columns: name, status, lon, lat or address, and as the kind asks managed_by, category, capacity, occupancy; optional id"),
    params(("facility" = String, Path, description = "checkpoints, quarantine-camps, testing-sites or essential-services"), ("dry_run" = Option<bool>, Query, description = "report without writing")),
    responses((status = 200, description = "Dry run: the rows and the unplaced addresses"), (status = 201, description = "Imported"), (status = 401, description = "No token, or one unknown or revoked", body = crate::openapi::ErrorBody),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::openapi::ErrorBody),
              (status = 422, description = "Fields are wrong; each is named", body = crate::openapi::ErrorBody)))]
pub(crate) async fn import_facilities<B: Backend>(
    kind: FacilityKind,
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    query: Result<Query<BTreeMap<String, String>>, QueryRejection>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let scope = may_write(&caller.org, caller.role, facility_layer(kind))?;
    let params = crate::routes::known_params(query, &["dry_run"])?;
    let dry_run = crate::routes::bool_param(&params, "dry_run")?.unwrap_or(false);
    let bytes = body.map_err(|e| ApiError::BadBody {
        status: e.status(),
        message: if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the file is larger than {MAX_JSON_BODY} bytes; split it")
        } else {
            e.body_text()
        },
    })?;
    let snapshot = backend.snapshot();
    let file = crate::import::read_csv(kind, &bytes, &snapshot).map_err(ApiError::Invalid)?;
    let mut facilities = Vec::with_capacity(file.rows.len());
    for row in &file.rows {
        let r = &row.request;
        point_in_province(r.location, &snapshot).map_err(|e| at_line(row.line, e))?;
        point_within(
            &scope,
            &caller.org,
            &format!("line {}", row.line),
            r.location,
            &snapshot,
        )?;
        let managed_by = managed_by(kind, caller.org.kind, r.managed_by.clone())
            .map_err(|e| at_line(row.line, e))?;
        let prefix = kind.table().split('_').next().unwrap_or("facility");
        facilities.push(Facility {
            kind,
            id: id_for_new(r.id.clone(), prefix)?,
            name: r.name.clone(),
            location: r.location,
            outline: None,
            status: r.status.clone(),
            managed_by,
            category: r.category.clone(),
            capacity: r.capacity,
            occupancy: r.occupancy,
        });
    }
    let rows: Vec<Value> = file
        .rows
        .iter()
        .zip(&facilities)
        .map(|(row, f)| {
            json!({"line": row.line, "id": f.id, "name": f.name, "lon": f.location.x(),
                   "lat": f.location.y(), "placed_in": row.placed_in})
        })
        .collect();
    if dry_run {
        let body = json!({"dry_run": true, "rows": rows, "unresolved": file.unresolved});
        return Ok(Json(body).into_response());
    }
    let edited = store(&*backend)?
        .add_facilities(&facilities, &author(&caller))
        .await?;
    let imported: Vec<Value> = rows
        .into_iter()
        .zip(edited)
        .map(|(mut row, e)| {
            row["version_id"] = json!(e.version_id);
            row
        })
        .collect();
    let body = json!({"dry_run": false, "imported": imported, "unresolved": file.unresolved});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

// ---- commune levels ----

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
