//! Static tile archives for hosting without this server (a CDN, an offline laptop): every
//! tile over the province between two zooms, gzip-compressed as MVT servers send them, in
//! MBTiles 1.3 (SQLite, TMS rows) or PMTiles 3 (one file, Hilbert-ordered). Empty tiles are
//! left out, as both formats expect.

#![warn(missing_docs)]

use covidmap_tiles::index::mercator_rect;
use covidmap_tiles::{TileData, TileId, MAX_ZOOM};
use flate2::write::GzEncoder;
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;

/// Archive format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// MBTiles 1.3 (SQLite).
    MbTiles,
    /// PMTiles version 3.
    PmTiles,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Lowest zoom.
    pub min_zoom: u8,
    /// Highest zoom.
    pub max_zoom: u8,
    /// West, south, east, north (degrees): the tiles meeting this box are written.
    pub bounds: [f64; 4],
    /// What the archive covers, for its metadata ("Tỉnh Nghệ An").
    pub region_name: String,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    /// Tiles written.
    pub tiles: usize,
    /// Tiles with nothing in them, left out.
    pub empty: usize,
    /// Compressed bytes of the tiles written.
    pub bytes: u64,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The zooms asked for are not a range within 0–18.
    #[error("zooms {min}–{max} are not a range within 0–{MAX_ZOOM}: give --minzoom ≤ --maxzoom ≤ {MAX_ZOOM}")]
    Zooms {
        /// `--minzoom`.
        min: u8,
        /// `--maxzoom`.
        max: u8,
    },
    /// The output file exists.
    #[error("{0} exists; remove it or name another file")]
    Exists(String),
    /// Rendering a tile failed.
    #[error(transparent)]
    Render(#[from] covidmap_tiles::RenderError),
    /// Writing the MBTiles database failed.
    #[error("writing MBTiles: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Writing the PMTiles file failed.
    #[error("writing PMTiles: {0}")]
    PmTiles(#[from] pmtiles::PmtError),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// One rendered, compressed tile.
struct Encoded {
    tile: TileId,
    gzip: Vec<u8>,
}

/// Renders every tile the options cover and writes them to `out`.
///
/// # Errors
/// Bad zooms, an existing output file, or a render or write failure; on failure the partial
/// file is removed.
pub fn export(
    data: &TileData,
    format: Format,
    options: &ExportOptions,
    out: &Path,
) -> Result<ExportReport, ExportError> {
    let (min, max) = (options.min_zoom, options.max_zoom);
    if min > max || max > MAX_ZOOM {
        return Err(ExportError::Zooms { min, max });
    }
    if out.exists() {
        return Err(ExportError::Exists(out.display().to_string()));
    }
    let tiles = tiles_covering(options);
    let rendered: Vec<Option<Encoded>> = tiles
        .par_iter()
        .map(|&tile| -> Result<Option<Encoded>, ExportError> {
            let Some(raw) = data.render(tile)? else {
                return Ok(None);
            };
            let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(&raw)?;
            Ok(Some(Encoded {
                tile,
                gzip: gz.finish()?,
            }))
        })
        .collect::<Result<_, _>>()?;
    let empty = rendered.iter().filter(|t| t.is_none()).count();
    let encoded: Vec<Encoded> = rendered.into_iter().flatten().collect();
    let report = ExportReport {
        tiles: encoded.len(),
        empty,
        bytes: encoded.iter().map(|t| t.gzip.len() as u64).sum(),
    };
    let written = match format {
        Format::MbTiles => write_mbtiles(&encoded, options, out),
        Format::PmTiles => write_pmtiles(encoded, options, out),
    };
    if let Err(e) = written {
        // Best effort: the error that matters is the one being returned.
        let _ = std::fs::remove_file(out);
        return Err(e);
    }
    Ok(report)
}

/// Every tile meeting the bounds, zoom by zoom.
fn tiles_covering(options: &ExportOptions) -> Vec<TileId> {
    let [w, s, e, n] = options.bounds;
    let rect = mercator_rect(w, s, e, n);
    let mut tiles = Vec::new();
    for z in options.min_zoom..=options.max_zoom {
        let (xs, ys) = TileId::covering(z, &rect);
        for x in xs {
            for y in ys.clone() {
                tiles.push(TileId { z, x, y });
            }
        }
    }
    tiles
}

/// The `vector_layers` both formats carry in their metadata.
fn metadata_json() -> String {
    serde_json::json!({ "vector_layers": covidmap_tiles::vector_layers() }).to_string()
}

fn write_mbtiles(tiles: &[Encoded], o: &ExportOptions, out: &Path) -> Result<(), ExportError> {
    let mut db = rusqlite::Connection::open(out)?;
    let tx = db.transaction()?;
    tx.execute_batch(
        "CREATE TABLE metadata (name TEXT NOT NULL, value TEXT);
         CREATE UNIQUE INDEX name ON metadata (name);
         CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
         CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
    )?;
    let [w, s, e, n] = o.bounds;
    let centre_zoom = o.min_zoom.max(8).min(o.max_zoom);
    let metadata = [
        ("name", "covidmap".to_owned()),
        ("format", "pbf".to_owned()),
        ("type", "overlay".to_owned()),
        ("version", "1.3".to_owned()),
        (
            "description",
            format!(
                "COVID-19 map of {}: units and operational layers",
                o.region_name
            ),
        ),
        (
            "attribution",
            format!("GSO / GADM boundaries; the agencies of {}", o.region_name),
        ),
        ("minzoom", o.min_zoom.to_string()),
        ("maxzoom", o.max_zoom.to_string()),
        ("bounds", format!("{w},{s},{e},{n}")),
        (
            "center",
            format!("{},{},{centre_zoom}", (w + e) / 2.0, (s + n) / 2.0),
        ),
        ("json", metadata_json()),
    ];
    {
        let mut insert = tx.prepare("INSERT INTO metadata (name, value) VALUES (?1, ?2)")?;
        for (name, value) in &metadata {
            insert.execute((name, value))?;
        }
        let mut insert = tx.prepare(
            "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for t in tiles {
            // MBTiles numbers rows from the south (TMS).
            let row = (1_u32 << t.tile.z) - 1 - t.tile.y;
            insert.execute((t.tile.z, t.tile.x, row, &t.gzip))?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn write_pmtiles(
    mut tiles: Vec<Encoded>,
    o: &ExportOptions,
    out: &Path,
) -> Result<(), ExportError> {
    let coord = |t: &Encoded| pmtiles::TileCoord::new(t.tile.z, t.tile.x, t.tile.y);
    // Written in tile-id (Hilbert) order, as readers expect for fast lookups.
    let mut keyed = Vec::with_capacity(tiles.len());
    for t in tiles.drain(..) {
        let c = coord(&t)?;
        keyed.push((pmtiles::TileId::from(c).value(), c, t));
    }
    keyed.sort_by_key(|(id, _, _)| *id);
    let [w, s, e, n] = o.bounds;
    let file = std::fs::File::create(out)?;
    let mut writer = pmtiles::PmTilesWriter::new(pmtiles::TileType::Mvt)
        .tile_compression(pmtiles::Compression::Gzip)
        .min_zoom(o.min_zoom)
        .max_zoom(o.max_zoom)
        .bounds(w, s, e, n)
        .center((w + e) / 2.0, (s + n) / 2.0)
        .center_zoom(o.min_zoom.max(8).min(o.max_zoom))
        .metadata(&metadata_json())
        .create(std::io::BufWriter::new(file))?;
    for (_, c, t) in &keyed {
        writer.add_raw_tile(*c, &t.gzip)?;
    }
    writer.finalize()?;
    Ok(())
}
