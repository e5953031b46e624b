//! What every write shares: who makes it (its author), whether it makes a new entity or a
//! new version (its identity), where it may land at all (the province), and its answer.

use crate::backend::Backend;
use crate::error::ApiError;
use crate::validators::IfMatch;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use covidmap_core::containment::outside;
use covidmap_core::policy::{reach, Places as _};
use covidmap_core::{Entity, Level};
use covidmap_lookup::Snapshot;
use covidmap_messages::answers::Written;
use covidmap_store::{new_id, Author, Caller, Edited, Store, StoreError, Write};
use geo::{MultiPolygon, Point};

pub(crate) fn author(caller: &Caller) -> Author {
    Author::of(&caller.org, Some(caller.token_id))
}

pub(crate) fn store<B: Backend>(backend: &B) -> Result<&Store, ApiError> {
    backend.store().ok_or(ApiError::ReadOnly)
}

/// What a write answers: the new version, and the entity before and after.
pub(crate) fn written(status: StatusCode, id: &str, edited: Edited) -> Response {
    let body = Written {
        id: id.to_owned(),
        version_id: edited.version_id,
        audit_id: edited.audit_id,
        before: edited.before,
        after: edited.after,
    };
    (status, Json(body)).into_response()
}

/// A write done: its status (201 for a new entity), the entity's id and what the store did.
/// The JSON API answers it as [`written`]; OGC API – Features with its own headers.
pub(crate) struct Saved {
    pub status: StatusCode,
    pub id: String,
    pub edited: Edited,
}

impl IntoResponse for Saved {
    fn into_response(self) -> Response {
        written(self.status, &self.id, self.edited)
    }
}

/// Which entity a write is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A new one.
    New,
    /// One that exists; `seen`, the version the client read (its `If-Match`), when it says.
    Existing { id: String, seen: Option<i64> },
}

impl Target {
    /// The entity a URL names, at the version `If-Match` names.
    pub(crate) fn existing(id: String, IfMatch(seen): IfMatch) -> Target {
        Target::Existing { id, seen }
    }

    /// The version the client read, when it names one.
    pub(crate) fn seen(&self) -> Option<i64> {
        match self {
            Target::New => None,
            Target::Existing { seen, .. } => *seen,
        }
    }

    /// Its id, for an entity that exists.
    pub(crate) fn id(&self) -> Option<&str> {
        match self {
            Target::New => None,
            Target::Existing { id, .. } => Some(id),
        }
    }
}

/// An id for a new entity: the one asked for, or a fresh one with the entity's prefix.
pub(crate) fn id_for_new(asked: Option<String>, entity: Entity) -> Result<String, ApiError> {
    match asked {
        Some(id) => Ok(id),
        None => new_id(entity.id_prefix().unwrap_or("id")).map_err(ApiError::from),
    }
}

/// What a write is: for a new entity its id, the one asked for or a fresh one with the
/// entity's prefix, a creation answered 201; else the URL's id, which the body's must match,
/// an update answered 200 of the version the client read (its `If-Match`) or else of the one
/// the write was checked on (`checked`).
pub(crate) fn identity(
    target: Target,
    asked: Option<String>,
    entity: Entity,
    checked: Option<i64>,
) -> Result<(String, Write, StatusCode), ApiError> {
    match target {
        Target::Existing { id, seen } => {
            same_id(asked.as_ref(), &id)?;
            Ok((id, Write::update(seen.or(checked)), StatusCode::OK))
        }
        Target::New => Ok((
            id_for_new(asked, entity)?,
            Write::Create,
            StatusCode::CREATED,
        )),
    }
}

/// What a store error of a write made on a version means to the client: a version it named
/// that is gone is its stale precondition (412); one it did not name, the version the write
/// was checked on, replaced in between by another write: a conflict (409), to retry.
pub(crate) fn made_on(client_seen: Option<i64>) -> impl Fn(StoreError) -> ApiError {
    move |e| match e {
        StoreError::Stale { entity, id, .. } if client_seen.is_none() => {
            StoreError::Conflict { entity, id }.into()
        }
        other => other.into(),
    }
}

/// The id in the body, if any, must be the one in the URL.
fn same_id(asked: Option<&String>, path: &str) -> Result<(), ApiError> {
    match asked {
        Some(id) if id != path => Err(ApiError::invalid(
            "properties.id",
            format!("is {id:?} but the URL names {path:?}; leave it out or make them agree"),
        )),
        _ => Ok(()),
    }
}

/// Drawn areas and points must lie in a province of the map, whoever draws them.
pub(crate) fn area_in_province(
    area: &MultiPolygon<f64>,
    snapshot: &Snapshot,
) -> Result<(), ApiError> {
    let region = snapshot.region();
    // The provinces taken together (a drawing may cross from one into the next), those
    // whose box meets the drawing's only.
    let reach = geo::BoundingRect::bounding_rect(area);
    let provinces = geo::MultiPolygon(
        region
            .provinces
            .iter()
            .filter_map(|(code, _)| snapshot.unit(code))
            .filter(|p| {
                let outline = geo::BoundingRect::bounding_rect(&p.geometry);
                matches!((reach, outline), (Some(a), Some(b)) if geo::Intersects::intersects(&a, &b))
            })
            .flat_map(|p| p.geometry.0.iter().cloned())
            .collect(),
    );
    if region.provinces.is_empty() || outside(area, &provinces).is_tolerable() {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "geometry",
            format!(
                "lies outside {}; send WGS 84 longitude, latitude",
                region.name_or_default()
            ),
        ))
    }
}

pub(crate) fn point_in_province(point: Point<f64>, snapshot: &Snapshot) -> Result<(), ApiError> {
    if snapshot.unit_at(Level::District, point).is_some()
        || snapshot
            .districts()
            .into_iter()
            .any(|d| reach::near(&d.geometry, point))
    {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "geometry",
            format!(
                "lies outside {}; send WGS 84 [longitude, latitude]",
                snapshot.region().name_or_default()
            ),
        ))
    }
}

pub(crate) fn not_current(what: &str, id: &str) -> ApiError {
    ApiError::NoMatch {
        field: "id".into(),
        message: format!("there is no current {what} {id:?}"),
    }
}

/// The current commune with this code; 404 when there is none.
pub(crate) fn commune<'a>(
    snapshot: &'a Snapshot,
    code: &str,
) -> Result<&'a covidmap_core::AdminUnit, ApiError> {
    snapshot
        .unit(code)
        .filter(|u| u.level == Level::Commune)
        .ok_or_else(|| ApiError::NoMatch {
            field: "commune".into(),
            message: format!(
                "no current commune has the code {code:?}; /api/v1/search?q= finds codes"
            ),
        })
}

/// Runs the checks of a write that can take long (a drawn area's validity, containment and
/// reach over thousands of vertices) on the blocking pool, as many at once as there are
/// cores, so that lookups, tiles and `/health` keep the async workers.
pub(crate) async fn checked_off_runtime<T: Send + 'static>(
    check: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    static AT_ONCE: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
    });
    let _turn = AT_ONCE
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    tokio::task::spawn_blocking(check)
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?
}
