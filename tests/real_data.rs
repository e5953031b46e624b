//! Generated data never reaches a database that holds real data: the real binary, as an
//! operator runs it, over real boundaries, an empty database and the demo's.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_store::Contents;
use covidmap_tests::binary::{run, serve_binary};
use covidmap_tests::{data, decode_tile, square_feature, write_geojson, TestDb};
use covidmap_tiles::TileId;
use serde_json::{json, Value};
use std::path::Path;

/// Rows of every table the sample would fill, besides the boundaries.
async fn generated_rows(db: &TestDb) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM lockdown_zones) + (SELECT count(*) FROM lockdown_points)
              + (SELECT count(*) FROM checkpoints) + (SELECT count(*) FROM quarantine_camps)
              + (SELECT count(*) FROM testing_sites) + (SELECT count(*) FROM essential_services)
              + (SELECT count(*) FROM commune_levels) + (SELECT count(*) FROM daily_figures)
              + (SELECT count(*) FROM returning_workers) + (SELECT count(*) FROM organisations)
              + (SELECT count(*) FROM sample_dataset)",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap()
}

/// `covidmap ingest FILE --level LEVEL`, which must succeed.
fn ingest(db: &TestDb, file: &Path, level: &str) {
    let ingested = run(db, &["ingest", file.to_str().unwrap(), "--level", level]);
    assert!(
        ingested.status.success(),
        "{}",
        String::from_utf8_lossy(&ingested.stderr)
    );
}

async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn real_boundaries_are_served_as_they_are_with_nothing_generated_beside_them() {
    let db = TestDb::new().await;
    let districts = data("real/nghe_an_districts.geojson");
    // Districts need their province: refused by name until its outline is loaded.
    let early = run(
        &db,
        &["ingest", districts.to_str().unwrap(), "--level", "district"],
    );
    let stderr = String::from_utf8_lossy(&early.stderr);
    assert!(!early.status.success(), "{stderr}");
    assert!(stderr.contains("--level province"), "{stderr}");
    assert_eq!(db.store.contents().await.unwrap(), Contents::Empty);
    ingest(&db, &data("real/nghe_an_province.geojson"), "province");
    ingest(&db, &districts, "district");

    let served = serve_binary(&db, &[]).await;
    let (status, health) = get(&format!("{}/health", served.base)).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["sample_data"], false, "{health}");
    assert!(
        health["units"]["district"].as_i64().unwrap() > 20,
        "{health}"
    );
    // Vinh's centre: its district, and no lockdown, figure or facility anywhere.
    let (status, answer) = get(&format!(
        "{}/api/v1/status?lat=18.679&lon=105.681",
        served.base
    ))
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["units"]["district"]["code"], "412", "{answer}");
    assert_eq!(answer["lockdown"]["in_lockdown"], false, "{answer}");
    assert_eq!(answer["nearest"], serde_json::json!({}), "{answer}");
    assert_eq!(answer["sample_data"], false, "{answer}");
    let (status, _) = get(&format!("{}/tiles/8/203/114.mvt", served.base)).await;
    assert!(status == 200 || status == 204, "tile: {status}");
    drop(served);
    assert_eq!(
        generated_rows(&db).await,
        0,
        "generated rows beside real data"
    );

    // Asked for the sample explicitly: refused by name, nothing loaded.
    let refused = run(&db, &["serve", "--sample", "--bind", "127.0.0.1:0"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(stderr.contains("holds real data"), "{stderr}");
    assert_eq!(generated_rows(&db).await, 0);
    assert!(matches!(
        db.store.contents().await.unwrap(),
        Contents::Real { .. }
    ));
}

#[tokio::test]
async fn a_named_empty_database_stays_empty_unless_the_sample_is_asked_for() {
    let db = TestDb::new().await;
    let served = serve_binary(&db, &[]).await;
    let (status, health) = get(&format!("{}/health", served.base)).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["sample_data"], false, "{health}");
    let (status, answer) = get(&format!(
        "{}/api/v1/status?lat=18.679&lon=105.681",
        served.base
    ))
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["inside_province"], false, "{answer}");
    drop(served);
    assert_eq!(db.store.contents().await.unwrap(), Contents::Empty);
}

#[tokio::test]
async fn real_boundaries_are_not_ingested_into_the_demo() {
    let db = TestDb::with_sample().await;
    let before = db.fingerprint().await;
    let districts = data("real/nghe_an_districts.geojson");
    let refused = run(
        &db,
        &["ingest", districts.to_str().unwrap(), "--level", "district"],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(stderr.contains("generated sample"), "{stderr}");
    assert_eq!(db.fingerprint().await, before, "nothing changed");
    // And the store refuses to mark a database with real rows as the demo's.
    let real = TestDb::with_districts().await;
    let err = real.store.mark_sample(2021).await.unwrap_err();
    assert!(err.to_string().contains("holds real data"), "{err}");
    assert!(!real.store.is_sample().await.unwrap());
}

/// The tile of zoom `z` holding a point.
fn tile_at(z: u8, lon: f64, lat: f64) -> TileId {
    let n = f64::from(1_u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor();
    let y = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    TileId::new(u32::from(z), x as u32, y as u32).unwrap()
}

async fn page(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn another_province_is_served_end_to_end_and_two_side_by_side() {
    // A small province the test makes, south of Nghệ An: its outline and two districts.
    let dir = tempfile::tempdir().unwrap();
    let province = write_geojson(
        dir.path(),
        "province.geojson",
        &[square_feature(
            json!({"code": "42", "name": "Tỉnh Hà Tĩnh"}),
            105.9,
            17.9,
            0.4,
        )],
    );
    let districts = write_geojson(
        dir.path(),
        "districts.geojson",
        &[
            square_feature(
                json!({"code": "436", "name": "Huyện Hương Sơn"}),
                105.9,
                17.9,
                0.2,
            ),
            square_feature(
                json!({"code": "437", "name": "Huyện Đức Thọ"}),
                106.1,
                17.9,
                0.2,
            ),
        ],
    );
    let db = TestDb::new().await;
    ingest(&db, &province, "province");
    ingest(&db, &districts, "district");

    let served = serve_binary(&db, &[]).await;
    let (status, answer) = get(&format!("{}/api/v1/status?lat=18.0&lon=106.0", served.base)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["inside_province"], true, "{answer}");
    assert_eq!(answer["units"]["district"]["code"], "436", "{answer}");
    assert_eq!(
        answer["units"]["district"]["name"], "Huyện Hương Sơn",
        "{answer}"
    );
    // Vinh is not on this map, and the answer names the province that is.
    let (_, outside) = get(&format!(
        "{}/api/v1/status?lat=18.679&lon=105.681",
        served.base
    ))
    .await;
    assert_eq!(outside["inside_province"], false, "{outside}");
    let message = outside["message"].as_str().unwrap();
    assert!(
        message.contains("Tỉnh Hà Tĩnh") && !message.contains("Nghệ An"),
        "{message}"
    );

    // Its tile holds its districts, read back by GDAL.
    let tile = tile_at(10, 106.0, 18.0);
    let response = reqwest::get(format!(
        "{}/tiles/{}/{}/{}.mvt",
        served.base, tile.z, tile.x, tile.y
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    // Asked without Accept-Encoding: the plain tile.
    let bytes = response.bytes().await.unwrap();
    let layers = decode_tile(tile, &bytes);
    let names: Vec<&str> = layers["districts"]
        .iter()
        .filter_map(|f| f.fields.get("name").map(String::as_str))
        .collect();
    assert!(names.contains(&"Huyện Hương Sơn"), "{names:?}");

    // The pages, the tiles' metadata and the figures speak of it, and of nothing else.
    for path in ["/", "/admin"] {
        let html = page(&format!("{}{path}", served.base)).await;
        assert!(
            html.contains("COVID-19 – Tỉnh Hà Tĩnh</title>"),
            "{path}: {html}"
        );
        assert!(
            !html.contains("Nghệ An") && !html.contains("{{"),
            "{path}: {html}"
        );
        assert!(
            html.contains(r#"data-bounds="105.90000,17.90000,106.30000,18.30000""#),
            "{path}"
        );
    }
    let (_, tilejson) = get(&format!("{}/tiles.json", served.base)).await;
    let description = tilejson["description"].as_str().unwrap();
    assert!(description.contains("Tỉnh Hà Tĩnh"), "{description}");
    let (status, series) = get(&format!("{}/api/v1/figures", served.base)).await;
    assert_eq!(status, 200, "{series}");
    assert_eq!(series["unit"]["code"], "42", "{series}");
    assert_eq!(series["unit"]["name"], "Tỉnh Hà Tĩnh", "{series}");
    drop(served);

    // Two provinces in one database: both named, by code.
    ingest(&db, &data("real/nghe_an_province.geojson"), "province");
    let served = serve_binary(&db, &[]).await;
    let html = page(&format!("{}/", served.base)).await;
    assert!(
        html.contains("COVID-19 – Tỉnh Nghệ An, Tỉnh Hà Tĩnh</title>"),
        "{html}"
    );
    let (_, answer) = get(&format!("{}/api/v1/status?lat=18.0&lon=106.0", served.base)).await;
    assert_eq!(answer["units"]["district"]["code"], "436", "{answer}");
    assert_eq!(
        generated_rows(&db).await,
        0,
        "generated rows beside real data"
    );
}

#[tokio::test]
async fn districts_without_their_province_are_not_served() {
    // A database written before provinces were uploaded: districts naming province 40, which
    // it does not hold. The server refuses to start and says what to load.
    let db = TestDb::with_districts().await;
    sqlx::query(
        "UPDATE admin_units SET valid_to = now() WHERE level = 'province' AND valid_to IS NULL",
    )
    .execute(db.store.pool())
    .await
    .unwrap();
    // (Under `timeout`: were the check lost, the server would serve for ever.)
    let refused = std::process::Command::new("timeout")
        .arg("120")
        .arg(covidmap_tests::binary::binary())
        .args(["--database-url", &db.url, "serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_ne!(
        refused.status.code(),
        Some(124),
        "still serving after 2 minutes: {stderr}"
    );
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains("province(s) 40") && stderr.contains("--level province"),
        "{stderr}"
    );
}

#[test]
fn a_wrong_utc_offset_is_refused_by_name() {
    let refused = std::process::Command::new(covidmap_tests::binary::binary())
        .args(["serve", "--utc-offset", "ICT", "--bind", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains("--utc-offset") && stderr.contains("+07:00"),
        "{stderr}"
    );
}
