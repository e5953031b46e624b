//! Reading the shared Nghệ An files through real GDAL: formats, CRS, encodings.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::Level;
use covidmap_ingest::{read_file, FieldFlags, FileRead, ReadOptions};
use geo::{BoundingRect, HausdorffDistance};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/real")
        .join(name)
}

fn districts(path: PathBuf) -> FileRead {
    let options = ReadOptions {
        level: Level::District,
        fields: FieldFlags::default(),
        source_crs: None,
        encoding: None,
    };
    read_file(&path, &options).unwrap_or_else(|e| panic!("{e}"))
}

/// Metres per degree of latitude; longitude is scaled by cos(latitude).
const M_PER_DEG: f64 = 111_320.0;

fn max_offset_m(a: &FileRead, b: &FileRead) -> f64 {
    let mut worst: f64 = 0.0;
    assert_eq!(a.units.len(), b.units.len());
    for ua in &a.units {
        let ub = b.units.iter().find(|u| u.code == ua.code).unwrap();
        let lat = ua.geometry.bounding_rect().unwrap().center().y.to_radians();
        // Compare in a local metric frame.
        let scale = |mp: &geo::MultiPolygon<f64>| {
            use geo::MapCoords;
            mp.map_coords(|c| geo::Coord {
                x: c.x * M_PER_DEG * lat.cos(),
                y: c.y * M_PER_DEG,
            })
        };
        worst = worst.max(scale(&ua.geometry).hausdorff_distance(&scale(&ub.geometry)));
    }
    worst
}

#[test]
fn geojson_and_wgs84_shapefile_agree() {
    let geojson = districts(data("nghe_an_districts.geojson"));
    let shp = districts(fixture("nghe_an_districts_wgs84.shp"));
    assert_eq!(geojson.units.len(), 21);
    assert_eq!(shp.report.encoding.encoding.as_str(), "utf-8");
    let vinh = shp
        .units
        .iter()
        .find(|u| u.code.as_deref() == Some("412"))
        .unwrap();
    assert_eq!(vinh.name.as_deref(), Some("Thành phố Vinh"));
    assert!(max_offset_m(&geojson, &shp) < 0.01);
}

#[test]
fn vn2000_zip_without_datum_shift_lands_within_one_metre() {
    let wgs84 = districts(fixture("nghe_an_districts_wgs84.zip"));
    let vn2000 = districts(fixture("nghe_an_districts_vn2000_tm3.zip"));
    assert!(
        vn2000.report.notes.iter().any(|n| n.contains("VN-2000")),
        "{:?}",
        vn2000.report.notes
    );
    let offset = max_offset_m(&wgs84, &vn2000);
    println!("VN-2000 zip vs WGS 84: max Hausdorff offset {offset:.3} m");
    assert!(offset < 1.0, "offset {offset} m");
}

#[test]
fn vn2000_with_explicit_epsg_9208_lands_within_one_metre() {
    let wgs84 = districts(fixture("nghe_an_districts_wgs84.shp"));
    let options = ReadOptions {
        level: Level::District,
        fields: FieldFlags::default(),
        source_crs: Some("EPSG:9208".into()),
        encoding: None,
    };
    let vn2000 = read_file(&fixture("nghe_an_districts_vn2000_tm3.shp"), &options).unwrap();
    let offset = max_offset_m(&wgs84, &vn2000);
    assert!(offset < 1.0, "offset {offset} m");
}

#[test]
fn gadm_fields_are_detected() {
    let gadm = districts(fixture("nghe_an_districts_gadm.geojson"));
    assert_eq!(gadm.report.fields.name, "NAME_3");
    assert_eq!(gadm.units.len(), 20);
    assert!(gadm
        .units
        .iter()
        .any(|u| u.name.as_deref() == Some("Ðô Luong")));
}

#[test]
fn a_kmz_is_read_like_the_file_it_packs() {
    // The districts as KML (GDAL's own writer), zipped as Google Earth does.
    let dir = tempfile::tempdir().unwrap();
    let kml = dir.path().join("doc.kml");
    let source = gdal::Dataset::open(data("nghe_an_districts.geojson")).unwrap();
    let driver = gdal::DriverManager::get_driver_by_name("KML").unwrap();
    source
        .create_copy(
            &driver,
            &kml,
            &gdal::raster::RasterCreationOptions::default(),
        )
        .unwrap();
    let kmz = dir.path().join("huyen.kmz");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&kmz).unwrap());
    zip.start_file("doc.kml", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, &std::fs::read(&kml).unwrap()).unwrap();
    zip.finish().unwrap();

    let packed = districts(kmz);
    let plain = districts(data("nghe_an_districts.geojson"));
    assert_eq!(packed.units.len(), 21);
    assert!(max_offset_m(&packed, &plain) < 0.5);
}
