//! What the handlers need from the data layer, so they can be tested without a database;
//! in production, `covidmap-live`'s data.

use chrono::{DateTime, Utc};
use covidmap_core::Level;
use covidmap_live::{DataChange, LiveData};
use covidmap_lookup::Snapshot;
use covidmap_store::{FeatureChange, Health, LogBounds, Store, StoreError};
use covidmap_tiles::TileCache;
use covidmap_tiles::TileData;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::watch;

/// The data behind the API.
pub trait Backend: Send + Sync + 'static {
    /// Counts per level; an error means the database is unreachable.
    fn health(&self) -> impl Future<Output = Result<Health, StoreError>> + Send;
    /// Units as a GeoJSON FeatureCollection: the current ones, or those in force at `at`.
    fn units_geojson(
        &self,
        level: Option<Level>,
        parent: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
    /// The in-memory snapshot lookups are answered from.
    fn snapshot(&self) -> Arc<Snapshot>;
    /// The data tiles are rendered from (published together with the snapshot).
    fn tile_data(&self) -> Arc<TileData>;
    /// The tile cache.
    fn tile_cache(&self) -> &TileCache;
    /// The database writes go to; `None` where there is none (handler tests without a
    /// database), and writes answer 503.
    fn store(&self) -> Option<&Store>;
    /// Each publication of new data, for the change stream; `None` where data never changes.
    fn changes(&self) -> Option<watch::Receiver<DataChange>> {
        None
    }
    /// Up to `limit` changes this node has applied after `after`, in order, with their
    /// features.
    fn changes_after(
        &self,
        _after: i64,
        _limit: usize,
    ) -> impl Future<Output = Result<Vec<Arc<FeatureChange>>, StoreError>> + Send {
        async { Ok(Vec::new()) }
    }
    /// How far retention has trimmed the change log.
    fn change_log_bounds(&self) -> impl Future<Output = Result<LogBounds, StoreError>> + Send {
        async { Ok(LogBounds::default()) }
    }
}

impl Backend for LiveData {
    async fn health(&self) -> Result<Health, StoreError> {
        self.store().health().await
    }

    async fn units_geojson(
        &self,
        level: Option<Level>,
        parent: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> Result<String, StoreError> {
        self.store().units_geojson(level, parent, at).await
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        LiveData::snapshot(self)
    }

    fn tile_data(&self) -> Arc<TileData> {
        LiveData::tile_data(self)
    }

    fn tile_cache(&self) -> &TileCache {
        LiveData::tile_cache(self)
    }

    fn store(&self) -> Option<&Store> {
        Some(LiveData::store(self))
    }

    fn changes(&self) -> Option<watch::Receiver<DataChange>> {
        Some(self.subscribe())
    }

    async fn changes_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Arc<FeatureChange>>, StoreError> {
        LiveData::changes_after(self, after, limit).await
    }

    async fn change_log_bounds(&self) -> Result<LogBounds, StoreError> {
        self.store().change_log_bounds().await
    }
}
