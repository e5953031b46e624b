//! Administrative units: reading current units, applying an upload as one versioned
//! transaction, history.

use crate::edits::{begin_as, record, Author, Writing};
use crate::error::{Result, StoreError};
use crate::Store;
use chrono::{DateTime, Utc};
use covidmap_core::{diff_units, AdminUnit, Entity, Level, UnitDiff, UnitType};
use geo::Geometry;
use geozero::{CoordDimensions, ToWkb};
use serde::Serialize;
use sqlx::{Postgres, Row, Transaction};
use std::collections::{BTreeMap, BTreeSet};

/// Who uploaded what, from where: stored with every upload.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// File name as uploaded.
    pub source_file: String,
    /// The file's CRS as understood.
    pub source_crs: String,
    /// Text encoding used.
    pub encoding: Option<String>,
    /// Who uploaded (an organisation or user name).
    pub uploaded_by: String,
    /// What ingestion inferred or repaired.
    pub notes: Vec<String>,
}

/// The outcome of applying an upload.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// The upload's id; `None` for a dry run.
    pub upload_id: Option<i64>,
    /// What changed (or would change).
    pub diff: UnitDiff,
}

/// A change of the units of one level, as an upload makes it.
#[derive(Clone, Copy)]
pub struct UnitsChange<'a> {
    /// The level.
    pub level: Level,
    /// The parents whose units the change replaces (units under them missing from `units`
    /// are removed).
    pub scope: &'a [String],
    /// The units as they are to be.
    pub units: &'a [AdminUnit],
    /// Where they come from.
    pub provenance: &'a Provenance,
    /// Work it out and roll it back.
    pub dry_run: bool,
    /// Who makes it through the API: its audit entry is written in the same transaction.
    pub author: Option<&'a Author>,
    /// Units one level down that move to another parent with it (hamlets of communes
    /// removed), by code, with the new parent: each gets a version that is its current one
    /// under the new parent.
    pub moved_below: &'a [(String, String)],
    /// Parents it leaves empty, which close with it (the districts of a province moving to
    /// two tiers).
    pub emptied: &'a [String],
}

/// Database reachability and counts.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// Current units per level.
    pub units: BTreeMap<String, i64>,
}

/// One version of a unit, for history.
#[derive(Debug, Clone, Serialize)]
pub struct UnitVersion {
    /// Version id.
    pub version_id: i64,
    /// Name in this version.
    pub name: String,
    /// Parent in this version.
    pub parent_code: Option<String>,
    /// When this version became current.
    pub valid_from: DateTime<Utc>,
    /// When it was replaced, if it was.
    pub valid_to: Option<DateTime<Utc>>,
    /// The upload that wrote it.
    pub upload_id: i64,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// From which file.
    pub source_file: String,
}

const SELECT_CURRENT: &str =
    "SELECT code, level, name, name_key, unit_type, parent_code, ST_AsBinary(geom) AS wkb FROM admin_units_current";

impl Store {
    /// Units per level, and proof the database answers.
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn health(&self) -> Result<Health> {
        let rows = sqlx::query(
            "SELECT level, count(*) AS n FROM admin_units WHERE valid_to IS NULL GROUP BY level",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut units: BTreeMap<String, i64> = Level::ALL
            .iter()
            .map(|l| (l.as_str().to_owned(), 0))
            .collect();
        for row in rows {
            units.insert(row.try_get("level")?, row.try_get("n")?);
        }
        Ok(Health { units })
    }

    /// Current units of a level.
    ///
    /// # Errors
    /// The database fails or holds something unreadable.
    pub async fn current_units(&self, level: Level) -> Result<Vec<AdminUnit>> {
        let rows = sqlx::query(&format!("{SELECT_CURRENT} WHERE level = $1 ORDER BY code"))
            .bind(level.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(unit_from_row).collect()
    }

    /// Every current unit, for the in-memory snapshot.
    ///
    /// # Errors
    /// The database fails or holds something unreadable.
    pub async fn all_current_units(&self) -> Result<Vec<AdminUnit>> {
        let mut conn = self.pool.acquire().await?;
        current_units_in(&mut conn).await
    }

    /// Units as a GeoJSON FeatureCollection (built by PostGIS), filtered by level and parent
    /// code: the current ones, or those in force at `at` (the structure then: districts that
    /// have since been abolished, communes since merged).
    ///
    /// # Errors
    /// The database fails.
    pub async fn units_geojson(
        &self,
        level: Option<Level>,
        parent: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> Result<String> {
        // Constant SQL either way: now reads the current rows through their index.
        let units = if at.is_some() {
            "(SELECT * FROM admin_units WHERE valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3))"
        } else {
            "(SELECT * FROM admin_units_current WHERE $3::timestamptz IS NULL)"
        };
        let sql = format!("SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
                json_build_object('type', 'Feature', 'id', code,
                    'geometry', ST_AsGeoJSON(geom, 6)::json,
                    'properties', json_build_object('code', code, 'name', name, 'type', unit_type,
                        'level', level, 'parent_code', parent_code)) ORDER BY code), '[]'::json))::text
            FROM {units} u
            WHERE ($1::text IS NULL OR level = $1) AND ($2::text IS NULL OR parent_code = $2)");
        Ok(sqlx::query_scalar::<_, String>(&sql)
            .bind(level.map(Level::as_str))
            .bind(parent)
            .bind(at)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Every version of a unit, oldest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn unit_history(&self, code: &str) -> Result<Vec<UnitVersion>> {
        let rows = sqlx::query(
            "SELECT u.version_id, u.name, u.parent_code, u.valid_from, u.valid_to, u.upload_id, up.uploaded_by, up.source_file
             FROM admin_units u JOIN uploads up ON up.id = u.upload_id WHERE u.code = $1 ORDER BY u.version_id",
        )
        .bind(code)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitVersion {
                    version_id: r.try_get("version_id")?,
                    name: r.try_get("name")?,
                    parent_code: r.try_get("parent_code")?,
                    valid_from: r.try_get("valid_from")?,
                    valid_to: r.try_get("valid_to")?,
                    upload_id: r.try_get("upload_id")?,
                    uploaded_by: r.try_get("uploaded_by")?,
                    source_file: r.try_get("source_file")?,
                })
            })
            .collect()
    }

    /// Replaces the units of `change.level` under the parents in `change.scope` with
    /// `change.units`, in one transaction: new versions for added and changed units, closed
    /// versions for changed and removed ones, and the upload's audit entry when it has an
    /// author. Uploads are serialised. With `dry_run` the same work is done and rolled back,
    /// so the reported change is exactly what a real run would do.
    ///
    /// # Errors
    /// The database fails, a removal would orphan units below, or a code belongs to a unit of
    /// another level. Nothing is written then.
    pub async fn apply_units(&self, change: &UnitsChange<'_>) -> Result<Applied> {
        self.apply_units_if(change, &|_| true).await
    }

    /// [`Store::apply_units`], but only when `accept` takes the change as worked out inside
    /// the transaction (a commit must apply exactly the change its dry run showed).
    ///
    /// # Errors
    /// As for [`Store::apply_units`], and [`StoreError::DiffChanged`] when `accept` refuses.
    pub async fn apply_units_if(
        &self,
        change: &UnitsChange<'_>,
        accept: &(dyn Fn(&covidmap_core::UnitDiff) -> bool + Sync),
    ) -> Result<Applied> {
        let UnitsChange {
            level,
            scope,
            units,
            provenance,
            dry_run,
            author,
            moved_below,
            emptied,
        } = *change;
        let mut tx = begin_as(&self.pool, author, Writing::AsFound).await?;
        let at = lock_units(&mut tx).await?;
        let codes: Vec<&str> = units.iter().map(|u| u.code.as_str()).collect();
        let current = current_in_scope(&mut tx, level, scope, &codes).await?;
        if let Some(other) = current.iter().find(|u| u.level != level) {
            return Err(StoreError::CodeTaken {
                code: other.code.clone(),
                level: other.level.to_string(),
            });
        }
        let diff = diff_units(&current, units);
        if !accept(&diff) {
            return Err(StoreError::DiffChanged);
        }
        let upload_id = insert_upload(&mut tx, level, provenance, &diff, at).await?;
        let closing: Vec<&str> = diff
            .changed
            .iter()
            .map(|c| c.code.as_str())
            .chain(diff.removed.iter().map(String::as_str))
            .chain(moved_below.iter().map(|(code, _)| code.as_str()))
            .chain(emptied.iter().map(String::as_str))
            .collect();
        sqlx::query(
            "UPDATE admin_units SET valid_to = $2 WHERE valid_to IS NULL AND code = ANY($1)",
        )
        .bind(&closing)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        // Copies of the versions just closed, under their new parent: what was current,
        // whatever the plan read before the lock.
        let (moved, parents): (Vec<&str>, Vec<&str>) = moved_below
            .iter()
            .map(|(code, parent)| (code.as_str(), parent.as_str()))
            .unzip();
        sqlx::query(
            "INSERT INTO admin_units (code, level, name, name_key, unit_type, parent_code, geom, upload_id, valid_from)
             SELECT u.code, u.level, u.name, u.name_key, u.unit_type, m.parent, u.geom, $3, $4
             FROM admin_units u JOIN unnest($1::text[], $2::text[]) AS m(code, parent) ON m.code = u.code
             WHERE u.valid_to = $4",
        )
        .bind(&moved)
        .bind(&parents)
        .bind(upload_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let gone: Vec<String> = diff.removed.iter().chain(emptied).cloned().collect();
        check_no_orphans(&mut tx, &gone).await?;
        let writing: BTreeSet<&str> = diff
            .added
            .iter()
            .map(String::as_str)
            .chain(diff.changed.iter().map(|c| c.code.as_str()))
            .collect();
        insert_units(
            &mut tx,
            upload_id,
            at,
            units.iter().filter(|u| writing.contains(u.code.as_str())),
        )
        .await?;
        if dry_run {
            tx.rollback().await?;
            return Ok(Applied {
                upload_id: None,
                diff,
            });
        }
        if let Some(author) = author {
            let after = serde_json::json!({
                "diff": diff,
                "closed": emptied,
                "moved_below": moved_below.len(),
            });
            let id = upload_id.to_string();
            record(&mut tx, author, "upload", Entity::Boundaries, &id, after).await?;
        }
        tx.commit().await?;
        Ok(Applied {
            upload_id: Some(upload_id),
            diff,
        })
    }
}

/// Takes the lock that serialises boundary changes, and the moment the change happens.
/// The moment is read after the lock: `now()` is when the transaction began, which for a
/// change that waited would lie before the change it waited for, and its versions would
/// close before they opened.
pub(crate) async fn lock_units(tx: &mut Transaction<'_, Postgres>) -> Result<DateTime<Utc>> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('covidmap.admin_units'))")
        .execute(&mut **tx)
        .await?;
    Ok(sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(&mut **tx)
        .await?)
}

/// Current units under the scope's parents, plus any current unit holding an incoming code
/// (a unit moving to another parent is a change, not an addition). Provinces have no
/// parent: only those in the file are replaced.
async fn current_in_scope(
    tx: &mut Transaction<'_, Postgres>,
    level: Level,
    scope: &[String],
    codes: &[&str],
) -> Result<Vec<AdminUnit>> {
    let sql = format!(
        "{SELECT_CURRENT} WHERE (level = $1 AND parent_code = ANY($2)) OR code = ANY($3) ORDER BY code"
    );
    let rows = sqlx::query(&sql)
        .bind(level.as_str())
        .bind(scope)
        .bind(codes)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(unit_from_row).collect()
}

async fn insert_upload(
    tx: &mut Transaction<'_, Postgres>,
    level: Level,
    p: &Provenance,
    diff: &UnitDiff,
    at: DateTime<Utc>,
) -> Result<i64> {
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    Ok(sqlx::query_scalar(
        "INSERT INTO uploads (level, source_file, source_crs, encoding, uploaded_by, added, changed, removed, notes, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(level.as_str())
    .bind(&p.source_file)
    .bind(&p.source_crs)
    .bind(&p.encoding)
    .bind(&p.uploaded_by)
    .bind(count(diff.added.len()))
    .bind(count(diff.changed.len()))
    .bind(count(diff.removed.len()))
    .bind(serde_json::json!(p.notes))
    .bind(at)
    .fetch_one(&mut **tx)
    .await?)
}

pub(crate) async fn check_no_orphans(
    tx: &mut Transaction<'_, Postgres>,
    removed: &[String],
) -> Result<()> {
    if removed.is_empty() {
        return Ok(());
    }
    let row = sqlx::query("SELECT count(*) AS n, min(code) AS example FROM admin_units WHERE valid_to IS NULL AND parent_code = ANY($1)")
        .bind(removed)
        .fetch_one(&mut **tx)
        .await?;
    let children: i64 = row.try_get("n")?;
    if children > 0 {
        return Err(StoreError::WouldOrphan {
            parents: removed.join(", "),
            children,
            example: row
                .try_get::<Option<String>, _>("example")?
                .unwrap_or_default(),
        });
    }
    Ok(())
}

/// Writes the new versions with one binary `COPY`: the fastest way into PostgreSQL, and the
/// format needs no escaping (each field is its length and its bytes; a geometry is EWKB).
async fn insert_units<'a>(
    tx: &mut Transaction<'_, Postgres>,
    upload_id: i64,
    at: DateTime<Utc>,
    units: impl Iterator<Item = &'a AdminUnit>,
) -> Result<()> {
    let valid_from = crate::copy_binary::timestamptz(at);
    let mut data = crate::copy_binary::header();
    for u in units {
        let ewkb = Geometry::MultiPolygon(u.geometry.clone())
            .to_ewkb(CoordDimensions::xy(), Some(4326))
            .map_err(|e| StoreError::Geometry {
                code: u.code.clone(),
                reason: e.to_string(),
            })?;
        let fields: [Option<&[u8]>; 9] = [
            Some(u.code.as_bytes()),
            Some(u.level.as_str().as_bytes()),
            Some(u.name.as_bytes()),
            Some(u.name_key.as_bytes()),
            Some(u.unit_type.label().as_bytes()),
            u.parent_code.as_deref().map(str::as_bytes),
            Some(&ewkb),
            Some(&upload_id.to_be_bytes()),
            Some(&valid_from),
        ];
        crate::copy_binary::row(&mut data, &fields);
    }
    crate::copy_binary::trailer(&mut data);
    let mut copy = tx
        .copy_in_raw("COPY admin_units (code, level, name, name_key, unit_type, parent_code, geom, upload_id, valid_from) FROM STDIN (FORMAT binary)")
        .await?;
    copy.send(data).await?;
    copy.finish().await?;
    Ok(())
}

fn unit_from_row(row: &sqlx::postgres::PgRow) -> Result<AdminUnit> {
    let code: String = row.try_get("code")?;
    let level: String = row.try_get("level")?;
    let unit_type: String = row.try_get("unit_type")?;
    let geometry = crate::layers::multipolygon_of(code.clone(), row.try_get("wkb")?)?;
    Ok(AdminUnit {
        level: level.parse().map_err(|_| StoreError::Unknown {
            code: code.clone(),
            what: "level",
            value: level.clone(),
        })?,
        unit_type: UnitType::ALL
            .into_iter()
            .find(|t| t.label() == unit_type)
            .ok_or_else(|| StoreError::Unknown {
                code: code.clone(),
                what: "unit type",
                value: unit_type.clone(),
            })?,
        name: row.try_get("name")?,
        name_key: row.try_get("name_key")?,
        parent_code: row.try_get("parent_code")?,
        geometry,
        code,
    })
}

/// Every current unit as `conn` sees the database.
pub(crate) async fn current_units_in(conn: &mut sqlx::PgConnection) -> Result<Vec<AdminUnit>> {
    let rows = sqlx::query(&format!("{SELECT_CURRENT} ORDER BY code"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(unit_from_row).collect()
}
