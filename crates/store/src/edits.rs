//! Versioned edits of the operational layers by the agencies, each with its audit entry.
//!
//! An edit is one transaction: the current version (if any) is locked and closed, the new
//! version written, and an audit entry records the organisation, the token, the action and
//! the entity before and after, as JSON with its geometry as GeoJSON. Two edits of one
//! entity at the same moment queue on the lock; two creations of one id meet the unique
//! index on current versions, and the second is refused as a conflict.

use crate::layers::{insert_commune_level, insert_facility, insert_point, insert_zone, Query};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use covidmap_core::layers::{CommuneLevel, Facility, LockdownPoint, LockdownZone};
use covidmap_core::Entity;
use serde_json::Value;
use sqlx::{Postgres, Row, Transaction};

/// Whether a write makes a new entity or a new version of one that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// The id must be free.
    Create,
    /// The id must be current.
    Update,
    /// The id must be current at this version: the one the client read (its `If-Match`).
    UpdateFrom(i64),
    /// Either (a commune's figures for a day: the first report or a correction).
    Any,
}

impl Write {
    /// An update of the current version, or of the one the client read when it names one.
    #[must_use]
    pub fn update(seen: Option<i64>) -> Write {
        seen.map_or(Write::Update, Write::UpdateFrom)
    }
}

/// Who makes a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The organisation's id.
    pub org_id: String,
    /// Its name, written as the version's `changed_by`.
    pub org_name: String,
    /// The token used, if the change came through the API.
    pub token_id: Option<i64>,
}

impl Author {
    /// An organisation, writing through `token_id` (`None`: from the command line).
    #[must_use]
    pub fn of(org: &covidmap_core::agency::Organisation, token_id: Option<i64>) -> Self {
        Author {
            org_id: org.id.clone(),
            org_name: org.name.clone(),
            token_id,
        }
    }
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    /// The audit entry's number.
    pub audit_id: i64,
    /// The new version's number.
    pub version_id: i64,
    /// The entity before (`None` when it was created).
    pub before: Option<Value>,
    /// The entity after.
    pub after: Value,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Its number.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The organisation.
    pub org_id: String,
    /// The token.
    pub token_id: Option<i64>,
    /// create, update, lift, delete, revert.
    pub action: String,
    /// The table.
    pub entity_type: String,
    /// The entity's id.
    pub entity_id: String,
    /// Before.
    pub before: Option<Value>,
    /// After.
    pub after: Option<Value>,
}

/// The version number of an entity's row as [`as_json`] gives it.
fn version_of(row: &Value) -> Option<i64> {
    row.get("version_id").and_then(Value::as_i64)
}

/// The current version of an entity as JSON: every column, the geometry as GeoJSON.
pub(crate) fn as_json(entity: Entity) -> String {
    let table = entity.table();
    let geometry = if table == "documents" {
        // The PDF's size, not its bytes: the audit log keeps particulars.
        " - 'pdf' || jsonb_build_object('pdf_bytes', octet_length(t.pdf))"
    } else if !entity.has_geometry() {
        ""
    } else {
        " - 'geom' || jsonb_build_object('geometry', ST_AsGeoJSON(t.geom, 7)::jsonb)"
    };
    format!("SELECT to_jsonb(t){geometry} FROM {table} t WHERE id = $1 AND valid_to IS NULL")
}

/// Locks and closes the current version of `id`; returns it, `None` when there is none.
/// Refuses a creation over a current entity and an update of none.
pub(crate) async fn close_current(
    tx: &mut Transaction<'_, Postgres>,
    entity: Entity,
    id: &str,
    write: Write,
) -> Result<Option<Value>> {
    let table = entity.table();
    let before: Option<Value> = sqlx::query_scalar(&format!("{} FOR UPDATE", as_json(entity)))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    match (write, &before) {
        (Write::Create, Some(_)) => {
            return Err(StoreError::Exists {
                entity: table.to_owned(),
                id: id.to_owned(),
            })
        }
        (Write::UpdateFrom(seen), Some(current)) if version_of(current) != Some(seen) => {
            return Err(StoreError::Stale {
                entity: table.to_owned(),
                id: id.to_owned(),
                seen,
            })
        }
        (Write::Update | Write::UpdateFrom(_), None) => {
            // A write of the same entity that committed while this one waited for its lock
            // closed the version this statement saw; a fresh statement sees its new one.
            let raced: bool = sqlx::query_scalar(&format!(
                "SELECT EXISTS (SELECT 1 FROM {table} WHERE id = $1 AND valid_to IS NULL)"
            ))
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
            let (entity, id) = (table.to_owned(), id.to_owned());
            return Err(match write {
                _ if !raced => StoreError::NotCurrent { entity, id },
                Write::UpdateFrom(seen) => StoreError::Stale { entity, id, seen },
                _ => StoreError::Conflict { entity, id },
            });
        }
        _ => {}
    }
    if before.is_some() {
        sqlx::query(&format!(
            "UPDATE {table} SET valid_to = now() WHERE id = $1 AND valid_to IS NULL"
        ))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(before)
}

/// Reads the new version back and writes the audit entry.
pub(crate) async fn audit(
    tx: &mut Transaction<'_, Postgres>,
    entity: Entity,
    id: &str,
    action: &str,
    author: &Author,
    before: Option<Value>,
) -> Result<Edited> {
    let after: Value = sqlx::query_scalar(&as_json(entity))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let version_id = version_of(&after).unwrap_or_default();
    let audit_id = audit_entry(tx, entity, id, action, author, &before, Some(&after)).await?;
    Ok(Edited {
        audit_id,
        version_id,
        before,
        after,
    })
}

/// The audit entry of one entity's change, before and after (none after a deletion).
async fn audit_entry(
    tx: &mut Transaction<'_, Postgres>,
    entity: Entity,
    id: &str,
    action: &str,
    author: &Author,
    before: &Option<Value>,
    after: Option<&Value>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_log (org_id, token_id, action, entity_type, entity_id, before, after) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(&author.org_id)
    .bind(author.token_id)
    .bind(action)
    .bind(entity.audit_name())
    .bind(id)
    .bind(before)
    .bind(after)
    .fetch_one(&mut **tx)
    .await?)
}

/// A new version of an entity, to write with [`write_version`].
pub(crate) struct Version<'a, 'q> {
    /// What is written.
    pub entity: Entity,
    /// The entity's id.
    pub id: &'a str,
    /// Whether the id must be free or current.
    pub write: Write,
    /// The new row.
    pub insert: Query<'q>,
    /// What the audit entry calls it; `None`: create or update, as found.
    pub action: Option<&'static str>,
}

/// Writes a new version inside `tx`: the current one locked and closed, the new row
/// inserted (two creations of one id at once: a conflict), the audit entry written.
pub(crate) async fn write_version(
    tx: &mut Transaction<'_, Postgres>,
    version: Version<'_, '_>,
    author: &Author,
) -> Result<Edited> {
    let Version {
        entity,
        id,
        write,
        insert,
        action: named,
    } = version;
    let before = close_current(tx, entity, id, write).await?;
    insert
        .execute(&mut **tx)
        .await
        .map_err(|e| conflict(entity, id, e))?;
    let act = named.unwrap_or_else(|| action(before.as_ref()));
    audit(tx, entity, id, act, author, before).await
}

/// A facility's new version.
fn facility_version<'q>(
    facility: &'q Facility,
    write: Write,
    author: &'q Author,
) -> Version<'q, 'q> {
    Version {
        entity: facility.kind.entity(),
        id: &facility.id,
        write,
        insert: insert_facility(facility, &author.org_name),
        action: None,
    }
}

/// Whether a create or an update happened.
pub(crate) fn action(before: Option<&Value>) -> &'static str {
    if before.is_some() {
        "update"
    } else {
        "create"
    }
}

/// Turns the unique-index violation of two current versions into a conflict.
pub(crate) fn conflict(entity: Entity, id: &str, e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some("23505") => StoreError::Conflict {
            entity: entity.table().to_owned(),
            id: id.to_owned(),
        },
        _ => StoreError::Database(e),
    }
}

/// What a write transaction tells the change log of itself (read by its staging triggers,
/// migration 0014).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writing {
    /// Creations, updates, lifts and deletions, as the rows show.
    AsFound,
    /// A revert: the versions it writes are logged as such.
    Revert,
}

/// Begins a write transaction that names its writer's organisation (and whether it reverts)
/// to the change log, in settings that end with the transaction.
pub(crate) async fn begin_as(
    pool: &sqlx::PgPool,
    author: Option<&Author>,
    writing: Writing,
) -> Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    let operation = match writing {
        Writing::AsFound => "",
        Writing::Revert => "revert",
    };
    sqlx::query(
        "SELECT set_config('covidmap.org', $1, true), set_config('covidmap.operation', $2, true)",
    )
    .bind(author.map_or("", |a| a.org_id.as_str()))
    .bind(operation)
    .execute(&mut *tx)
    .await?;
    Ok(tx)
}

impl Store {
    /// [`write_version`] in a transaction of its own.
    pub(crate) async fn write_one(
        &self,
        version: Version<'_, '_>,
        author: &Author,
    ) -> Result<Edited> {
        let mut tx = begin_as(&self.pool, Some(author), Writing::AsFound).await?;
        let edited = write_version(&mut tx, version, author).await?;
        tx.commit().await?;
        Ok(edited)
    }

    /// Writes a zone: a new one, or a new version of the one with its id.
    ///
    /// # Errors
    /// The database refuses it (every schema check applies) or another write of the same id
    /// won; nothing is written.
    pub async fn put_zone(
        &self,
        zone: &LockdownZone,
        write: Write,
        author: &Author,
    ) -> Result<Edited> {
        let version = Version {
            entity: Entity::LockdownZones,
            id: &zone.id,
            write,
            insert: insert_zone(zone, &author.org_name)?,
            action: (!zone.declaration.active).then_some("lift"),
        };
        self.write_one(version, author).await
    }

    /// Writes a lockdown point, as [`Store::put_zone`] does a zone.
    ///
    /// # Errors
    /// As for [`Store::put_zone`].
    pub async fn put_lockdown_point(
        &self,
        point: &LockdownPoint,
        write: Write,
        author: &Author,
    ) -> Result<Edited> {
        let version = Version {
            entity: Entity::LockdownPoints,
            id: &point.id,
            write,
            insert: insert_point(point, &author.org_name),
            action: (!point.declaration.active).then_some("lift"),
        };
        self.write_one(version, author).await
    }

    /// Writes a checkpoint, camp, testing site or service.
    ///
    /// # Errors
    /// As for [`Store::put_zone`].
    pub async fn put_facility(
        &self,
        facility: &Facility,
        write: Write,
        author: &Author,
    ) -> Result<Edited> {
        self.write_one(facility_version(facility, write, author), author)
            .await
    }

    /// Adds many facilities in one transaction (an import): all or none.
    ///
    /// # Errors
    /// As for [`Store::put_facility`], for the first that fails; nothing is written then.
    pub async fn add_facilities(
        &self,
        facilities: &[Facility],
        author: &Author,
    ) -> Result<Vec<Edited>> {
        let mut tx = begin_as(&self.pool, Some(author), Writing::AsFound).await?;
        let mut done = Vec::with_capacity(facilities.len());
        for f in facilities {
            let version = facility_version(f, Write::Create, author);
            done.push(write_version(&mut tx, version, author).await?);
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Sets a commune's epidemic level (a new version when it has one).
    ///
    /// # Errors
    /// As for [`Store::put_zone`].
    pub async fn put_commune_level(&self, level: &CommuneLevel, author: &Author) -> Result<Edited> {
        let version = Version {
            entity: Entity::CommuneLevels,
            id: &level.commune_code,
            write: Write::Any,
            insert: insert_commune_level(level, &author.org_name),
            action: None,
        };
        self.write_one(version, author).await
    }

    /// Makes an earlier version of an entity current again, as a new version in place of
    /// `replacing`, the current one the write was checked on (`None`: there was none, the
    /// entity was deleted, and none may be current now).
    ///
    /// # Errors
    /// [`StoreError::NoSuchVersion`] when `version_id` is not a version of that entity;
    /// otherwise as for [`Store::put_zone`].
    pub async fn revert(
        &self,
        entity: Entity,
        id: &str,
        version_id: i64,
        replacing: Option<i64>,
        author: &Author,
    ) -> Result<Edited> {
        let table = entity.table();
        let no_such_version = || StoreError::NoSuchVersion {
            entity: table.to_owned(),
            id: id.to_owned(),
            version_id,
        };
        if entity == Entity::Boundaries {
            return Err(no_such_version());
        }
        let mut tx = begin_as(&self.pool, Some(author), Writing::Revert).await?;
        let columns = copied_columns(&mut tx, table, &[]).await?;
        let exists: bool = sqlx::query_scalar(&format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE version_id = $1 AND id = $2)"
        ))
        .bind(version_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if !exists {
            return Err(no_such_version());
        }
        let sql = format!(
            "INSERT INTO {table} ({columns}, changed_by) SELECT {columns}, $2 FROM {table} WHERE version_id = $1"
        );
        let version = Version {
            entity,
            id,
            write: replacing.map_or(Write::Create, Write::UpdateFrom),
            insert: sqlx::query(&sql).bind(version_id).bind(&author.org_name),
            action: Some("revert"),
        };
        let edited = write_version(&mut tx, version, author).await?;
        tx.commit().await?;
        Ok(edited)
    }

    /// Lifts a lockdown zone or point: a new version, the same but lifted now; `seen`, the
    /// version the client read, must still be current when it names one.
    ///
    /// # Errors
    /// [`StoreError::NotCurrent`] when there is no such declaration, [`StoreError::Exists`]
    /// when it is lifted already; otherwise as for [`Store::put_zone`].
    pub async fn lift(
        &self,
        entity: Entity,
        id: &str,
        seen: Option<i64>,
        author: &Author,
    ) -> Result<Edited> {
        let table = entity.table();
        if !entity.is_declaration() {
            return Err(StoreError::NotCurrent {
                entity: table.to_owned(),
                id: id.to_owned(),
            });
        }
        let mut tx = begin_as(&self.pool, Some(author), Writing::AsFound).await?;
        let before = close_current(&mut tx, entity, id, Write::update(seen)).await?;
        if before
            .as_ref()
            .and_then(|b| b.get("status"))
            .and_then(Value::as_str)
            == Some("lifted")
        {
            return Err(StoreError::AlreadyLifted {
                entity: table.to_owned(),
                id: id.to_owned(),
            });
        }
        let columns = copied_columns(&mut tx, table, &["status", "lifted_at"]).await?;
        sqlx::query(&format!(
            "INSERT INTO {table} ({columns}, status, lifted_at, changed_by) \
             SELECT {columns}, 'lifted', now(), $2 FROM {table} WHERE id = $1 AND valid_to = now() \
             ORDER BY version_id DESC LIMIT 1"
        ))
        .bind(id)
        .bind(&author.org_name)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict(entity, id, e))?;
        let edited = audit(&mut tx, entity, id, "lift", author, before).await?;
        tx.commit().await?;
        Ok(edited)
    }

    /// Deletes a facility: its current version ends now and none follows; its history stays
    /// (and a revert brings it back). `seen` as for [`Store::lift`]. What it answers holds
    /// the version that ended, and nothing after.
    ///
    /// # Errors
    /// [`StoreError::NotCurrent`] when there is none; a declaration is lifted, never deleted,
    /// and units change by upload: both are refused so.
    pub async fn delete(
        &self,
        entity: Entity,
        id: &str,
        seen: Option<i64>,
        author: &Author,
    ) -> Result<Edited> {
        if entity.facility().is_none() {
            return Err(StoreError::NotCurrent {
                entity: entity.table().to_owned(),
                id: id.to_owned(),
            });
        }
        let mut tx = begin_as(&self.pool, Some(author), Writing::AsFound).await?;
        let before = close_current(&mut tx, entity, id, Write::update(seen)).await?;
        let version_id = before.as_ref().and_then(version_of).unwrap_or_default();
        let audit_id = audit_entry(&mut tx, entity, id, "delete", author, &before, None).await?;
        tx.commit().await?;
        Ok(Edited {
            audit_id,
            version_id,
            before,
            after: Value::Null,
        })
    }

    /// The audit entries of one entity, oldest first (an upload's, for boundaries).
    ///
    /// # Errors
    /// The database fails.
    pub async fn history(&self, entity: Entity, id: &str) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, org_id, token_id, action, entity_type, entity_id, before, after \
             FROM audit_log WHERE entity_type = $1 AND entity_id = $2 ORDER BY id",
        )
        .bind(entity.audit_name())
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: r.try_get("at")?,
                    org_id: r.try_get("org_id")?,
                    token_id: r.try_get("token_id")?,
                    action: r.try_get("action")?,
                    entity_type: r.try_get("entity_type")?,
                    entity_id: r.try_get("entity_id")?,
                    before: r.try_get("before")?,
                    after: r.try_get("after")?,
                })
            })
            .collect()
    }
}

/// Records, inside `tx`, an action that is not a version of one entity (a boundary upload:
/// its number, and the change it made), so that it commits with the change or not at all.
pub(crate) async fn record(
    tx: &mut Transaction<'_, Postgres>,
    author: &Author,
    action: &str,
    entity: Entity,
    entity_id: &str,
    after: Value,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO audit_log (org_id, token_id, action, entity_type, entity_id, after) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(&author.org_id)
    .bind(author.token_id)
    .bind(action)
    .bind(entity.audit_name())
    .bind(entity_id)
    .bind(&after)
    .fetch_one(&mut **tx)
    .await?)
}

/// The columns a new version copies from an older one: all but its own number, validity,
/// author and the ones given.
async fn copied_columns(
    tx: &mut Transaction<'_, Postgres>,
    table: &str,
    also_not: &[&str],
) -> Result<String> {
    let skipped: Vec<String> = ["version_id", "valid_from", "valid_to", "changed_by"]
        .iter()
        .chain(also_not)
        .map(|c| (*c).to_owned())
        .collect();
    Ok(sqlx::query_scalar(
        "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) \
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 \
         AND column_name <> ALL($2)",
    )
    .bind(table)
    .bind(&skipped)
    .fetch_one(&mut **tx)
    .await?)
}

/// A fresh id for a new entity: the prefix and eight random hex digits (`zone-3f9a0c21`).
///
/// # Errors
/// The system's random source failed.
pub fn new_id(prefix: &str) -> Result<String> {
    let mut bytes = [0_u8; 4];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(format!(
        "{prefix}-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}
