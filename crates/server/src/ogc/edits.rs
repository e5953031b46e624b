//! OGC API – Features Part 4 on the declarations and the facilities: `POST` items, `PUT`,
//! `PATCH` and `DELETE` an item, and `OPTIONS` saying which of them this caller may use
//! there (QGIS offers editing from it). Each write goes through the JSON API's own path
//! (`crate::edits`), so the write policy, the checks, the new version, its audit entry and
//! its change-log row are those of every other write. What is OGC's is here: the feature's
//! shape (`covidmap_ogc::edit`), entity tags and `If-Match`, `Location`, and a merge patch
//! applied to the feature as it stands. A declaration is lifted by `DELETE`, never erased.

use super::{links, service, store};
use crate::auth::{Authenticated, MaybeAuthenticated};
use crate::backend::Backend;
use crate::edits::{facilities, lockdowns};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::router::Settings;
use crate::validators::{version_tag, IfMatch};
use crate::write::{Saved, Target};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use covidmap_core::policy::Policy;
use covidmap_core::Entity;
use covidmap_ogc::edit::{content_crs, patched, write_body};
use covidmap_ogc::{Collection, ItemsQuery};
use covidmap_store::Caller;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What every collection offers anyone.
const READ: [&str; 3] = ["GET", "HEAD", "OPTIONS"];

/// The collection, and the entity its features are written as; 405 for one that is read
/// only.
fn editable(id: &str) -> Result<(&'static Collection, Entity), ApiError> {
    let c = covidmap_ogc::collection(id)?;
    let entity = c.editable().ok_or_else(|| ApiError::NotAllowed {
        allow: READ.join(", "),
        message: format!(
            "{} is read only here: units change by upload (/api/v1/boundaries), levels, figures and documents through /api/v1; the declarations and the facilities are written here",
            c.id
        ),
    })?;
    Ok((c, entity))
}

/// The CRS the request's `Content-Crs` names.
fn crs_of(headers: &HeaderMap) -> Result<covidmap_ogc::Crs, ApiError> {
    let header = headers
        .get("content-crs")
        .map(|v| v.to_str().unwrap_or("?"));
    Ok(content_crs(header)?)
}

/// Writes a feature of `entity` (a facility or a declaration: what
/// [`Collection::editable`] gives) as the JSON API does.
async fn write<B: Backend>(
    entity: Entity,
    backend: &Arc<B>,
    caller: &Caller,
    target: Target,
    body: Value,
) -> Result<Saved, ApiError> {
    match entity.facility() {
        Some(kind) => facilities::write_facility(kind, backend, caller, target, &body).await,
        None if entity == Entity::LockdownZones => {
            lockdowns::write_zone(backend, caller, target, body).await
        }
        None => lockdowns::write_point(backend, caller, target, &body).await,
    }
}

/// A write's answer: what the JSON API answers, with the new version's entity tag and, for
/// a new feature, where it is.
fn answer(c: &Collection, headers: &HeaderMap, saved: Saved) -> Response {
    let (status, version) = (saved.status, saved.edited.version_id);
    let location = links(headers).at(&format!("/collections/{}/items/{}", c.id, saved.id));
    let mut response = saved.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&version_tag(version)) {
        h.insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED {
        if let Ok(v) = HeaderValue::from_str(&location) {
            h.insert(header::LOCATION, v);
        }
    }
    response
}

/// `POST /ogc/collections/{collection}/items`: a new feature.
pub(super) async fn create<B: Backend>(
    State(backend): State<Arc<B>>,
    Path(id): Path<String>,
    caller: Result<Authenticated, ApiError>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (c, entity) = editable(&id)?;
    let Authenticated(caller) = caller?;
    let body = write_body(c, body, crs_of(&headers)?)?;
    let saved = write(entity, &backend, &caller, Target::New, body).await?;
    Ok(answer(c, &headers, saved))
}

/// `PUT /ogc/collections/{collection}/items/{feature}`: the feature replaced, as a new
/// version (of the version `If-Match` names, when it names one).
pub(super) async fn replace<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Path((id, feature)): Path<(String, String)>,
    caller: Result<Authenticated, ApiError>,
    if_match: IfMatch,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (c, entity) = editable(&id)?;
    let Authenticated(caller) = caller?;
    let body = write_body(c, body, crs_of(&headers)?)?;
    // Only a feature of the collection now is replaced (a lifted declaration is not in it).
    as_it_stands(&*backend, &settings, c, &feature).await?;
    let target = Target::existing(feature, if_match);
    let saved = write(entity, &backend, &caller, target, body).await?;
    Ok(answer(c, &headers, saved))
}

/// `PATCH /ogc/collections/{collection}/items/{feature}`: a merge patch (RFC 7396) of the
/// feature as it stands, written as a new version of the version read, so that a change
/// made meanwhile is not overwritten (412).
pub(super) async fn update<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Path((id, feature)): Path<(String, String)>,
    caller: Result<Authenticated, ApiError>,
    IfMatch(seen): IfMatch,
    headers: HeaderMap,
    JsonBody(patch): JsonBody,
) -> Result<Response, ApiError> {
    let (c, entity) = editable(&id)?;
    let Authenticated(caller) = caller?;
    let crs = crs_of(&headers)?;
    let current = as_it_stands(&*backend, &settings, c, &feature).await?;
    let read: Value =
        serde_json::from_str(&current.feature).map_err(|e| ApiError::Internal(Box::new(e)))?;
    let body = patched(c, read, &patch, crs)?;
    // On the version the client names, else on the one read: the store refuses either once
    // another is current.
    let target = Target::Existing {
        id: feature,
        seen: Some(seen.unwrap_or(current.version_id)),
    };
    let saved = write(entity, &backend, &caller, target, body).await?;
    Ok(answer(c, &headers, saved))
}

/// The feature of `c` as it stands now; 404 when the collection has none of that id.
async fn as_it_stands<B: Backend>(
    backend: &B,
    settings: &Settings,
    c: &'static Collection,
    feature: &str,
) -> Result<covidmap_store::OgcFeature, ApiError> {
    let query = ItemsQuery::read_one(c, feature, &BTreeMap::new(), &service(backend, settings))?;
    super::first(&mut store(backend)?.ogc_features(&query))
        .await?
        .ok_or_else(|| ApiError::NoMatch {
            field: "featureId".into(),
            message: format!("{} has no feature {feature:?} now; /items lists them", c.id),
        })
}

/// `DELETE /ogc/collections/{collection}/items/{feature}`: a facility deleted, a
/// declaration lifted (it leaves the collection of those in force; its history stays).
pub(super) async fn remove<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Path((id, feature)): Path<(String, String)>,
    caller: Result<Authenticated, ApiError>,
    IfMatch(seen): IfMatch,
) -> Result<Response, ApiError> {
    let (c, entity) = editable(&id)?;
    let Authenticated(caller) = caller?;
    // Only a feature of the collection now is removed (a lifted declaration is not in it).
    as_it_stands(&*backend, &settings, c, &feature).await?;
    match entity.facility() {
        Some(kind) => facilities::remove_facility(kind, &backend, &caller, feature, seen).await,
        None => lockdowns::lift_declaration(entity, &backend, &caller, feature, seen).await,
    }?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `OPTIONS …/items`: the methods this caller may use, `POST` among them when it may add
/// features to the collection somewhere (where, each write checks).
pub(super) async fn items_options(
    Path(id): Path<String>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
) -> Result<Response, ApiError> {
    let mut methods = READ.to_vec();
    if may_write(&id, caller.as_ref())? {
        methods.push("POST");
    }
    Ok(allowed(&methods))
}

/// `OPTIONS …/items/{feature}`: `PUT`, `PATCH` and `DELETE` when this caller may change
/// the collection's features (its role and its organisation's kind); whether this one is
/// its own (where it lies, who manages it) each write says, 403 naming why. QGIS asks this of
/// the first feature it read and decides for the whole layer, so an answer for that feature
/// alone would leave a district's layer of zones read-only whenever the first zone listed
/// is another district's.
pub(super) async fn item_options(
    Path((id, _feature)): Path<(String, String)>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
) -> Result<Response, ApiError> {
    let mut methods = READ.to_vec();
    if may_write(&id, caller.as_ref())? {
        methods.extend(["PUT", "PATCH", "DELETE"]);
    }
    Ok(allowed(&methods))
}

/// Whether the caller may write features of the collection somewhere: its role and its
/// organisation's kind allow it (where, each write checks). 404 for no such collection.
fn may_write(collection: &str, caller: Option<&Caller>) -> Result<bool, ApiError> {
    let c = covidmap_ogc::collection(collection)?;
    Ok(match (c.editable(), caller) {
        (Some(entity), Some(caller)) => Policy::writable(caller).contains(&entity),
        _ => false,
    })
}

/// An answer to `OPTIONS`: the methods, and the media types a `PATCH` takes.
fn allowed(methods: &[&str]) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&methods.join(", ")) {
        h.insert(header::ALLOW, v);
    }
    if methods.contains(&"PATCH") {
        h.insert(
            "accept-patch",
            HeaderValue::from_static("application/merge-patch+json"),
        );
    }
    response
}
