#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use covidmap_core::Entity;
use covidmap_lookup::Snapshot;
use covidmap_store::{FeatureChange, Store, StoreError};
use covidmap_tiles::{TileCache, TileData};
use std::collections::VecDeque;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// What each publication of new data tells those who follow it (the change streams).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DataChange {
    /// When the data last changed (as status answers say).
    pub data_changed_at: Option<DateTime<Utc>>,
    /// The last change of the log this node has applied: its answers and tiles include it
    /// and everything before it.
    pub through: i64,
    /// The server is stopping: streams end so that it can.
    #[serde(skip)]
    pub closing: bool,
}

/// The changes applied lately, kept for the streams: every change after `floor`, in order
/// (older ones are read from the log).
#[derive(Default)]
struct Recent {
    floor: i64,
    changes: VecDeque<Arc<FeatureChange>>,
    /// The bytes of their features.
    bytes: usize,
}

/// How many applied changes are kept in memory for the streams, and how many bytes of
/// features at most (a commune's upload is thousands of outlines).
const RECENT: usize = 20_000;
const RECENT_BYTES: usize = 64 << 20;

/// How many changes of the log are applied at once.
const BATCH: u32 = 1_000;

/// How long the follower waits for a hint before it reads the log anyway (a hint lost, or
/// a replica, which sends none).
const POLL: Duration = Duration::from_secs(1);

/// The data a node serves: its store, and the snapshot and tile data loaded from it and
/// kept current by the change feed.
pub struct LiveData {
    store: Store,
    snapshot: ArcSwap<Snapshot>,
    tile_data: ArcSwap<TileData>,
    tile_cache: TileCache,
    changes: watch::Sender<DataChange>,
    recent: RwLock<Recent>,
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
        // The position first: a change committed while the snapshot is read is applied
        // again by the follower, never missed.
        let through = store.change_log_bounds().await?.latest.unwrap_or(0);
        let (snapshot, tiles) = read_snapshot(&store).await?;
        let (changes, _) = watch::channel(DataChange {
            data_changed_at: snapshot.last_changed(),
            through,
            closing: false,
        });
        Ok(LiveData {
            store,
            snapshot: ArcSwap::from_pointee(snapshot),
            tile_data: ArcSwap::from_pointee(tiles),
            tile_cache: TileCache::new(tile_cache_bytes),
            changes,
            recent: RwLock::new(Recent {
                floor: through,
                changes: VecDeque::new(),
                bytes: 0,
            }),
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
        self.replace(snapshot, tiles).await
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
        self.replace(snapshot, tiles).await
    }

    /// Switches answers and tiles to the new data, dropping the cached tiles it changes. The
    /// old data is freed off the async runtime: dropping
    /// thousands of boundaries takes milliseconds a request should not wait for.
    async fn replace(&self, snapshot: Snapshot, tiles: TileData) -> Result<(), SnapshotError> {
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
        tokio::task::spawn_blocking(move || drop((old_snapshot, old_tiles)));
        Ok(())
    }
}

/// The entities whose changes need the units indexed again (the gazetteer reads former
/// names from the administrative changes).
const UNIT_ENTITIES: [Entity; 2] = [Entity::Boundaries, Entity::UnitChanges];

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
    /// Follows the change log: every committed change, by any writer, is applied — the
    /// snapshot reloaded as far as it needs, the tiles it touched dropped — and then told to
    /// the streams. Runs until the process ends; on a broken connection it reconnects and
    /// goes on from the last change it applied (nothing committed meanwhile is missed: it is
    /// in the log, after that change).
    pub fn follow_changes(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(e) = self.follow_once().await {
                    metrics::counter!("covidmap_change_feed_reconnects_total").increment(1);
                    tracing::error!(error = %e, "change feed failed; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        })
    }

    async fn follow_once(&self) -> Result<(), SnapshotError> {
        let mut hints = self.store.change_hints().await?;
        // The load (or the last change applied) set the position; whatever was committed
        // since, before the hints were listened for, is read at once.
        loop {
            while self.apply_next().await? == BATCH as usize {}
            tokio::select! {
                hint = hints.next() => { hint?; }
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Applies the next changes of the log, if any; returns how many.
    async fn apply_next(&self) -> Result<usize, SnapshotError> {
        let through = self.changes.borrow().through;
        let batch = self.store.changes_after(through, BATCH).await?;
        let Some(last) = batch.last().map(|c| (c.id, c.at)) else {
            return Ok(0);
        };
        let boundaries = batch.iter().any(|c| UNIT_ENTITIES.contains(&c.entity));
        let layers = batch.iter().any(|c| Entity::LAYERS.contains(&c.entity));
        let started = std::time::Instant::now();
        let what = if boundaries {
            self.reload().await?;
            "boundaries"
        } else if layers {
            self.reload_layers().await?;
            "layers"
        } else {
            // Figures and documents: nothing in memory depends on them.
            "nothing"
        };
        metrics::counter!("covidmap_snapshot_reloads_total", "what" => what).increment(1);
        metrics::histogram!("covidmap_snapshot_reload_seconds", "what" => what)
            .record(started.elapsed().as_secs_f64());
        // From the change's version beginning (its transaction's start) to its publication
        // here.
        if let Ok(lag) = (Utc::now() - last.1).to_std() {
            if lag.as_secs() < 3600 {
                metrics::histogram!("covidmap_change_feed_lag_seconds").record(lag.as_secs_f64());
            }
        }
        let count = batch.len();
        let published = self.store.with_features(batch).await?;
        {
            let mut recent = self
                .recent
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for change in published {
                recent.bytes += change.feature.as_ref().map_or(0, String::len);
                recent.changes.push_back(Arc::new(change));
            }
            while recent.changes.len() > RECENT || recent.bytes > RECENT_BYTES {
                let Some(gone) = recent.changes.pop_front() else {
                    break;
                };
                recent.bytes -= gone.feature.as_ref().map_or(0, String::len);
                recent.floor = gone.change.id;
            }
        }
        let data_changed_at = self.snapshot().last_changed();
        self.changes.send_modify(|c| {
            c.through = last.0;
            c.data_changed_at = data_changed_at;
        });
        tracing::info!(changes = count, through = last.0, reloaded = what, took = ?started.elapsed(), "changes applied");
        Ok(count)
    }

    /// Up to `limit` applied changes after `after`, with their features, in order: from
    /// memory when they are recent, else from the log.
    ///
    /// # Errors
    /// The database fails.
    pub async fn changes_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Arc<FeatureChange>>, StoreError> {
        let through = self.changes.borrow().through;
        {
            let recent = self
                .recent
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if after >= recent.floor {
                let start = recent.changes.partition_point(|c| c.change.id <= after);
                return Ok(recent.changes.range(start..).take(limit).cloned().collect());
            }
        }
        let trimmed = self.store.change_log_bounds().await?.trimmed_through;
        if after < trimmed {
            return Err(StoreError::Trimmed { through: trimmed });
        }
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        Ok(self
            .store
            .feature_changes(after, through, limit)
            .await?
            .into_iter()
            .map(Arc::new)
            .collect())
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
