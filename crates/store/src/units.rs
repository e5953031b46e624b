//! Administrative units: reading current units, applying an upload as one versioned
//! transaction, history.

use crate::edits::{record, Author};
use crate::error::{Result, StoreError};
use crate::Store;
use chrono::{DateTime, Utc};
use covidmap_core::{diff_units, AdminUnit, Entity, Level, UnitDiff, UnitType};
use geo::{Geometry, MultiPolygon};
use geozero::wkb::Wkb;
use geozero::{CoordDimensions, ToGeo, ToWkb};
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

    /// Whether no unit has ever been stored.
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(
            sqlx::query_scalar::<_, bool>("SELECT NOT EXISTS (SELECT 1 FROM admin_units)")
                .fetch_one(&self.pool)
                .await?,
        )
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

    /// Current units as a GeoJSON FeatureCollection (built by PostGIS), filtered by level and
    /// parent code.
    ///
    /// # Errors
    /// The database fails.
    pub async fn units_geojson(
        &self,
        level: Option<Level>,
        parent: Option<&str>,
    ) -> Result<String> {
        let sql = "SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
                json_build_object('type', 'Feature', 'id', code,
                    'geometry', ST_AsGeoJSON(geom, 6)::json,
                    'properties', json_build_object('code', code, 'name', name, 'type', unit_type,
                        'level', level, 'parent_code', parent_code)) ORDER BY code), '[]'::json))::text
            FROM admin_units_current
            WHERE ($1::text IS NULL OR level = $1) AND ($2::text IS NULL OR parent_code = $2)";
        Ok(sqlx::query_scalar::<_, String>(sql)
            .bind(level.map(Level::as_str))
            .bind(parent)
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
        } = *change;
        let mut tx = self.pool.begin().await?;
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
            .collect();
        sqlx::query(
            "UPDATE admin_units SET valid_to = $2 WHERE valid_to IS NULL AND code = ANY($1)",
        )
        .bind(&closing)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        check_no_orphans(&mut tx, &diff.removed).await?;
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
            let after = serde_json::to_value(&diff).unwrap_or_default();
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
async fn lock_units(tx: &mut Transaction<'_, Postgres>) -> Result<DateTime<Utc>> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('covidmap.admin_units'))")
        .execute(&mut **tx)
        .await?;
    Ok(sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(&mut **tx)
        .await?)
}

/// Current units under the scope's parents, plus any current unit holding an incoming code
/// (a unit moving to another parent is a change, not an addition).
async fn current_in_scope(
    tx: &mut Transaction<'_, Postgres>,
    level: Level,
    scope: &[String],
    codes: &[&str],
) -> Result<Vec<AdminUnit>> {
    let sql = format!(
        "{SELECT_CURRENT} WHERE (level = $1 AND (parent_code = ANY($2) OR ($1 = 'province'))) OR code = ANY($3) ORDER BY code"
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

async fn check_no_orphans(tx: &mut Transaction<'_, Postgres>, removed: &[String]) -> Result<()> {
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
    let valid_from = copy_binary::timestamptz(at);
    let mut data = copy_binary::header();
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
        copy_binary::row(&mut data, &fields);
    }
    copy_binary::trailer(&mut data);
    let mut copy = tx
        .copy_in_raw("COPY admin_units (code, level, name, name_key, unit_type, parent_code, geom, upload_id, valid_from) FROM STDIN (FORMAT binary)")
        .await?;
    copy.send(data).await?;
    copy.finish().await?;
    Ok(())
}

/// PostgreSQL's binary `COPY` format (see the `COPY` reference, "Binary Format").
mod copy_binary {
    /// Signature, flags (none) and header extension length (none).
    pub fn header() -> Vec<u8> {
        let mut data = b"PGCOPY\n\xff\r\n\0".to_vec();
        data.extend(0_i32.to_be_bytes());
        data.extend(0_i32.to_be_bytes());
        data
    }

    /// One tuple: the field count, then each field's length (−1 for NULL) and bytes.
    pub fn row(data: &mut Vec<u8>, fields: &[Option<&[u8]>]) {
        data.extend(
            i16::try_from(fields.len())
                .unwrap_or(i16::MAX)
                .to_be_bytes(),
        );
        for field in fields {
            match field {
                None => data.extend((-1_i32).to_be_bytes()),
                Some(bytes) => {
                    data.extend(i32::try_from(bytes.len()).unwrap_or(i32::MAX).to_be_bytes());
                    data.extend_from_slice(bytes);
                }
            }
        }
    }

    /// The end-of-data marker.
    pub fn trailer(data: &mut Vec<u8>) {
        data.extend((-1_i16).to_be_bytes());
    }

    /// A `timestamptz`: microseconds since 2000-01-01 00:00 UTC.
    pub fn timestamptz(at: chrono::DateTime<chrono::Utc>) -> [u8; 8] {
        const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;
        (at.timestamp_micros() - POSTGRES_EPOCH_MICROS).to_be_bytes()
    }
}

fn unit_from_row(row: &sqlx::postgres::PgRow) -> Result<AdminUnit> {
    let code: String = row.try_get("code")?;
    let level: String = row.try_get("level")?;
    let unit_type: String = row.try_get("unit_type")?;
    let wkb: Vec<u8> = row.try_get("wkb")?;
    let geometry = match Wkb(wkb).to_geo() {
        Ok(Geometry::MultiPolygon(mp)) => mp,
        Ok(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
        Ok(_) => {
            return Err(StoreError::Geometry {
                code,
                reason: "not polygonal".into(),
            })
        }
        Err(e) => {
            return Err(StoreError::Geometry {
                code,
                reason: e.to_string(),
            })
        }
    };
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

/// What reverting an upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevertedUpload {
    /// The upload reverted.
    pub reverted: i64,
    /// The upload the revert was recorded as.
    pub upload_id: i64,
    /// Units given back the version they had before (changed or removed by the upload).
    pub restored: Vec<String>,
    /// Units the upload had added, closed again.
    pub removed: Vec<String>,
}

impl Store {
    /// The level of an upload's units and the parents they lie in (before and after it);
    /// `None` when there is no such upload.
    ///
    /// # Errors
    /// The database fails.
    pub async fn upload_parents(&self, upload_id: i64) -> Result<Option<(Level, Vec<String>)>> {
        let row: Option<(String, Option<Vec<String>>)> = sqlx::query_as(
            "SELECT up.level, (SELECT array_agg(DISTINCT parent_code) FROM admin_units u
                               WHERE u.parent_code IS NOT NULL
                                 AND (u.upload_id = up.id OR u.valid_to = up.uploaded_at))
             FROM uploads up WHERE up.id = $1",
        )
        .bind(upload_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(level, parents)| {
            let level = level.parse::<Level>().map_err(|_| StoreError::Unknown {
                code: format!("upload {upload_id}"),
                what: "level",
                value: level.clone(),
            })?;
            Ok((level, parents.unwrap_or_default()))
        })
        .transpose()
    }

    /// Puts the units an upload touched back as they were before it, as a new upload: the
    /// versions it closed are written again, the ones it wrote are closed.
    ///
    /// # Errors
    /// [`StoreError::NoSuchUpload`]; [`StoreError::ChangedSince`] when a unit it touched
    /// was changed again by a later upload (revert that one first); [`StoreError::WouldOrphan`]
    /// when a unit it added has units below it now. Nothing is written then.
    pub async fn revert_upload(&self, upload_id: i64, author: &Author) -> Result<RevertedUpload> {
        let uploaded_by = author.org_name.as_str();
        let mut tx = self.pool.begin().await?;
        let now = lock_units(&mut tx).await?;
        let upload: Option<(String, chrono::DateTime<chrono::Utc>, String)> =
            sqlx::query_as("SELECT level, uploaded_at, source_file FROM uploads WHERE id = $1")
                .bind(upload_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((level, at, source_file)) = upload else {
            return Err(StoreError::NoSuchUpload(upload_id));
        };
        // What the upload wrote, and what it closed (closed in its own transaction).
        let written: Vec<(String, bool)> = sqlx::query_as(
            "SELECT code, valid_to IS NULL FROM admin_units WHERE upload_id = $1 ORDER BY code",
        )
        .bind(upload_id)
        .fetch_all(&mut *tx)
        .await?;
        let closed: Vec<String> =
            sqlx::query_scalar("SELECT code FROM admin_units WHERE valid_to = $1 ORDER BY code")
                .bind(at)
                .fetch_all(&mut *tx)
                .await?;
        if let Some((code, _)) = written.iter().find(|(_, current)| !current) {
            return Err(StoreError::ChangedSince {
                code: code.clone(),
                upload_id,
            });
        }
        let written_codes: Vec<String> = written.into_iter().map(|(c, _)| c).collect();
        // A unit the upload removed must not have come back since.
        let back: Option<String> = sqlx::query_scalar(
            "SELECT min(code) FROM admin_units WHERE valid_to IS NULL AND code = ANY($1) AND NOT (code = ANY($2))",
        )
        .bind(&closed)
        .bind(&written_codes)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(code) = back {
            return Err(StoreError::ChangedSince { code, upload_id });
        }
        let removed: Vec<String> = written_codes
            .iter()
            .filter(|c| !closed.contains(c))
            .cloned()
            .collect();
        let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let new_upload: i64 = sqlx::query_scalar(
            "INSERT INTO uploads (level, source_file, source_crs, uploaded_by, added, changed, removed, notes, uploaded_at)
             VALUES ($1, $2, 'EPSG:4326', $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&level)
        .bind(format!("revert of upload {upload_id} ({source_file})"))
        .bind(uploaded_by)
        .bind(count(closed.len() - closed.iter().filter(|c| written_codes.contains(c)).count()))
        .bind(count(closed.iter().filter(|c| written_codes.contains(c)).count()))
        .bind(count(removed.len()))
        .bind(serde_json::json!([format!("reverts upload {upload_id}")]))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE admin_units SET valid_to = $2 WHERE upload_id = $1 AND valid_to IS NULL",
        )
        .bind(upload_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO admin_units (code, level, name, name_key, unit_type, parent_code, geom, upload_id, valid_from)
             SELECT code, level, name, name_key, unit_type, parent_code, geom, $2, $3 FROM admin_units WHERE valid_to = $1",
        )
        .bind(at)
        .bind(new_upload)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        check_no_orphans(&mut tx, &removed).await?;
        let reverted = RevertedUpload {
            reverted: upload_id,
            upload_id: new_upload,
            restored: closed,
            removed,
        };
        let after = serde_json::to_value(&reverted).unwrap_or_default();
        let id = new_upload.to_string();
        record(
            &mut tx,
            author,
            "revert_upload",
            Entity::Boundaries,
            &id,
            after,
        )
        .await?;
        tx.commit().await?;
        Ok(reverted)
    }
}

/// Every current unit as `conn` sees the database.
pub(crate) async fn current_units_in(conn: &mut sqlx::PgConnection) -> Result<Vec<AdminUnit>> {
    let rows = sqlx::query(&format!("{SELECT_CURRENT} ORDER BY code"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(unit_from_row).collect()
}
