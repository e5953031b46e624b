//! Every kind of bad boundary file is refused with a message that names the file, feature,
//! field and fix, and leaves the database exactly as it was.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::Level;
use covidmap_ingest::{FieldFlags, ReadOptions};
use covidmap_tests::{data, fixture, options, square_feature, write_geojson, TestDb};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

struct Case {
    what: &'static str,
    file: PathBuf,
    read: ReadOptions,
    parent: Option<&'static str>,
    /// Every one of these must be in the message.
    expect: Vec<&'static str>,
}

fn case(what: &'static str, file: PathBuf, level: Level, expect: &[&'static str]) -> Case {
    Case {
        what,
        file,
        read: options(level),
        parent: None,
        expect: expect.to_vec(),
    }
}

fn zip_of(dir: &Path, name: &str, entries: &[(&str, PathBuf)]) -> PathBuf {
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (entry, source) in entries {
        zip.start_file(*entry, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(source).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn zip_bytes(
    dir: &Path,
    name: &str,
    entries: impl IntoIterator<Item = (String, Vec<u8>)>,
) -> PathBuf {
    let path = dir.join(name);
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (entry, bytes) in entries {
        zip.start_file(entry, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

/// Rewrites the unpacked size that an archive's headers give for every entry of `real`
/// bytes as `claimed`: a directory that lies.
fn forge_sizes(path: &Path, real: u32, claimed: u32) {
    let mut bytes = std::fs::read(path).unwrap();
    let mut forged = 0;
    for at in 0..bytes.len().saturating_sub(30) {
        // Local header (size at +22) and central directory entry (size at +24).
        let offset = match &bytes[at..at + 4] {
            b"PK\x03\x04" => 22,
            b"PK\x01\x02" => 24,
            _ => continue,
        };
        let field = at + offset..at + offset + 4;
        if bytes[field.clone()] == real.to_le_bytes() {
            bytes[field].copy_from_slice(&claimed.to_le_bytes());
            forged += 1;
        }
    }
    assert_eq!(forged, 2, "one local header and one directory entry");
    std::fs::write(path, bytes).unwrap();
}

fn copy_truncated(from: &Path, to: &Path, keep: f64) {
    let bytes = std::fs::read(from).unwrap();
    std::fs::write(to, &bytes[..(bytes.len() as f64 * keep) as usize]).unwrap();
}

#[tokio::test]
async fn every_bad_input_is_refused_named_and_changes_nothing() {
    let db = TestDb::with_districts().await;
    let p = db.interior_point("412").await;
    let (x, y) = (p.x(), p.y());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let commune = |code: &str, name: &str, x: f64, y: f64| {
        square_feature(json!({"code": code, "name": name}), x, y, 0.002)
    };
    let shp = |ext: &str| fixture(&format!("nghe_an_districts_wgs84.{ext}"));
    let vn = |ext: &str| fixture(&format!("nghe_an_districts_vn2000_tm3.{ext}"));

    // Files made for the cases.
    for ext in ["shp", "shx", "dbf"] {
        std::fs::copy(vn(ext), d.join(format!("noprj.{ext}"))).unwrap();
    }
    for ext in ["shx", "dbf", "prj", "cpg"] {
        std::fs::copy(shp(ext), d.join(format!("cut.{ext}"))).unwrap();
    }
    copy_truncated(&shp("shp"), &d.join("cut.shp"), 0.6);
    copy_truncated(
        &fixture("nghe_an_districts_wgs84.zip"),
        &d.join("cut.zip"),
        0.5,
    );
    std::fs::write(
        d.join("garbage.geojson"),
        b"{\"type\": \"FeatureCollection\", \"features\": [{\"type\": ",
    )
    .unwrap();
    std::fs::write(d.join("noise.gpkg"), [0x42_u8; 4096]).unwrap();
    let point = json!({"type": "Feature", "properties": {"code": "90001", "name": "Xã Điểm"}, "geometry": {"type": "Point", "coordinates": [x, y]}});
    let null_geometry = json!({"type": "Feature", "properties": {"code": "90001", "name": "Xã Rỗng"}, "geometry": null});
    let bow_tie = json!({"type": "Feature", "properties": {"code": "90001", "name": "Xã Nơ"},
        "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 0.01, y + 0.01], [x + 0.01, y], [x, y + 0.01], [x, y]]]}});

    let mut cases = vec![
        case(
            "duplicate codes",
            write_geojson(
                d,
                "dup.geojson",
                &[
                    commune("90001", "Xã A", x, y),
                    commune("90001", "Xã B", x - 0.003, y),
                ],
            ),
            Level::Commune,
            &[
                "dup.geojson",
                "feature 2",
                "`code`",
                "90001",
                "feature 1 already has",
            ],
        ),
        case(
            "empty geometry",
            write_geojson(d, "empty.geojson", &[null_geometry]),
            Level::Commune,
            &["empty.geojson", "feature 1", "no geometry"],
        ),
        case(
            "point, not polygon",
            write_geojson(d, "point.geojson", &[point]),
            Level::Commune,
            &["feature 1", "is a point", "polygons"],
        ),
        case(
            "swapped lat/lon",
            write_geojson(d, "swapped.geojson", &[commune("90001", "Xã Ngược", y, x)]),
            Level::Commune,
            &[
                "feature 1",
                "latitude and longitude swapped",
                "longitude, latitude",
            ],
        ),
        case(
            "projected, no .prj",
            d.join("noprj.shp"),
            Level::District,
            &["noprj.shp", "declares no CRS", "--source-crs"],
        ),
        case(
            "districts as communes",
            data("real/nghe_an_districts.geojson"),
            Level::Commune,
            &["feature 1", "`type`", "huyện", "--level district"],
        ),
        case(
            "unreadable",
            d.join("garbage.geojson"),
            Level::Commune,
            &["garbage.geojson", "cannot be read"],
        ),
        case(
            "not a GeoPackage",
            d.join("noise.gpkg"),
            Level::Commune,
            &["noise.gpkg", "cannot be read"],
        ),
        case(
            "truncated .shp",
            d.join("cut.shp"),
            Level::District,
            &["cut.shp", "truncated"],
        ),
        case(
            "truncated zip",
            d.join("cut.zip"),
            Level::District,
            &["cut.zip", "truncated"],
        ),
        case(
            "zip without .shx",
            zip_of(
                d,
                "noshx.zip",
                &[
                    ("huyen.shp", shp("shp")),
                    ("huyen.dbf", shp("dbf")),
                    ("huyen.prj", shp("prj")),
                ],
            ),
            Level::District,
            &["noshx.zip", "huyen.shx missing", ".shx, .dbf"],
        ),
        case(
            "zip without .dbf",
            zip_of(
                d,
                "nodbf.zip",
                &[("huyen.shp", shp("shp")), ("huyen.shx", shp("shx"))],
            ),
            Level::District,
            &["nodbf.zip", "huyen.dbf missing"],
        ),
        case(
            "zip with ../ path",
            zip_of(d, "slip.zip", &[("../huyen.shp", shp("shp"))]),
            Level::District,
            &["slip.zip", "outside the archive"],
        ),
        case(
            "zip with an absolute path",
            zip_of(d, "abs.zip", &[("/etc/huyen.shp", shp("shp"))]),
            Level::District,
            &["abs.zip", "outside the archive"],
        ),
        case(
            "zip bomb: 200 MB of zeros packed into a few hundred kB",
            zip_bytes(
                d,
                "bomb.zip",
                [("huyen.shp".to_owned(), vec![0; 200 << 20])],
            ),
            Level::District,
            &["bomb.zip", "huyen.shp", "over 100 times its size"],
        ),
        case(
            "zip bomb whose directory says it is small",
            {
                let path = zip_bytes(
                    d,
                    "lies.zip",
                    [
                        ("huyen.shp".to_owned(), vec![0; 16 << 20]),
                        ("huyen.shx".to_owned(), std::fs::read(shp("shx")).unwrap()),
                        ("huyen.dbf".to_owned(), std::fs::read(shp("dbf")).unwrap()),
                    ],
                );
                forge_sizes(&path, 16 << 20, 1000);
                path
            },
            Level::District,
            &["lies.zip", "huyen.shp", "more than its directory says"],
        ),
        case(
            "KMZ bomb whose directory says it is small",
            {
                let path = zip_bytes(
                    d,
                    "lies.kmz",
                    [("doc.kml".to_owned(), vec![b' '; 16 << 20])],
                );
                forge_sizes(&path, 16 << 20, 1000);
                path
            },
            Level::District,
            &["lies.kmz", "doc.kml", "more than its directory says"],
        ),
        case(
            "zip with too many entries",
            zip_bytes(
                d,
                "many.zip",
                (0..250).map(|i| (format!("x{i}.txt"), vec![b'x'; 10])),
            ),
            Level::District,
            &["many.zip", "250 entries", "at most 200"],
        ),
        case(
            "too many features",
            {
                let path = d.join("huge.geojson");
                let feature = r#"{"type":"Feature","geometry":null,"properties":{}}"#;
                let body = vec![feature; 100_001].join(",");
                std::fs::write(
                    &path,
                    format!(r#"{{"type":"FeatureCollection","features":[{body}]}}"#),
                )
                .unwrap();
                path
            },
            Level::Commune,
            &["huge.geojson", "100001 features", "at most 100000"],
        ),
        case(
            "bow-tie polygon",
            write_geojson(d, "bowtie.geojson", &[bow_tie]),
            Level::Commune,
            &["feature 1", "invalid", "ambiguous", "Fix geometries"],
        ),
        case(
            "outside the province",
            write_geojson(
                d,
                "hanoi.geojson",
                &[commune("90001", "Xã Hà Nội", 105.85, 21.02)],
            ),
            Level::Commune,
            &["feature 1", "inside no known district"],
        ),
        case(
            "half outside its parent",
            write_geojson(
                d,
                "straddle.geojson",
                &[square_feature(
                    json!({"code": "90001", "name": "Xã Lấn"}),
                    105.3,
                    18.9,
                    0.6,
                )],
            ),
            Level::Commune,
            &["feature 1", "outside its parent"],
        ),
        case(
            "no name",
            write_geojson(d, "noname.geojson", &[commune("90001", " ", x, y)]),
            Level::Commune,
            &["feature 1", "`name`", "has no name"],
        ),
        case(
            "no code, unknown name",
            write_geojson(
                d,
                "nocode.geojson",
                &[square_feature(json!({"name": "Xã Không Mã"}), x, y, 0.002)],
            ),
            Level::Commune,
            &["feature 1", "has no code", "--code-field"],
        ),
        case(
            "hamlets before communes",
            write_geojson(d, "hamlet.geojson", &[commune("90001-01", "Xóm 1", x, y)]),
            Level::Hamlet,
            &[
                "no commune units are loaded",
                "load the commune boundaries first (`covidmap ingest FILE --level commune`)",
            ],
        ),
        case(
            "missing file",
            d.join("nothing.zip"),
            Level::District,
            &["nothing.zip", "no such file"],
        ),
    ];
    cases.push(Case {
        what: "unknown --parent",
        file: write_geojson(d, "orphan.geojson", &[commune("90001", "Xã Mồ Côi", x, y)]),
        read: options(Level::Commune),
        parent: Some("999"),
        expect: vec!["--parent 999", "not a known district"],
    });
    cases.push(Case {
        what: "--name-field that is not there",
        file: write_geojson(d, "flag.geojson", &[commune("90001", "Xã Cờ", x, y)]),
        read: ReadOptions {
            fields: FieldFlags {
                name: Some("ten_goi".into()),
                ..FieldFlags::default()
            },
            ..options(Level::Commune)
        },
        parent: None,
        expect: vec!["--name-field \"ten_goi\"", "fields: code, name"],
    });

    let before = db.fingerprint().await;
    let mut failures = Vec::new();
    for c in &cases {
        match db.upload(&c.file, c.read.clone(), c.parent, false).await {
            Ok(r) => failures.push(format!("{}: accepted ({:?})", c.what, r.applied.diff)),
            Err(e) => {
                let message = e.to_string();
                for want in &c.expect {
                    if !message.contains(want) {
                        failures.push(format!(
                            "{}: message lacks {want:?}:\n    {message}",
                            c.what
                        ));
                    }
                }
            }
        }
        assert_eq!(
            db.fingerprint().await,
            before,
            "{} changed the database",
            c.what
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn an_unambiguous_repair_is_made_and_reported() {
    let db = TestDb::with_districts().await;
    let p = db.interior_point("412").await;
    let (x, y) = (p.x(), p.y());
    // A ring that runs out along its bottom edge and back: a zero-area spike.
    let spike = json!({"type": "Feature", "properties": {"code": "90001", "name": "Xã Gai"},
        "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 0.002, y], [x + 0.003, y], [x + 0.002, y], [x + 0.002, y + 0.002], [x, y + 0.002], [x, y]]]}});
    let dir = tempfile::tempdir().unwrap();
    let report = db
        .ingest(
            &write_geojson(dir.path(), "spike.geojson", &[spike]),
            Level::Commune,
        )
        .await
        .unwrap();
    assert!(
        report
            .file
            .notes
            .iter()
            .any(|n| n.starts_with("feature 1: repaired")),
        "{:?}",
        report.file.notes
    );
    assert_eq!(report.applied.diff.added, ["90001"]);
    let valid: bool = sqlx::query_scalar("SELECT bool_and(ST_IsValid(geom)) FROM admin_units")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert!(valid, "PostGIS agrees every stored boundary is valid");
}
