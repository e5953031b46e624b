//! What a database holds: nothing, the generated sample of the demo, or real data. The
//! sample goes only into a database that holds nothing at all, and is marked as it goes in,
//! so that generated lockdowns and figures can never be taken for real ones.

use crate::{Result, Store, StoreError};
use covidmap_core::Entity;

/// What a database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// Nothing: no unit, layer, figure, document, organisation or audit entry.
    Empty,
    /// The generated sample (and whatever the demo's users wrote over it).
    Sample,
    /// Real data; `what` names the first kind found (`admin_units`, `organisations` …).
    Real {
        /// The first table found holding rows.
        what: &'static str,
    },
}

/// Tables that hold something once anything was loaded or written, besides the entities'.
const OTHER_TABLES: [&str; 4] = ["uploads", "organisations", "api_tokens", "audit_log"];

/// The tables to look in, each once (daily figures and directives share theirs with others).
fn tables() -> Vec<&'static str> {
    let mut tables: Vec<&'static str> = OTHER_TABLES.to_vec();
    for table in Entity::ALL.iter().map(|e| e.table()) {
        if !tables.contains(&table) {
            tables.push(table);
        }
    }
    tables
}

impl Store {
    /// What the database holds.
    ///
    /// # Errors
    /// The database fails.
    pub async fn contents(&self) -> Result<Contents> {
        let mut conn = self.pool.acquire().await?;
        contents(&mut conn).await
    }

    /// Whether the database holds the generated sample.
    ///
    /// # Errors
    /// The database fails.
    pub async fn is_sample(&self) -> Result<bool> {
        let mut conn = self.pool.acquire().await?;
        sample_marked(&mut conn).await
    }

    /// Marks a database that holds nothing at all as the demo's, before the sample is
    /// loaded into it: `true` when it was marked now, `false` when it was the demo's already.
    ///
    /// # Errors
    /// [`StoreError::HoldsRealData`] when it holds anything real; nothing is changed.
    pub async fn mark_sample(&self, seed: u64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        // Two processes loading the sample at once: one marks, the other finds it marked.
        sqlx::query("LOCK TABLE sample_dataset IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        match contents(&mut tx).await? {
            Contents::Sample => return Ok(false),
            Contents::Real { what } => return Err(StoreError::HoldsRealData { what }),
            Contents::Empty => {}
        }
        sqlx::query("INSERT INTO sample_dataset (seed) VALUES ($1)")
            .bind(i64::try_from(seed).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

async fn sample_marked(conn: &mut sqlx::PgConnection) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sample_dataset)")
            .fetch_one(conn)
            .await?,
    )
}

async fn contents(conn: &mut sqlx::PgConnection) -> Result<Contents> {
    if sample_marked(&mut *conn).await? {
        return Ok(Contents::Sample);
    }
    for table in tables() {
        // `table` comes from the list above, never from a request.
        let holds: bool = sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {table})"))
            .fetch_one(&mut *conn)
            .await?;
        if holds {
            return Ok(Contents::Real { what: table });
        }
    }
    Ok(Contents::Empty)
}
