//! What the handlers need from the data layer, so they can be tested without a database.

use covidmap_core::Level;
use covidmap_store::{Health, Store, StoreError};
use std::future::Future;

/// The data behind the API.
pub trait Backend: Send + Sync + 'static {
    /// Counts per level; an error means the database is unreachable.
    fn health(&self) -> impl Future<Output = Result<Health, StoreError>> + Send;
    /// Current units as a GeoJSON FeatureCollection.
    fn units_geojson(
        &self,
        level: Option<Level>,
        parent: Option<&str>,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
}

impl Backend for Store {
    async fn health(&self) -> Result<Health, StoreError> {
        Store::health(self).await
    }

    async fn units_geojson(
        &self,
        level: Option<Level>,
        parent: Option<&str>,
    ) -> Result<String, StoreError> {
        Store::units_geojson(self, level, parent).await
    }
}
