//! Ingesting real files into a real PostGIS: every format, VN-2000, GADM name repair,
//! legacy encodings, history and dry runs.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::{AdminUnit, Level};
use covidmap_ingest::legacy::TextEncoding;
use covidmap_ingest::{plan, read_file, Known};
use covidmap_tests::{
    data, fixture, offset_m, ogr2ogr, options, square_feature, write_geojson, TestDb,
};
use covidmap_upload::UploadError;
use serde_json::json;
use std::path::Path;

async fn with_province() -> TestDb {
    let db = TestDb::new().await;
    db.ingest(&data("real/nghe_an_province.geojson"), Level::Province)
        .await
        .unwrap();
    db
}

/// The districts as read from the reference GeoJSON, in the province's outline.
fn reference_districts() -> Vec<AdminUnit> {
    let read_province = read_file(
        &data("real/nghe_an_province.geojson"),
        &options(Level::Province),
    )
    .unwrap();
    let province = plan(&read_province, Level::Province, None, &Known::default())
        .unwrap()
        .units;
    let read = read_file(
        &data("real/nghe_an_districts.geojson"),
        &options(Level::District),
    )
    .unwrap();
    let known = Known {
        same_level: Vec::new(),
        parents: province,
        ..Known::default()
    };
    plan(&read, Level::District, None, &known).unwrap().units
}

/// Stored districts must match the reference GeoJSON: same codes, names, and boundaries
/// within `tolerance_m`.
async fn assert_districts_match(db: &TestDb, tolerance_m: f64, what: &str) {
    let expected = reference_districts();
    let got = db.store.current_units(Level::District).await.unwrap();
    assert_eq!(got.len(), 21, "{what}: district count");
    for e in &expected {
        let g = got
            .iter()
            .find(|g| g.code == e.code)
            .unwrap_or_else(|| panic!("{what}: {} missing", e.code));
        assert_eq!(g.name, e.name, "{what}: name of {}", e.code);
        assert_eq!(g.unit_type, e.unit_type, "{what}: type of {}", e.code);
        let off = offset_m(&g.geometry, &e.geometry);
        assert!(off < tolerance_m, "{what}: {} is {off:.3} m off", e.code);
    }
}

#[tokio::test]
async fn every_format_made_with_gdal_ingests_with_the_right_names_and_positions() {
    let dir = tempfile::tempdir().unwrap();
    let src = data("real/nghe_an_districts.geojson");
    let src = src.to_str().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    ogr2ogr(&["-f", "GPKG", &out("d.gpkg"), src]);
    ogr2ogr(&["-f", "KML", &out("d.kml"), src]);
    ogr2ogr(&["-f", "MapInfo File", &out("d.tab"), src]);
    ogr2ogr(&[
        "-f",
        "MapInfo File",
        &out("d.mif"),
        src,
        "-dsco",
        "FORMAT=MIF",
    ]);
    ogr2ogr(&["-f", "CSV", &out("d.csv"), src, "-lco", "GEOMETRY=AS_WKT"]);
    for file in ["d.gpkg", "d.kml", "d.tab", "d.mif", "d.csv"] {
        let db = with_province().await;
        let report = db
            .ingest(Path::new(&out(file)), Level::District)
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(report.applied.diff.added.len(), 21, "{file}");
        assert_districts_match(&db, 0.5, file).await;
    }
    for file in ["nghe_an_districts_wgs84.shp", "nghe_an_districts_wgs84.zip"] {
        let db = with_province().await;
        db.ingest(&fixture(file), Level::District)
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_districts_match(&db, 0.01, file).await;
    }
}

#[tokio::test]
async fn vn2000_zip_without_datum_shift_lands_within_one_metre() {
    let db = with_province().await;
    let report = db
        .ingest(
            &fixture("nghe_an_districts_vn2000_tm3.zip"),
            Level::District,
        )
        .await
        .unwrap();
    assert!(
        report.file.source_crs.contains("+towgs84=-191.9044"),
        "{}",
        report.file.source_crs
    );
    assert_districts_match(&db, 1.0, "VN-2000 zip").await;
    let crs: String = sqlx::query_scalar("SELECT source_crs FROM uploads WHERE level = 'district'")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert!(
        crs.contains("+proj=tmerc") && crs.contains("+lon_0=104.75"),
        "{crs}"
    );
}

#[tokio::test]
async fn gadm_names_are_repaired_from_known_units_and_history_is_kept() {
    let db = TestDb::with_districts().await;
    let report = db
        .ingest(&fixture("nghe_an_districts_gadm.geojson"), Level::District)
        .await
        .unwrap();
    let notes = report.plan.notes.join("\n");
    assert!(
        notes.contains("\"Đô Luong\" repaired to \"Huyện Đô Lương\""),
        "{notes}"
    );
    let units = db.store.current_units(Level::District).await.unwrap();
    let name = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .map(|u| u.name.clone())
    };
    assert_eq!(name("427").as_deref(), Some("Huyện Đô Lương"));
    assert_eq!(name("431").as_deref(), Some("Huyện Hưng Nguyên"));
    assert!(units.iter().all(|u| !u.name.contains('\u{00D0}')));
    let history = db.store.unit_history("427").await.unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(history[0].valid_to.is_some() && history[1].valid_to.is_none());
    assert_eq!(history[1].source_file, "nghe_an_districts_gadm.geojson");
}

#[tokio::test]
async fn tcvn3_and_vni_encoded_dbf_are_decoded_to_unicode() {
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data("real/nghe_an_districts.geojson")).unwrap(),
    )
    .unwrap();
    for (encoding, marker) in [
        (TextEncoding::Tcvn3, b"\xa7\xab L".as_slice()),
        (TextEncoding::Vni, b"\xd1o\xe2 L".as_slice()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut legacy = reference.clone();
        for f in legacy["features"].as_array_mut().unwrap() {
            for key in ["name", "type"] {
                let text = f["properties"][key].as_str().unwrap().to_owned();
                // Legacy bytes, written as the Latin-1 characters GDAL stores byte for byte.
                let latin1: String = encoding.encode(&text).into_iter().map(char::from).collect();
                f["properties"][key] = json!(latin1);
            }
        }
        let src = dir.path().join("legacy.geojson");
        std::fs::write(&src, legacy.to_string()).unwrap();
        let shp = dir.path().join("huyen.shp");
        ogr2ogr(&[
            "-f",
            "ESRI Shapefile",
            shp.to_str().unwrap(),
            src.to_str().unwrap(),
            "-lco",
            "ENCODING=ISO-8859-1",
        ]);
        let _ = std::fs::remove_file(dir.path().join("huyen.cpg"));
        let raw = std::fs::read(dir.path().join("huyen.dbf")).unwrap();
        assert!(
            raw.windows(marker.len()).any(|w| w == marker),
            "{encoding}: the .dbf must hold legacy bytes (Đô L…)"
        );
        let db = with_province().await;
        let report = db.ingest(&shp, Level::District).await.unwrap();
        assert_eq!(report.file.encoding.encoding, encoding);
        assert_districts_match(&db, 0.01, encoding.as_str()).await;
    }
}

#[tokio::test]
async fn reingest_keeps_every_version() {
    let db = TestDb::with_districts().await;
    let dir = tempfile::tempdir().unwrap();
    // Edit the text, not a parsed copy: re-printing floats must not move any vertex.
    let text = std::fs::read_to_string(data("real/nghe_an_districts.geojson")).unwrap();
    let text = text.replace(
        "\"name\": \"Huyện Nam Đàn\"",
        "\"name\": \"Huyện Nam Đàn (sửa)\"",
    );
    let renamed = dir.path().join("renamed.geojson");
    std::fs::write(&renamed, text).unwrap();
    let report = db.ingest(&renamed, Level::District).await.unwrap();
    assert_eq!(report.applied.diff.changed.len(), 1);
    assert_eq!(report.applied.diff.changed[0].fields, vec!["name"]);
    assert_eq!(report.applied.diff.unchanged, 20);
    db.ingest(&data("real/nghe_an_districts.geojson"), Level::District)
        .await
        .unwrap();
    let history = db.store.unit_history("430").await.unwrap();
    let names: Vec<&str> = history.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["Huyện Nam Đàn", "Huyện Nam Đàn (sửa)", "Huyện Nam Đàn"]
    );
    assert_eq!(history.iter().filter(|v| v.valid_to.is_none()).count(), 1);
    // Rows are history: the database itself refuses to rewrite or delete them.
    let update = sqlx::query("UPDATE admin_units SET name = 'x' WHERE code = '430'")
        .execute(db.store.pool())
        .await;
    assert!(update.is_err());
    let delete = sqlx::query("DELETE FROM admin_units WHERE code = '430'")
        .execute(db.store.pool())
        .await;
    assert!(delete.is_err());
}

#[tokio::test]
async fn dry_run_reports_the_change_and_writes_nothing() {
    let db = TestDb::with_districts().await;
    let before = db.fingerprint().await;
    let report = db
        .upload(
            &fixture("nghe_an_districts_gadm.geojson"),
            options(Level::District),
            None,
            true,
        )
        .await
        .unwrap();
    assert!(report.applied.upload_id.is_none());
    assert!(
        report.applied.diff.changed.len() >= 19,
        "{:?}",
        report.applied.diff
    );
    assert_eq!(db.fingerprint().await, before);
}

#[tokio::test]
async fn removing_a_unit_whose_hamlets_lie_in_no_other_is_refused_and_merged_ones_follow() {
    let db = TestDb::with_districts().await;
    let p = db.interior_point("412").await;
    let dir = tempfile::tempdir().unwrap();
    let two = write_geojson(
        dir.path(),
        "two.geojson",
        &[
            square_feature(
                json!({"code": "90001", "name": "Xã Thử Một"}),
                p.x() - 0.004,
                p.y() - 0.002,
                0.004,
            ),
            square_feature(
                json!({"code": "90002", "name": "Xã Thử Hai"}),
                p.x(),
                p.y() - 0.002,
                0.004,
            ),
        ],
    );
    db.ingest(&two, Level::Commune).await.unwrap();
    let hamlet = write_geojson(
        dir.path(),
        "h.geojson",
        &[square_feature(
            json!({"code": "90001-01", "name": "Xóm 1"}),
            p.x() - 0.003,
            p.y() - 0.001,
            0.001,
        )],
    );
    db.ingest(&hamlet, Level::Hamlet).await.unwrap();
    let one = write_geojson(
        dir.path(),
        "one.geojson",
        &[square_feature(
            json!({"code": "90002", "name": "Xã Thử Hai"}),
            p.x(),
            p.y() - 0.002,
            0.004,
        )],
    );
    let before = db.fingerprint().await;
    let err = db.ingest(&one, Level::Commune).await.unwrap_err();
    assert!(matches!(err, UploadError::Ingest(_)), "{err}");
    assert!(
        err.to_string()
            .contains("hamlet 90001-01 \"Xóm 1\" lies in 90001, which this file removes"),
        "{err}"
    );
    assert_eq!(db.fingerprint().await, before);

    // Merged: the commune that grows over the one removed takes its hamlet.
    let merged = write_geojson(
        dir.path(),
        "merged.geojson",
        &[square_feature(
            json!({"code": "90002", "name": "Xã Thử Hai"}),
            p.x() - 0.004,
            p.y() - 0.002,
            0.008,
        )],
    );
    let report = db.ingest(&merged, Level::Commune).await.unwrap();
    assert_eq!(report.applied.diff.removed, ["90001"]);
    assert_eq!(report.plan.moved_below, 1);
    let units = db.store.current_units(Level::Hamlet).await.unwrap();
    let hamlet = units.iter().find(|u| u.code == "90001-01").unwrap();
    assert_eq!(hamlet.parent_code.as_deref(), Some("90002"));
    let history = db.store.unit_history("90001-01").await.unwrap();
    assert_eq!(history.len(), 2, "a new version, the old one kept");
}
