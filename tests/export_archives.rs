//! `covidmap export`'s archives read back by readers we did not write: GDAL's MBTiles driver
//! for MBTiles, the pmtiles crate's reader for PMTiles. The sample province and layers.

#![allow(clippy::unwrap_used)]

use covidmap_export::{export, ExportError, ExportOptions, Format};
use covidmap_tiles::{TileData, TileId};
use gdal::vector::LayerAccess;
use gdal::Metadata;
use std::io::Read;

fn sample() -> (TileData, ExportOptions) {
    let units = covidmap_benches::province_units();
    let layers = covidmap_benches::province_layers(&units);
    let options = ExportOptions {
        min_zoom: 6,
        max_zoom: 10,
        bounds: [103.87, 18.55, 105.83, 20.0],
        region_name: "Tỉnh Nghệ An".to_owned(),
    };
    (TileData::new(&units, &layers), options)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn mbtiles_read_back_through_gdal() {
    let (data, options) = sample();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("province.mbtiles");
    let report = export(&data, Format::MbTiles, &options, &path).unwrap();
    assert!(report.tiles > 20, "{report:?}");
    let dataset = gdal::Dataset::open_ex(
        &path,
        gdal::DatasetOptions {
            allowed_drivers: Some(&["MBTiles"]),
            ..gdal::DatasetOptions::default()
        },
    )
    .unwrap();
    let metadata = |key: &str| dataset.metadata_item(key, "").unwrap_or_default();
    assert_eq!(metadata("ZOOM_LEVEL"), "10", "GDAL reads the highest zoom");
    assert!(
        metadata("DESCRIPTION").contains("Tỉnh Nghệ An"),
        "{:?}",
        metadata("DESCRIPTION")
    );
    let mut counts = std::collections::BTreeMap::new();
    for mut layer in dataset.layers() {
        counts.insert(layer.name(), layer.features().count());
    }
    println!("{report:?}; GDAL reads at z10: {counts:?}");
    // Every district, and lockdown zones, reach GDAL at the top zoom.
    assert!(counts["districts"] >= 21, "{counts:?}");
    assert!(counts["lockdown_zones"] > 0, "{counts:?}");
    assert!(counts["communes"] > 300, "{counts:?}");
    // Refusals: an existing file, zooms in the wrong order.
    assert!(matches!(
        export(&data, Format::MbTiles, &options, &path),
        Err(ExportError::Exists(_))
    ));
    let backwards = ExportOptions {
        min_zoom: 9,
        max_zoom: 7,
        ..options.clone()
    };
    let other = dir.path().join("other.mbtiles");
    assert!(matches!(
        export(&data, Format::MbTiles, &backwards, &other),
        Err(ExportError::Zooms { .. })
    ));
    assert!(!other.exists(), "a refused export writes nothing");
}

#[tokio::test]
async fn pmtiles_read_back_through_the_pmtiles_crate() {
    let (data, options) = sample();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("province.pmtiles");
    let report = export(&data, Format::PmTiles, &options, &path).unwrap();
    let backend = pmtiles::MmapBackend::try_from(&path).await.unwrap();
    let reader = pmtiles::AsyncPmTilesReader::try_from_source(backend)
        .await
        .unwrap();
    let header = reader.get_header();
    assert_eq!((header.min_zoom, header.max_zoom), (6, 10));
    assert_eq!(header.tile_type, pmtiles::TileType::Mvt);
    assert!(reader
        .get_metadata()
        .await
        .unwrap()
        .contains("lockdown_zones"));
    // Every tile in the archive is the tile the server renders, byte for byte.
    let vinh = TileId::new(10, 812, 457).unwrap();
    let stored = reader
        .get_tile(pmtiles::TileCoord::new(vinh.z, vinh.x, vinh.y).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gunzip(&stored), data.render(vinh).unwrap().unwrap());
    // And an empty tile is absent.
    let sea = pmtiles::TileCoord::new(10, 830, 457).unwrap();
    assert!(reader.get_tile(sea).await.unwrap().is_none());
    println!("{report:?}");
}
