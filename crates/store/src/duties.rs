//! What freshness is judged from: the duties as set, when each organisation last changed
//! each layer it owes (from the change log), and how many communes of each district have a
//! day's figures.

use crate::{Result, Store};
use chrono::{DateTime, NaiveDate, Utc};
use covidmap_core::documents::DocumentKind;
use covidmap_core::duties::Duty;
use covidmap_core::Entity;
use sqlx::Row;
use std::collections::HashMap;

/// A duty as set, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetDuty {
    /// The duty.
    pub duty: Duty,
    /// When it was set (a duty nobody has done yet is due from then).
    pub set_at: DateTime<Utc>,
}

/// A district's communes, and how many of them have figures for a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Coverage {
    /// Current communes.
    pub communes: usize,
    /// Of them, those with figures for the day.
    pub reported: usize,
}

impl Store {
    /// The duties as set, by layer and kind.
    ///
    /// # Errors
    /// The database fails or holds a duty this code cannot read.
    pub async fn duties(&self) -> Result<Vec<SetDuty>> {
        let rows = sqlx::query(
            "SELECT entity, org_kind, every, set_at FROM duties ORDER BY entity, org_kind",
        )
        .fetch_all(self.pool())
        .await?;
        let mut set = Vec::with_capacity(rows.len());
        for r in &rows {
            let (entity, kind, every): (String, String, String) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            // A row written by hand that the code cannot read is left out, not the whole
            // answer: the others' standings still matter.
            match Duty::parse(&entity, &kind, &every) {
                Ok(duty) => set.push(SetDuty {
                    duty,
                    set_at: r.try_get(3)?,
                }),
                Err(e) => tracing::warn!(entity, kind, every, error = %e, "duty left out"),
            }
        }
        Ok(set)
    }

    /// Sets a duty (a new one, or a new cadence for one there is: a duty nobody has done yet
    /// is due from when its cadence was last changed, not from each time it is set again).
    ///
    /// # Errors
    /// The database fails.
    pub async fn set_duty(&self, duty: &Duty) -> Result<()> {
        sqlx::query(
            "INSERT INTO duties (entity, org_kind, every) VALUES ($1, $2, $3) \
             ON CONFLICT (entity, org_kind) DO UPDATE SET every = EXCLUDED.every, \
               set_at = CASE WHEN duties.every = EXCLUDED.every THEN duties.set_at ELSE now() END",
        )
        .bind(duty.entity.name())
        .bind(duty.kind.as_str())
        .bind(duty.every.to_string())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Removes a duty; whether there was one.
    ///
    /// # Errors
    /// The database fails.
    pub async fn remove_duty(&self, entity: Entity, kind: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM duties WHERE entity = $1 AND org_kind = $2")
            .bind(entity.name())
            .bind(kind)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// When each of these layers last changed, by anyone (none: never, or not since the
    /// log's retention dropped it).
    ///
    /// # Errors
    /// The database fails.
    pub async fn layers_last_changed(
        &self,
        entities: &[Entity],
    ) -> Result<HashMap<Entity, DateTime<Utc>>> {
        let tables: Vec<&str> = entities.iter().map(|e| e.table()).collect();
        // Directives and support policies share a table; their kind tells them apart.
        let kinds: Vec<Option<&str>> = entities
            .iter()
            .map(|e| {
                DocumentKind::ALL
                    .into_iter()
                    .find(|k| k.entity() == *e)
                    .map(DocumentKind::as_str)
            })
            .collect();
        // One round trip; CASE runs only the branch that applies, each a plain probe of the
        // (entity, kind, at) index.
        let rows = sqlx::query(
            "SELECT CASE WHEN p.k IS NULL \
                    THEN (SELECT max(c.at) FROM change_log c WHERE c.entity = p.t AND c.kind IS NULL) \
                    ELSE (SELECT max(c.at) FROM change_log c WHERE c.entity = p.t AND c.kind = p.k) END \
             FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(t, k, n) ORDER BY n",
        )
        .bind(&tables)
        .bind(&kinds)
        .fetch_all(self.pool())
        .await?;
        let mut last = HashMap::new();
        for (entity, row) in entities.iter().zip(&rows) {
            if let Some(at) = row.try_get::<Option<DateTime<Utc>>, _>(0)? {
                last.insert(*entity, at);
            }
        }
        Ok(last)
    }

    /// When each organisation last changed each layer, for these (organisation, layer)
    /// pairs.
    ///
    /// # Errors
    /// The database fails.
    pub async fn last_changed_by(
        &self,
        pairs: &[(String, Entity)],
    ) -> Result<HashMap<(String, Entity), DateTime<Utc>>> {
        let orgs: Vec<&str> = pairs.iter().map(|(o, _)| o.as_str()).collect();
        let tables: Vec<&str> = pairs.iter().map(|(_, e)| e.table()).collect();
        let rows = sqlx::query(
            "SELECT (SELECT max(c.at) FROM change_log c WHERE c.org_id = p.org AND c.entity = p.t) \
             FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS p(org, t, n) ORDER BY n",
        )
        .bind(&orgs)
        .bind(&tables)
        .fetch_all(self.pool())
        .await?;
        let mut last = HashMap::new();
        for (pair, row) in pairs.iter().zip(&rows) {
            if let Some(at) = row.try_get::<Option<DateTime<Utc>>, _>(0)? {
                last.insert(pair.clone(), at);
            }
        }
        Ok(last)
    }

    /// For each unit with communes directly below it (a district; the province of a
    /// two-tier one), its current communes and how many have figures for `day`.
    ///
    /// # Errors
    /// The database fails.
    pub async fn figures_coverage(&self, day: NaiveDate) -> Result<HashMap<String, Coverage>> {
        let rows = sqlx::query(
            "SELECT c.parent_code, count(*) AS communes, count(f.id) AS reported \
             FROM admin_units c \
             LEFT JOIN daily_figures f ON f.commune_code = c.code AND f.day = $1 AND f.valid_to IS NULL \
             WHERE c.valid_to IS NULL AND c.level = 'commune' GROUP BY c.parent_code",
        )
        .bind(day)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let count = |column: &str| -> Result<usize> {
                    Ok(usize::try_from(r.try_get::<i64, _>(column)?).unwrap_or(0))
                };
                Ok((
                    r.try_get("parent_code")?,
                    Coverage {
                        communes: count("communes")?,
                        reported: count("reported")?,
                    },
                ))
            })
            .collect()
    }
}
