//! Daily figures and returning workers: versioned writes with audit entries, and sums per day
//! over a commune, a district or the province.

use crate::edits::{Author, Edited, Version, Write};
use crate::{Result, Store};
use chrono::NaiveDate;
use covidmap_core::figures::{CaseCounts, DailyFigures, DayTotals, ReturningWorkers};
use covidmap_core::Entity;
use sqlx::Row;

impl Store {
    /// Writes a commune's figures for a day (a new version when the day has some already).
    ///
    /// # Errors
    /// The database refuses them (negative counts) or fails; nothing is written.
    pub async fn put_figures(&self, figures: &DailyFigures, author: &Author) -> Result<Edited> {
        let id = figures.id();
        let c = figures.counts;
        let insert = sqlx::query(
            "INSERT INTO daily_figures (id, commune_code, day, new_cases, active, recovered, deaths, in_quarantine, changed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(&figures.commune_code)
        .bind(figures.day)
        .bind(c.new_cases)
        .bind(c.active)
        .bind(c.recovered)
        .bind(c.deaths)
        .bind(c.in_quarantine)
        .bind(&author.org_name);
        let version = Version {
            entity: Entity::DailyFigures,
            id: &id,
            write: Write::Any,
            insert,
            action: None,
        };
        self.write_one(version, author).await
    }

    /// Writes the workers who came back to a commune on a day.
    ///
    /// # Errors
    /// As for [`Store::put_figures`].
    pub async fn put_returning_workers(
        &self,
        workers: &ReturningWorkers,
        author: &Author,
    ) -> Result<Edited> {
        let id = workers.id();
        let insert = sqlx::query(
            "INSERT INTO returning_workers (id, commune_code, day, arrived, changed_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(&workers.commune_code)
        .bind(workers.day)
        .bind(workers.arrived)
        .bind(&author.org_name);
        let version = Version {
            entity: Entity::ReturningWorkers,
            id: &id,
            write: Write::Any,
            insert,
            action: None,
        };
        self.write_one(version, author).await
    }

    /// Writes many days of figures at once, as first versions without audit entries (the
    /// sample data).
    ///
    /// # Errors
    /// The database refuses a row; nothing is written.
    pub async fn insert_figures(&self, figures: &[DailyFigures], changed_by: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for f in figures {
            let c = f.counts;
            sqlx::query(
                "INSERT INTO daily_figures (id, commune_code, day, new_cases, active, recovered, deaths, in_quarantine, changed_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(f.id())
            .bind(&f.commune_code)
            .bind(f.day)
            .bind(c.new_cases)
            .bind(c.active)
            .bind(c.recovered)
            .bind(c.deaths)
            .bind(c.in_quarantine)
            .bind(changed_by)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether no figures are stored yet.
    ///
    /// # Errors
    /// The database fails.
    pub async fn figures_empty(&self) -> Result<bool> {
        Ok(
            sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM daily_figures)")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The sums per day from `from` to `to` over the communes of `unit` (a district or a
    /// commune; `None`: the whole province), days without any report left out.
    ///
    /// # Errors
    /// The database fails.
    pub async fn figure_series(
        &self,
        unit: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DayTotals>> {
        let rows = sqlx::query(
            "WITH communes AS (
                 SELECT code FROM admin_units_current
                 WHERE level = 'commune' AND ($1::text IS NULL OR code = $1 OR parent_code = $1)
             ), cases AS (
                 SELECT day, sum(new_cases) AS new_cases, sum(active) AS active, sum(recovered) AS recovered,
                        sum(deaths) AS deaths, sum(in_quarantine) AS in_quarantine, count(*) AS communes_reporting
                 FROM daily_figures WHERE valid_to IS NULL AND day BETWEEN $2 AND $3
                   AND commune_code IN (SELECT code FROM communes) GROUP BY day
             ), workers AS (
                 SELECT day, sum(arrived) AS arrived FROM returning_workers
                 WHERE valid_to IS NULL AND day BETWEEN $2 AND $3
                   AND commune_code IN (SELECT code FROM communes) GROUP BY day
             )
             SELECT coalesce(c.day, w.day) AS day, coalesce(c.new_cases, 0)::int AS new_cases,
                    coalesce(c.active, 0)::int AS active, coalesce(c.recovered, 0)::int AS recovered,
                    coalesce(c.deaths, 0)::int AS deaths, coalesce(c.in_quarantine, 0)::int AS in_quarantine,
                    coalesce(w.arrived, 0)::bigint AS arrived, coalesce(c.communes_reporting, 0) AS communes_reporting
             FROM cases c FULL JOIN workers w ON w.day = c.day ORDER BY 1",
        )
        .bind(unit)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| day_totals(r, r.try_get("day")?))
            .collect()
    }

    /// Each district's sums for one day, by district code.
    ///
    /// # Errors
    /// The database fails.
    pub async fn district_totals(&self, day: NaiveDate) -> Result<Vec<(String, DayTotals)>> {
        let rows = sqlx::query(
            "SELECT d.code, coalesce(sum(f.new_cases), 0)::int AS new_cases, coalesce(sum(f.active), 0)::int AS active,
                    coalesce(sum(f.recovered), 0)::int AS recovered, coalesce(sum(f.deaths), 0)::int AS deaths,
                    coalesce(sum(f.in_quarantine), 0)::int AS in_quarantine, count(f.id) AS communes_reporting,
                    coalesce((SELECT sum(w.arrived) FROM returning_workers w JOIN admin_units_current c2 ON c2.code = w.commune_code
                              WHERE w.valid_to IS NULL AND w.day = $1 AND c2.parent_code = d.code), 0)::bigint AS arrived
             FROM admin_units_current d
             LEFT JOIN admin_units_current c ON c.parent_code = d.code AND c.level = 'commune'
             LEFT JOIN daily_figures f ON f.commune_code = c.code AND f.valid_to IS NULL AND f.day = $1
             WHERE d.level = 'district' GROUP BY d.code ORDER BY d.code",
        )
        .bind(day)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("code")?, day_totals(r, day)?)))
            .collect()
    }

    /// The latest day with figures, if any.
    ///
    /// # Errors
    /// The database fails.
    pub async fn latest_figures_day(&self) -> Result<Option<NaiveDate>> {
        Ok(
            sqlx::query_scalar("SELECT max(day) FROM daily_figures WHERE valid_to IS NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

/// One day's sums, from a row with the summed columns `new_cases`, `active`, `recovered`,
/// `deaths`, `in_quarantine`, `arrived` and `communes_reporting`.
fn day_totals(r: &sqlx::postgres::PgRow, day: NaiveDate) -> Result<DayTotals> {
    Ok(DayTotals {
        day,
        counts: CaseCounts {
            new_cases: r.try_get("new_cases")?,
            active: r.try_get("active")?,
            recovered: r.try_get("recovered")?,
            deaths: r.try_get("deaths")?,
            in_quarantine: r.try_get("in_quarantine")?,
        },
        returning_workers: r.try_get("arrived")?,
        communes_reporting: r.try_get("communes_reporting")?,
    })
}
