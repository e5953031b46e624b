//! The write policy asked over the snapshot: one call per write, as it will be, and for an
//! update or a revert, also as the entity stands in the database.

use crate::error::ApiError;
use crate::write::{not_current, Target};
use covidmap_core::policy::{Action, Place, Policy};
use covidmap_core::Entity;
use covidmap_lookup::Snapshot;
use covidmap_store::{Caller, Store};

/// Asks the write policy, over the snapshot's units, whether the caller may make the write.
pub(crate) fn allow(snapshot: &Snapshot, caller: &Caller, action: &Action) -> Result<(), ApiError> {
    Ok(Policy::new(snapshot).check(caller, action)?)
}

/// Checks that the caller may write `entity` at all, then that the entity as it stands (in
/// the database: the snapshot may be a moment behind a write just made) is the caller's to
/// change: where it lies, who manages it. The version checked, on which the write is then
/// made (so that one written in between is not overwritten unchecked); 404 when there is none.
pub(crate) async fn allow_current(
    store: &Store,
    snapshot: &Snapshot,
    caller: &Caller,
    entity: Entity,
    id: &str,
) -> Result<i64, ApiError> {
    allow(snapshot, caller, &Action::new(entity, Place::Anywhere))?;
    let (current, version_id) = store
        .stored_action(entity, id, None)
        .await?
        .ok_or_else(|| not_current(entity.noun(), id))?;
    let current = current.called(format!("the {} as it stands", entity.noun()));
    allow(snapshot, caller, &current)?;
    Ok(version_id)
}

/// What a write of `target` must be allowed before its body is read: a new entity, that the
/// caller may write `entity` at all; one that exists, [`allow_current`], whose checked version
/// it gives (the write is then made on it).
pub(crate) async fn allow_target(
    store: &Store,
    snapshot: &Snapshot,
    caller: &Caller,
    entity: Entity,
    target: &Target,
) -> Result<Option<i64>, ApiError> {
    match target.id() {
        Some(id) => Ok(Some(
            allow_current(store, snapshot, caller, entity, id).await?,
        )),
        None => {
            allow(snapshot, caller, &Action::new(entity, Place::Anywhere))?;
            Ok(None)
        }
    }
}

/// Checks that the caller may write `entity` for the commune with this code: 403 when it
/// may not write the entity at all, 404 when there is no such commune, 403 when the commune
/// is another district's.
pub(crate) fn allow_commune(
    snapshot: &Snapshot,
    caller: &Caller,
    entity: Entity,
    code: &str,
) -> Result<(), ApiError> {
    allow(snapshot, caller, &Action::new(entity, Place::Anywhere))?;
    crate::write::commune(snapshot, code)?;
    allow(
        snapshot,
        caller,
        &Action::new(entity, Place::Commune(code.to_owned())),
    )
}
