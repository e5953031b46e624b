//! Tiles as a server keeps them: rendered once, gzipped once, kept in a cache with a byte
//! budget, and dropped when the data under them changes (which ones: [`crate::dirty`]).
//!
//! A change drops every cached tile, at every zoom, whose buffered bounds meet the extent of
//! something that changed. A tile rendered from the data as it was before a change must not
//! slip into the cache after that change was published: each publication bumps an epoch
//! under a lock, and a rendered tile is cached only if the epoch it was rendered at is still
//! current.

use crate::grid::MercatorRect;
use crate::{RenderError, TileData, TileId, BUFFER, EXTENT};
use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use geo::Rect;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

/// A rendered tile, ready to send (shared buffers: sending one copies nothing).
#[derive(Debug)]
pub struct RenderedTile {
    /// The tile, gzip-compressed (what nearly every client accepts).
    pub gzip: Bytes,
    /// The tile as encoded, for clients that do not accept gzip.
    pub raw: Bytes,
    /// Strong validator of the content, quoted as an `ETag` header says it.
    pub etag: String,
}

/// What a tile address holds: a tile, or nothing (answered 204).
pub type TileAnswer = Option<Arc<RenderedTile>>;

/// Why a tile could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum TileServeError {
    /// The encoder failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Compressing failed.
    #[error("compressing tile: {0}")]
    Compress(#[from] std::io::Error),
}

/// The cache.
pub struct TileCache {
    tiles: moka::sync::Cache<TileId, TileAnswer>,
    /// Bumped, under this lock, each time new data is published.
    epoch: Mutex<u64>,
    /// Tiles answered from the cache, and rendered, for the operator's metrics.
    hits: std::sync::atomic::AtomicU64,
    misses: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for TileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileCache")
            .field("entries", &self.tiles.entry_count())
            .field("bytes", &self.tiles.weighted_size())
            .finish()
    }
}

impl TileCache {
    /// A cache holding at most `budget_bytes` of tiles (gzip and raw counted).
    #[must_use]
    pub fn new(budget_bytes: u64) -> Self {
        let tiles = moka::sync::Cache::builder()
            .max_capacity(budget_bytes)
            .weigher(|_: &TileId, t: &TileAnswer| {
                // An empty answer still costs its entry.
                let bytes = t
                    .as_ref()
                    .map_or(0, |t| t.gzip.len() + t.raw.len() + t.etag.len());
                u32::try_from(bytes + 64).unwrap_or(u32::MAX)
            })
            .support_invalidation_closures()
            .build();
        TileCache {
            tiles,
            epoch: Mutex::new(0),
            hits: std::sync::atomic::AtomicU64::new(0),
            misses: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The current epoch.
    fn epoch(&self) -> u64 {
        *self.epoch.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The tile, if cached.
    #[must_use]
    pub fn cached(&self, tile: TileId) -> Option<TileAnswer> {
        // A miss here is counted by `get_or_render`, which the caller asks next.
        let hit = self.tiles.get(&tile);
        if hit.is_some() {
            self.count(true);
        }
        hit
    }

    fn count(&self, hit: bool) {
        let counter = if hit { &self.hits } else { &self.misses };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Lookups answered from the cache and lookups that were not, since it was made.
    #[must_use]
    pub fn hits_and_misses(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.hits.load(Relaxed), self.misses.load(Relaxed))
    }

    /// The tile from the cache, or rendered from `data` (and cached if no change was published
    /// meanwhile).
    ///
    /// # Errors
    /// Rendering or compressing failed.
    pub fn get_or_render(
        &self,
        tile: TileId,
        data: impl FnOnce() -> Arc<TileData>,
    ) -> Result<TileAnswer, TileServeError> {
        if let Some(hit) = self.tiles.get(&tile) {
            self.count(true);
            return Ok(hit);
        }
        self.count(false);
        let epoch = self.epoch();
        let answer = render(&data(), tile)?;
        let current = self.epoch.lock().unwrap_or_else(PoisonError::into_inner);
        if *current == epoch {
            self.tiles.insert(tile, answer.clone());
        }
        Ok(answer)
    }

    /// Publishes a change: runs `swap` (which makes the new data current), then drops every
    /// cached tile meeting one of `extents` (lon/lat), or every tile when `extents` is `None`.
    pub fn publish(&self, extents: Option<&[Rect<f64>]>, swap: impl FnOnce()) {
        let mut epoch = self.epoch.lock().unwrap_or_else(PoisonError::into_inner);
        swap();
        match extents {
            None => self.tiles.invalidate_all(),
            Some([]) => {}
            Some(extents) => {
                let rects: Vec<MercatorRect> = extents
                    .iter()
                    .map(|r| {
                        crate::index::mercator_rect(r.min().x, r.min().y, r.max().x, r.max().y)
                    })
                    .collect();
                // Predicates are checked lazily by the cache, but an entry they match is never
                // returned once this call has returned.
                let dropped = self.tiles.invalidate_entries_if(move |tile, _| {
                    let margin = f64::from(BUFFER) / f64::from(EXTENT) * tile.size();
                    let bounds = tile.bounds().grown(margin);
                    rects.iter().any(|r| r.intersects(&bounds))
                });
                if let Err(e) = dropped {
                    tracing::error!(error = %e, "tile cache: dropping by extent failed; dropping all");
                    self.tiles.invalidate_all();
                }
            }
        }
        *epoch += 1;
    }

    /// Entries and bytes held (for logs and benches).
    #[must_use]
    pub fn usage(&self) -> (u64, u64) {
        self.tiles.run_pending_tasks();
        (self.tiles.entry_count(), self.tiles.weighted_size())
    }
}

fn render(data: &TileData, tile: TileId) -> Result<TileAnswer, TileServeError> {
    let Some(raw) = data.render(tile)? else {
        return Ok(None);
    };
    let mut gz = GzEncoder::new(Vec::with_capacity(raw.len() / 2), Compression::default());
    gz.write_all(&raw)?;
    let gzip = gz.finish()?;
    let mut hasher = std::hash::DefaultHasher::new();
    raw.hash(&mut hasher);
    let etag = format!("\"{:016x}-{:x}\"", hasher.finish(), raw.len());
    Ok(Some(Arc::new(RenderedTile {
        gzip: gzip.into(),
        raw: raw.into(),
        etag,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use covidmap_core::fixtures::square_unit;
    use covidmap_core::layers::Layers;
    use covidmap_core::Level;
    use geo::coord;

    fn data(level: u8) -> Arc<TileData> {
        let district = square_unit("427", Level::District, Some("40"), 105.0, 18.0, 0.5);
        let layers = Layers {
            commune_levels: vec![],
            zones: vec![covidmap_core::layers::LockdownZone {
                id: "z".into(),
                name: "z".into(),
                declaration: covidmap_core::fixtures::declaration(level),
                unit_codes: vec![],
                area: district.geometry.clone(),
            }],
            ..Layers::default()
        };
        Arc::new(TileData::new(&[district], &layers))
    }

    #[test]
    fn changes_drop_only_the_tiles_they_touch_and_stale_renders_are_not_kept() {
        let cache = TileCache::new(64 << 20);
        let old = data(4);
        // Tile 8/202/114 holds the district; 8/190/100 is far away (empty).
        let near = TileId::new(8, 202, 114).unwrap_or(TileId { z: 0, x: 0, y: 0 });
        let far = TileId::new(8, 190, 100).unwrap_or(TileId { z: 0, x: 0, y: 0 });
        let first = cache
            .get_or_render(near, || Arc::clone(&old))
            .ok()
            .flatten();
        assert!(first.is_some());
        assert!(cache
            .get_or_render(far, || Arc::clone(&old))
            .ok()
            .flatten()
            .is_none());
        assert_eq!(cache.usage().0, 2);
        // A change far from both: nothing dropped.
        let elsewhere = Rect::new(coord! { x: 100.0, y: 10.0 }, coord! { x: 100.1, y: 10.1 });
        cache.publish(Some(&[elsewhere]), || {});
        assert_eq!(cache.usage().0, 2);
        // The zone's level changes: the tile under it goes, the far one stays.
        let new = data(2);
        let zone = Rect::new(coord! { x: 105.0, y: 18.0 }, coord! { x: 105.5, y: 18.5 });
        cache.publish(Some(&[zone]), || {});
        assert_eq!(cache.usage().0, 1);
        let second = cache
            .get_or_render(near, || Arc::clone(&new))
            .ok()
            .flatten();
        assert_ne!(
            first.map(|t| t.etag.clone()),
            second.map(|t| t.etag.clone())
        );
        // A render that began before a publication is served but not cached.
        let cache = TileCache::new(64 << 20);
        let stale = cache.get_or_render(near, || {
            cache.publish(None, || {});
            Arc::clone(&old)
        });
        assert!(stale.is_ok());
        assert_eq!(cache.usage().0, 0);
    }
}
