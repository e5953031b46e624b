#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod agencies;
mod changes;
mod copy_binary;
mod dataset;
mod documents;
mod duties;
mod edits;
mod error;
mod figures;
mod layers;
pub mod local;
mod ogc;
mod placed;
mod reads;
mod unit_changes;
mod units;
mod upload_revert;
pub mod webhooks;

pub use agencies::{TokenInfo, TOKEN_PREFIX};
pub use changes::{ChangeHints, FeatureChange, LogBounds, CHANNEL};
pub use covidmap_core::agency::Caller;
pub use dataset::Contents;
pub use documents::Pdf;
pub use duties::{Coverage, SetDuty};
pub use edits::{new_id, AuditEntry, Author, Edited, Write};
pub use error::{Result, StoreError};
pub use ogc::{CollectionMark, OgcFeature};
pub use reads::{FeaturePage, FeatureQuery};
pub use unit_changes::ChangesApplied;
pub use units::{Applied, Health, Provenance, UnitVersion, UnitsChange};
pub use upload_revert::RevertedUpload;

use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

/// The PostGIS database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
}

/// How long a request waits for a database connection before it is told the database is
/// unavailable: an agency's write is answered within 2 s either way (a database that is down
/// refuses connections, which the pool retries until then).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

impl Store {
    /// Connects and applies the embedded migrations.
    ///
    /// # Errors
    /// The server cannot be reached or a migration fails.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            // Past this, the database is taken to be down and the request is answered 503
            // with Retry-After. A burst of writes that keeps every connection busy for longer
            // is told the same, and retries: better than a caller left waiting.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The connection pool, for queries the store does not wrap.
    #[must_use]
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
