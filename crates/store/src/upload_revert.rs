//! Undoing a boundary upload: the versions it closed written again, the ones it wrote
//! closed, as a new upload with its audit entry, in one transaction.

use crate::edits::{begin_as, record, Author, Writing};
use crate::error::{Result, StoreError};
use crate::units::{check_no_orphans, lock_units};
use crate::Store;
use covidmap_core::{Entity, Level};
use serde::Serialize;

/// What reverting an upload did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
        let mut tx = begin_as(&self.pool, Some(author), Writing::Revert).await?;
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
