//! Mapbox Vector Tiles (2.1, extent 4096) of the administrative units and the operational
//! layers, made in memory from the same data as the status snapshot; the TileJSON document
//! that describes them; the cache that keeps rendered tiles and the rule of which of them a
//! change dirties. No IO: the server sends the bytes.

#![warn(missing_docs)]

pub mod cache;
pub mod catalogue;
pub mod dirty;
pub mod grid;
pub mod index;
pub mod render;
pub mod simplify;
mod tilejson;
pub mod topology;

pub use cache::{RenderedTile, TileAnswer, TileCache, TileServeError};
pub use catalogue::{LayerSpec, LAYERS};
pub use dirty::Change;
pub use grid::{MercatorRect, TileError, TileId, MAX_ZOOM};
pub use index::{OperationalLayers, UnitLayers};
pub use render::{render, RenderError, BUFFER, EXTENT};
pub use tilejson::{tilejson, vector_layers};

/// Units and layers indexed for tiles; the units part is shared between versions whose
/// boundaries did not change.
#[derive(Debug, Clone)]
pub struct TileData {
    /// Districts, communes, hamlets.
    pub units: std::sync::Arc<UnitLayers>,
    /// Zones, points, facilities, commune levels.
    pub operational: std::sync::Arc<OperationalLayers>,
}

impl TileData {
    /// Indexes units and layers.
    #[must_use]
    pub fn new(units: &[covidmap_core::AdminUnit], layers: &covidmap_core::layers::Layers) -> Self {
        let units = std::sync::Arc::new(UnitLayers::new(units));
        let operational = std::sync::Arc::new(OperationalLayers::new(layers, &units));
        TileData { units, operational }
    }

    /// The same units with new layers.
    #[must_use]
    pub fn with_new_layers(&self, layers: &covidmap_core::layers::Layers) -> Self {
        TileData {
            units: std::sync::Arc::clone(&self.units),
            operational: std::sync::Arc::new(OperationalLayers::new(layers, &self.units)),
        }
    }

    /// Renders one tile; `None` when it is empty.
    ///
    /// # Errors
    /// See [`render`].
    pub fn render(&self, tile: TileId) -> Result<Option<Vec<u8>>, RenderError> {
        render(tile, &self.units, &self.operational)
    }
}
