//! Checkpoints, quarantine camps, testing sites and essential services: added, changed or
//! moved one at a time, or imported from a CSV file.

use crate::allow::{allow, allow_current, allow_target};
use crate::auth::Authenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::{known, Params};
use crate::extract::{JsonBody, MAX_JSON_BODY};
use crate::validators::IfMatch;
use crate::write::{
    author, id_for_new, identity, made_on, point_in_province, store, Saved, Target,
};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use covidmap_core::agency::OrgKind;
use covidmap_core::layers::{Facility, FacilityKind};
use covidmap_core::policy::{own_manager, Action, Place};
use covidmap_messages::answers::{ImportAnswer, ImportedRow};
use covidmap_messages::{facility_request, FieldError};
use covidmap_store::Caller;
use serde_json::Value;
use std::sync::Arc;

/// For each kind of facility: added, changed, imported from CSV.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    let mut router = Router::new();
    for kind in FacilityKind::ALL {
        let collection = format!("/api/v1/{}", kind.entity().url());
        router = router
            .route(
                &collection,
                post(move |s, a, b| create_facility::<B>(kind, s, a, b)),
            )
            .route(
                &format!("{collection}/{{id}}"),
                axum::routing::put(move |s, a, p, m, b| update_facility::<B>(kind, s, a, p, m, b))
                    .delete(move |s, a, p, m| delete_facility::<B>(kind, s, a, p, m)),
            )
            .route(
                &format!("{collection}/import"),
                post(move |s, a, q, b| import_facilities::<B>(kind, s, a, q, b)),
            );
    }
    router
}

known!(ImportFacilitiesQuery: "dry_run");

/// Adds a checkpoint, quarantine camp, testing site or essential service.
#[utoipa::path(post, path = "/api/v1/{facility}", tag = "facilities", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature with a Point and properties name, status, and as the kind asks managed_by, category, capacity, occupancy"),
    params(("facility" = String, Path, description = "checkpoints, quarantine-camps, testing-sites or essential-services")), responses((status = 201, description = "Added", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer)))]
pub(crate) async fn create_facility<B: Backend>(
    kind: FacilityKind,
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    JsonBody(body): JsonBody,
) -> Result<Saved, ApiError> {
    write_facility(kind, &backend, &caller, Target::New, &body).await
}

/// Changes (or moves) a facility.
#[utoipa::path(put, path = "/api/v1/{facility}/{id}", tag = "facilities", security(("bearer" = [])), request_body(content = Object, content_type = "application/json", description = "A GeoJSON Feature with a Point and properties name, status, and as the kind asks managed_by, category, capacity, occupancy"),
    params(("facility" = String, Path, description = "checkpoints, quarantine-camps, testing-sites or essential-services"), ("id" = String, Path, description = "the facility"),
           ("If-Match" = Option<String>, Header, description = "the version the edit was made on (its version_id, quoted, as the OGC API's ETag gives it): refused with 412 when another is current")),
    responses((status = 200, description = "Changed", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer), (status = 404, description = "No such facility", body = crate::error::ErrorAnswer),
              (status = 412, description = "If-Match names a version that is no longer current", body = crate::error::ErrorAnswer)))]
pub(crate) async fn update_facility<B: Backend>(
    kind: FacilityKind,
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    if_match: IfMatch,
    JsonBody(body): JsonBody,
) -> Result<Saved, ApiError> {
    let target = Target::existing(id, if_match);
    write_facility(kind, &backend, &caller, target, &body).await
}

/// Deletes a facility (closed down, or entered by mistake): it leaves the map and the
/// current collections; its versions stay in the history, and a revert brings it back.
#[utoipa::path(delete, path = "/api/v1/{facility}/{id}", tag = "facilities", security(("bearer" = [])),
    params(("facility" = String, Path, description = "checkpoints, quarantine-camps, testing-sites or essential-services"), ("id" = String, Path, description = "the facility"),
           ("If-Match" = Option<String>, Header, description = "the version the deletion was decided on: refused with 412 when another is current")),
    responses((status = 200, description = "Deleted: version_id is the version that ended, after is null", body = covidmap_messages::answers::Written), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 404, description = "No such facility", body = crate::error::ErrorAnswer),
              (status = 412, description = "If-Match names a version that is no longer current", body = crate::error::ErrorAnswer)))]
pub(crate) async fn delete_facility<B: Backend>(
    kind: FacilityKind,
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
    IfMatch(seen): IfMatch,
) -> Result<Saved, ApiError> {
    remove_facility(kind, &backend, &caller, id, seen).await
}

/// Deletes a facility that is the caller's (where it lies, who manages it).
pub(crate) async fn remove_facility<B: Backend>(
    kind: FacilityKind,
    backend: &Arc<B>,
    caller: &Caller,
    id: String,
    seen: Option<i64>,
) -> Result<Saved, ApiError> {
    let entity = kind.entity();
    let store = store(&**backend)?;
    let checked = allow_current(store, &backend.snapshot(), caller, entity, &id).await?;
    let edited = store
        .delete(entity, &id, Some(seen.unwrap_or(checked)), &author(caller))
        .await
        .map_err(made_on(seen))?;
    Ok(Saved {
        status: StatusCode::OK,
        id,
        edited,
    })
}

fn managed_by(
    kind: FacilityKind,
    org: OrgKind,
    asked: Option<String>,
) -> Result<Option<String>, ApiError> {
    let own = own_manager(org, kind.entity());
    match (kind, own, asked) {
        (FacilityKind::TestingSite | FacilityKind::EssentialService, _, _) => Ok(None),
        (_, Some(own), Some(asked)) if asked != own => Err(ApiError::invalid(
            "properties.managed_by",
            format!("is {asked:?}, but this organisation's are managed by {own:?}"),
        )),
        (_, Some(own), _) => Ok(Some(own.to_owned())),
        (_, None, Some(asked)) => Ok(Some(asked)),
        (_, None, None) => Err(ApiError::invalid("properties.managed_by", "is required")),
    }
}

/// Adds (`Target::New`) or changes a facility: the one path of the JSON API and of OGC API
/// – Features.
pub(crate) async fn write_facility<B: Backend>(
    kind: FacilityKind,
    backend: &Arc<B>,
    caller: &Caller,
    target: Target,
    body: &Value,
) -> Result<Saved, ApiError> {
    let entity = kind.entity();
    let snapshot = backend.snapshot();
    // As it stands (where it is, who manages it) and as it will be: both the caller's.
    let checked = allow_target(store(&**backend)?, &snapshot, caller, entity, &target).await?;
    let request = facility_request(kind, body).map_err(ApiError::Invalid)?;
    point_in_province(request.location, &snapshot)?;
    let managed_by = managed_by(kind, caller.org.kind, request.managed_by)?;
    let action = Action::new(entity, Place::Point(request.location)).managed_by(managed_by.clone());
    allow(&snapshot, caller, &action)?;
    let client_seen = target.seen();
    let (id, write, status) = identity(target, request.id, entity, checked)?;
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
    let edited = store(&**backend)?
        .put_facility(&facility, write, &author(caller))
        .await
        .map_err(made_on(client_seen))?;
    Ok(Saved {
        status,
        id: facility.id,
        edited,
    })
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
    responses((status = 200, description = "Dry run: the rows and the unplaced addresses", body = ImportAnswer), (status = 201, description = "Imported", body = ImportAnswer), (status = 401, description = "No token, or one unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 403, description = "The role, the organisation or its district does not allow it; the message says which", body = crate::error::ErrorAnswer),
              (status = 422, description = "Fields are wrong; each is named", body = crate::error::ErrorAnswer)))]
pub(crate) async fn import_facilities<B: Backend>(
    kind: FacilityKind,
    State(backend): State<Arc<B>>,
    Authenticated(caller): Authenticated,
    params: Params<ImportFacilitiesQuery>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let entity = kind.entity();
    let snapshot = backend.snapshot();
    allow(&snapshot, &caller, &Action::new(entity, Place::Anywhere))?;
    let dry_run = params.bool("dry_run")?.unwrap_or(false);
    let bytes = body.map_err(|e| ApiError::BadBody {
        status: e.status(),
        message: if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the file is larger than {MAX_JSON_BODY} bytes; split it")
        } else {
            e.body_text()
        },
    })?;
    let file =
        covidmap_messages::import::read_csv(kind, &bytes, &snapshot).map_err(ApiError::Invalid)?;
    let mut facilities = Vec::with_capacity(file.rows.len());
    for row in &file.rows {
        let r = &row.request;
        point_in_province(r.location, &snapshot).map_err(|e| at_line(row.line, e))?;
        let managed_by = managed_by(kind, caller.org.kind, r.managed_by.clone())
            .map_err(|e| at_line(row.line, e))?;
        let action = Action::new(entity, Place::Point(r.location))
            .managed_by(managed_by.clone())
            .called(format!("line {}", row.line));
        allow(&snapshot, &caller, &action)?;
        facilities.push(Facility {
            kind,
            id: id_for_new(r.id.clone(), entity)?,
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
    let mut rows: Vec<ImportedRow> = file
        .rows
        .iter()
        .zip(&facilities)
        .map(|(row, f)| ImportedRow {
            line: row.line,
            id: f.id.clone(),
            name: f.name.clone(),
            lon: f.location.x(),
            lat: f.location.y(),
            placed_in: row.placed_in.clone(),
            version_id: None,
        })
        .collect();
    let unresolved = file.unresolved;
    if dry_run {
        let rows = Some(rows);
        let body = ImportAnswer {
            dry_run,
            rows,
            imported: None,
            unresolved,
        };
        return Ok(Json(body).into_response());
    }
    let edited = store(&*backend)?
        .add_facilities(&facilities, &author(&caller))
        .await?;
    for (row, e) in rows.iter_mut().zip(edited) {
        row.version_id = Some(e.version_id);
    }
    let imported = Some(rows);
    let body = ImportAnswer {
        dry_run,
        rows: None,
        imported,
        unresolved,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
