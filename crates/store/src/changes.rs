//! The change log (migration 0011): read in order from any id, its bounds, its retention; and
//! the hint that it grew, a LISTEN on `covidmap_changes` that the log's trigger notifies.
//! Followers read the log itself, so a hint missed (or a replica, which never sends them)
//! only delays a change until their next look.

use crate::error::Result;
use crate::Store;
use chrono::{DateTime, Utc};
use covidmap_core::change_log::{logged_entity, Bounds, LoggedChange, Operation};
use covidmap_core::documents::DocumentKind;
use covidmap_core::{Entity, Level};
use sqlx::postgres::PgListener;
use sqlx::Row as _;

/// The notification channel.
pub const CHANNEL: &str = "covidmap_changes";

/// A listening connection.
pub struct ChangeHints {
    listener: PgListener,
}

impl ChangeHints {
    /// Waits for the next hint that the log grew; `false` when the connection was lost (the
    /// next call reconnects).
    ///
    /// # Errors
    /// Reconnecting failed.
    pub async fn next(&mut self) -> Result<bool> {
        let hint = self.listener.try_recv().await?.is_some();
        // Hints already received say nothing more.
        while self.listener.next_buffered().is_some() {}
        Ok(hint)
    }
}

/// Where the log stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogBounds {
    /// Changes up to this id were dropped by retention (0: none).
    pub trimmed_through: i64,
    /// The latest committed; none when nothing was ever logged.
    pub latest: Option<i64>,
}

/// A rectangle kept as the columns west, south, east and north (all or none).
pub(crate) fn bounds_from_row(r: &sqlx::postgres::PgRow) -> Result<Option<Bounds>> {
    let column = |name: &str| r.try_get::<Option<f64>, _>(name);
    Ok(
        match [
            column("west")?,
            column("south")?,
            column("east")?,
            column("north")?,
        ] {
            [Some(w), Some(s), Some(e), Some(n)] => Some([w, s, e, n]),
            _ => None,
        },
    )
}

fn change_from_row(r: &sqlx::postgres::PgRow) -> Result<LoggedChange> {
    let table: String = r.try_get("entity")?;
    let kind: Option<String> = r.try_get("kind")?;
    let (entity, level) = logged_entity(&table, kind.as_deref())?;
    let operation: String = r.try_get("operation")?;
    Ok(LoggedChange {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        entity,
        level,
        operation: operation.parse()?,
        org_id: r.try_get("org_id")?,
        version_before: r.try_get("version_before")?,
        version_after: r.try_get("version_after")?,
        extent: bounds_from_row(r)?,
        feature_id: r.try_get("feature_id")?,
    })
}

impl Store {
    /// Starts listening for hints that the log grew.
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn change_hints(&self) -> Result<ChangeHints> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(ChangeHints { listener })
    }

    /// Up to `limit` changes after `after`, in order.
    ///
    /// # Errors
    /// The database fails, or holds a row this code does not know.
    pub async fn changes_after(&self, after: i64, limit: u32) -> Result<Vec<LoggedChange>> {
        // Rows this code cannot read (a newer version's entity, kind or operation) are
        // passed over, so that one of them never stops every follower at its id.
        let tables: Vec<&str> = Entity::ALL.iter().map(|e| e.table()).collect();
        let operations: Vec<&str> = Operation::ALL.iter().map(|o| o.as_str()).collect();
        let levels: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
        let kinds: Vec<&str> = DocumentKind::ALL.iter().map(|k| k.as_str()).collect();
        let rows = sqlx::query(
            "SELECT id, at, entity, kind, feature_id, operation, org_id, version_before, version_after, \
                    west, south, east, north \
             FROM change_log WHERE id > $1 AND entity = ANY($3) AND operation = ANY($4) \
               AND (entity <> 'admin_units' OR kind = ANY($5)) AND (entity <> 'documents' OR kind = ANY($6)) \
             ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .bind(&tables)
        .bind(&operations)
        .bind(&levels)
        .bind(&kinds)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(change_from_row).collect()
    }

    /// How far retention has trimmed the log, and its latest id.
    ///
    /// # Errors
    /// The database fails.
    pub async fn change_log_bounds(&self) -> Result<LogBounds> {
        let (trimmed_through, latest) = sqlx::query_as(
            "SELECT (SELECT through FROM change_log_trimmed), (SELECT max(id) FROM change_log)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(LogBounds {
            trimmed_through,
            latest,
        })
    }

    /// Drops the changes made before `before` (retention); returns how many.
    ///
    /// # Errors
    /// The database fails.
    pub async fn trim_change_log(&self, before: DateTime<Utc>) -> Result<u64> {
        // The latest change is kept whatever its age: it tells followers where the log is.
        let dropped: i64 = sqlx::query_scalar(
            "WITH gone AS (
                 DELETE FROM change_log WHERE at < $1 AND id < (SELECT max(id) FROM change_log)
                 RETURNING id)
             UPDATE change_log_trimmed SET through = greatest(through, coalesce((SELECT max(id) FROM gone), 0))
             RETURNING (SELECT count(*) FROM gone)",
        )
        .bind(before)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(dropped).unwrap_or_default())
    }
}

/// A change with the feature it wrote, as OGC API – Features serves it (GeoJSON text in
/// CRS84): what change events carry. None for a deletion, and where the entity is no
/// collection.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureChange {
    /// The log's entry.
    pub change: LoggedChange,
    /// The feature as the change left it.
    pub feature: Option<String>,
}

impl Store {
    /// Up to `limit` changes after `after` and up to `until`, with their features.
    ///
    /// # Errors
    /// The database fails.
    pub async fn feature_changes(
        &self,
        after: i64,
        until: i64,
        limit: u32,
    ) -> Result<Vec<FeatureChange>> {
        let mut changes = self.changes_after(after, limit).await?;
        changes.retain(|c| c.id <= until);
        self.with_features(changes).await
    }

    /// The features `changes` wrote, read with one statement per collection.
    ///
    /// # Errors
    /// The database fails.
    pub async fn with_features(&self, changes: Vec<LoggedChange>) -> Result<Vec<FeatureChange>> {
        use covidmap_ogc::collection::Collection;
        use std::collections::HashMap;
        let mut wanted: HashMap<&'static str, (&'static Collection, Vec<i64>)> = HashMap::new();
        for c in &changes {
            if let (Some(collection), Some(version)) =
                (Collection::of_change(c.entity, c.level), c.version_after)
            {
                wanted
                    .entry(collection.id)
                    .or_insert_with(|| (collection, Vec::new()))
                    .1
                    .push(version);
            }
        }
        let mut features: HashMap<(&'static str, i64), String> = HashMap::new();
        for (id, (collection, versions)) in wanted {
            for (version, feature) in self.ogc_versions(collection, &versions).await? {
                features.insert((id, version), feature);
            }
        }
        Ok(changes
            .into_iter()
            .map(|change| {
                let feature = Collection::of_change(change.entity, change.level)
                    .zip(change.version_after)
                    .and_then(|(c, v)| features.remove(&(c.id, v)));
                FeatureChange { change, feature }
            })
            .collect())
    }
}
