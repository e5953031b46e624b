#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use covidmap_lookup::Snapshot;
use covidmap_store::{Store, StoreError};
use covidmap_tiles::{TileCache, TileData};
use std::sync::Arc;
use tokio::sync::watch;

/// What each publication of new data tells those who follow it (the pages' change stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DataChange {
    /// When the data last changed (as status answers say).
    pub data_changed_at: Option<DateTime<Utc>>,
    /// Whether boundaries changed (not only layers).
    pub boundaries: bool,
    /// The server is stopping: streams end so that it can.
    #[serde(skip)]
    pub closing: bool,
}

/// The data a node serves: its store, and the snapshot and tile data loaded from it and
/// kept current by the change feed.
pub struct LiveData {
    store: Store,
    snapshot: ArcSwap<Snapshot>,
    tile_data: ArcSwap<TileData>,
    tile_cache: TileCache,
    changes: watch::Sender<DataChange>,
}

/// Default byte budget of the tile cache (`covidmap serve --tile-cache-mb`).
pub const DEFAULT_TILE_CACHE_BYTES: u64 = 256 << 20;

impl LiveData {
    /// Loads the snapshot of every current unit and layer.
    ///
    /// # Errors
    /// The database fails.
    pub async fn load(store: Store) -> Result<Self, SnapshotError> {
        Self::load_with_cache(store, DEFAULT_TILE_CACHE_BYTES).await
    }

    /// The same, with a tile cache of `tile_cache_bytes`.
    ///
    /// # Errors
    /// The database fails.
    pub async fn load_with_cache(
        store: Store,
        tile_cache_bytes: u64,
    ) -> Result<Self, SnapshotError> {
        let (snapshot, tiles) = read_snapshot(&store).await?;
        let (changes, _) = watch::channel(DataChange {
            data_changed_at: snapshot.last_changed(),
            boundaries: false,
            closing: false,
        });
        Ok(LiveData {
            store,
            snapshot: ArcSwap::from_pointee(snapshot),
            tile_data: ArcSwap::from_pointee(tiles),
            tile_cache: TileCache::new(tile_cache_bytes),
            changes,
        })
    }

    /// Ends every change stream (the server is stopping and waits for open responses).
    pub fn close_changes(&self) {
        self.changes.send_modify(|c| c.closing = true);
    }

    /// Reloads the snapshot from the database; answers switch to it atomically.
    ///
    /// # Errors
    /// The database fails; the old snapshot stays in use.
    pub async fn reload(&self) -> Result<(), SnapshotError> {
        let (snapshot, tiles) = read_snapshot(&self.store).await?;
        self.replace(snapshot, tiles, true).await
    }

    /// Reloads the layers only, keeping the indexed units (a layer changed, not a boundary).
    ///
    /// # Errors
    /// The database fails; the old snapshot stays in use.
    pub async fn reload_layers(&self) -> Result<(), SnapshotError> {
        let layers = self.store.current_layers().await?;
        let (current, current_tiles) = (self.snapshot(), self.tile_data());
        let (snapshot, tiles) = tokio::task::spawn_blocking(move || {
            let tiles = current_tiles.with_new_layers(&layers);
            (current.with_new_layers(layers), tiles)
        })
        .await?;
        self.replace(snapshot, tiles, false).await
    }

    /// Switches answers and tiles to the new data, dropping the cached tiles it changes, and
    /// tells the change stream. The old data is freed off the async runtime: dropping
    /// thousands of boundaries takes milliseconds a request should not wait for.
    async fn replace(
        &self,
        snapshot: Snapshot,
        tiles: TileData,
        boundaries: bool,
    ) -> Result<(), SnapshotError> {
        let data_changed_at = snapshot.last_changed();
        let old = self.snapshot();
        let snapshot = Arc::new(snapshot);
        let new = Arc::clone(&snapshot);
        let extents = tokio::task::spawn_blocking(move || {
            covidmap_tiles::Change {
                old_units: old.units(),
                new_units: new.units(),
                old_layers: old.layers(),
                new_layers: new.layers(),
                units_changed: !old.same_units(&new),
                layers_changed: !old.same_layers(&new),
            }
            .extents()
        })
        .await?;
        let (mut old_snapshot, mut old_tiles) = (None, None);
        self.tile_cache.publish(Some(&extents), || {
            old_snapshot = Some(self.snapshot.swap(snapshot));
            old_tiles = Some(self.tile_data.swap(Arc::new(tiles)));
        });
        tracing::debug!(changed = extents.len(), "published new data");
        self.changes.send_modify(|c| {
            c.data_changed_at = data_changed_at;
            c.boundaries = boundaries;
        });
        tokio::task::spawn_blocking(move || drop((old_snapshot, old_tiles)));
        Ok(())
    }
}

/// The tables whose changes need the units indexed again (the gazetteer reads former names
/// from the administrative changes); any other is a layer.
const UNIT_TABLES: [&str; 2] = ["admin_units", "unit_changes"];

/// Why the snapshot could not be (re)built.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Reading units or layers failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The indexing worker failed.
    #[error("indexing the snapshot failed: {0}")]
    Indexing(#[from] tokio::task::JoinError),
}

/// Units and layers as they are now, indexed for lookups and for tiles (the indexing runs
/// off the async runtime).
async fn read_snapshot(store: &Store) -> Result<(Snapshot, TileData), SnapshotError> {
    let (units, layers) = store.current_data().await?;
    let changes = store.current_unit_changes().await?;
    let sample = store.is_sample().await?;
    Ok(tokio::task::spawn_blocking(move || {
        let tiles = TileData::new(&units, &layers);
        (
            Snapshot::build(units, changes, layers).sample(sample),
            tiles,
        )
    })
    .await?)
}

impl LiveData {
    /// Follows the change feed: every committed change to the units, by any writer, reloads
    /// the snapshot. Runs until the process ends; on a broken connection it reconnects and
    /// reloads, since changes may have been missed.
    pub fn follow_changes(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.follow_once().await {
                    metrics::counter!("covidmap_change_feed_reconnects_total").increment(1);
                    tracing::error!(error = %e, "change feed failed; retrying in 1 s");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        })
    }

    async fn follow_once(&self) -> Result<(), SnapshotError> {
        let mut feed = self.store.changes().await?;
        // Anything committed before the feed was listening is picked up here.
        self.reload().await?;
        loop {
            // `None`: the connection dropped and changes may have been missed.
            let first = feed.next().await?;
            let mut tables: Vec<Option<String>> = vec![first];
            tables.extend(feed.drain().into_iter().map(Some));
            let boundaries = tables
                .iter()
                .any(|t| t.as_deref().is_none_or(|t| UNIT_TABLES.contains(&t)));
            let started = std::time::Instant::now();
            if boundaries {
                self.reload().await?;
            } else {
                self.reload_layers().await?;
            }
            let what = if boundaries { "boundaries" } else { "layers" };
            metrics::counter!("covidmap_snapshot_reloads_total", "what" => what).increment(1);
            metrics::histogram!("covidmap_snapshot_reload_seconds", "what" => what)
                .record(started.elapsed().as_secs_f64());
            let snapshot = self.snapshot();
            // From the last committed change to its publication here.
            if let Some(lag) = snapshot
                .last_changed()
                .and_then(|t| (Utc::now() - t).to_std().ok())
                .filter(|lag| lag.as_secs() < 3600)
            {
                metrics::histogram!("covidmap_change_feed_lag_seconds").record(lag.as_secs_f64());
            }
            tracing::info!(?tables, boundaries, took = ?started.elapsed(), units = snapshot.len(), "snapshot reloaded");
        }
    }
}

impl LiveData {
    /// The store it follows (listings and writes).
    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The snapshot lookups are answered from, as published now.
    #[must_use]
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// The data tiles are rendered from (published together with the snapshot).
    #[must_use]
    pub fn tile_data(&self) -> Arc<TileData> {
        self.tile_data.load_full()
    }

    /// The tile cache, kept in step with each publication.
    #[must_use]
    pub fn tile_cache(&self) -> &TileCache {
        &self.tile_cache
    }

    /// Each publication of new data from now on.
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<DataChange> {
        self.changes.subscribe()
    }
}
