//! TileJSON 3.0.0 for the tiles.

use crate::catalogue::LAYERS;
use crate::grid::MAX_ZOOM;
use serde_json::{json, Map, Value};

/// The `vector_layers` list (TileJSON, and the metadata of exported archives): every layer
/// with its zooms and documented fields.
#[must_use]
pub fn vector_layers() -> Vec<Value> {
    layers_json(LAYERS.iter())
}

fn layers_json<'a>(layers: impl Iterator<Item = &'a crate::LayerSpec>) -> Vec<Value> {
    layers
        .map(|l| {
            let fields: Map<String, Value> = l
                .fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
                .collect();
            json!({
                "id": l.name,
                "description": l.description,
                "minzoom": l.min_zoom,
                "maxzoom": MAX_ZOOM,
                "fields": fields,
            })
        })
        .collect()
}

/// The TileJSON document, with tile URLs under `base` (scheme and host as the client asked,
/// e.g. `http://127.0.0.1:8080`), named and bounded by the provinces of the data (the whole
/// world before there are any).
#[must_use]
pub fn tilejson(base: &str, region: &covidmap_core::Region) -> Value {
    // A unit layer only where its level exists: no districts in a province of two tiers.
    let vector_layers = layers_json(LAYERS.iter().filter(|l| {
        crate::catalogue::unit_level(l.name).is_none_or(|level| region.levels.contains(&level))
    }));
    let [w, s, e, n] = region.bounds.unwrap_or([-180.0, -85.0, 180.0, 85.0]);
    let [x, y] = region.center().unwrap_or([0.0, 0.0]);
    let name = region.name_or_default();
    json!({
        "tilejson": "3.0.0",
        "name": "covidmap",
        "description": format!("COVID-19 map of {name}: units, lockdown zones and points, checkpoints, quarantine camps, testing sites, essential services, commune epidemic levels"),
        "version": env!("CARGO_PKG_VERSION"),
        "attribution": format!("Boundaries: GSO / GADM (see data/README.md); layers: the agencies of {name}"),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{{z}}/{{x}}/{{y}}.mvt")],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": [w, s, e, n],
        "center": [x, y, 8],
        "vector_layers": vector_layers,
    })
}
