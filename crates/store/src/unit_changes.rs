//! Administrative changes: read for the gazetteer, written by the provincial office one file
//! at a time (each new or changed row a version with its audit entry, all in one
//! transaction), and the outlines their checks compare.

use crate::edits::{begin_as, write_version, Author, Version, Write, Writing};
use crate::layers::multipolygon_of;
use crate::{Result, Store, StoreError};
use covidmap_core::lineage::{ChangeKind, FormerUnit, UnitChange};
use covidmap_core::Entity;
use geo::MultiPolygon;
use serde::Serialize;
use std::collections::HashMap;

/// What writing a file of changes did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct ChangesApplied {
    /// Changes not stored before.
    pub added: usize,
    /// Changes stored before with other particulars: a new version each.
    pub changed: usize,
    /// Changes stored already exactly so.
    pub unchanged: usize,
}

type Row = (
    chrono::NaiveDate,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
);

const COLUMNS: &str = "effective, act, kind, predecessor_code, predecessor_name, \
                       predecessor_parent_code, successor_code, successor_name, source";

fn from_row(row: Row) -> Result<UnitChange> {
    let (effective, act, kind, code, name, parent_code, successor_code, successor_name, source) =
        row;
    let kind = ChangeKind::parse(&kind).ok_or_else(|| StoreError::Unknown {
        code: name.clone(),
        what: "kind of change",
        value: kind.clone(),
    })?;
    Ok(UnitChange {
        effective,
        act,
        kind,
        predecessor: FormerUnit {
            code,
            name,
            parent_code,
        },
        successor_code,
        successor_name,
        source,
    })
}

impl Store {
    /// The current administrative changes, oldest first.
    ///
    /// # Errors
    /// The database fails or holds an unknown kind.
    pub async fn current_unit_changes(&self) -> Result<Vec<UnitChange>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM unit_changes WHERE valid_to IS NULL ORDER BY effective, version_id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// The latest outline of each unit among `codes` that has one (current or closed).
    ///
    /// # Errors
    /// The database fails or holds an unreadable geometry.
    pub async fn latest_outlines(
        &self,
        codes: &[String],
    ) -> Result<HashMap<String, MultiPolygon<f64>>> {
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT DISTINCT ON (code) code, ST_AsBinary(geom) FROM admin_units \
             WHERE code = ANY($1) ORDER BY code, valid_to DESC NULLS FIRST, version_id DESC",
        )
        .bind(codes)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(code, wkb)| Ok((code.clone(), multipolygon_of(code, wkb)?)))
            .collect()
    }

    /// Writes a file of changes in one transaction: each new one is created, each whose
    /// particulars differ gets a new version, each with its audit entry; those stored
    /// exactly so are left as they are. Changes stored before and not in the file stay.
    ///
    /// # Errors
    /// The database refuses a row or fails; nothing is written then.
    pub async fn put_unit_changes(
        &self,
        changes: &[UnitChange],
        author: &Author,
    ) -> Result<ChangesApplied> {
        let mut tx = begin_as(&self.pool, Some(author), Writing::AsFound).await?;
        let mut applied = ChangesApplied::default();
        for change in changes {
            let id = change.id();
            let stored: Option<Row> = sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM unit_changes WHERE id = $1 AND valid_to IS NULL"
            ))
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
            match stored.map(from_row).transpose()? {
                Some(same) if same == *change => {
                    applied.unchanged += 1;
                    continue;
                }
                Some(_) => applied.changed += 1,
                None => applied.added += 1,
            }
            let insert = sqlx::query(
                "INSERT INTO unit_changes (id, effective, act, kind, predecessor_code, predecessor_name, \
                 predecessor_parent_code, successor_code, successor_name, source, changed_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&id)
            .bind(change.effective)
            .bind(&change.act)
            .bind(change.kind.as_str())
            .bind(&change.predecessor.code)
            .bind(&change.predecessor.name)
            .bind(&change.predecessor.parent_code)
            .bind(&change.successor_code)
            .bind(&change.successor_name)
            .bind(&change.source)
            .bind(&author.org_name);
            let version = Version {
                entity: Entity::UnitChanges,
                id: &id,
                write: Write::Any,
                insert,
                action: None,
            };
            write_version(&mut tx, version, author).await?;
        }
        tx.commit().await?;
        Ok(applied)
    }
}
