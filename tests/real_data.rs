//! Generated data never reaches a database that holds real data: the real binary, as an
//! operator runs it, over real boundaries, an empty database and the demo's.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_store::Contents;
use covidmap_tests::binary::{run, serve_binary};
use covidmap_tests::{data, TestDb};
use serde_json::Value;

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

async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn real_boundaries_are_served_as_they_are_with_nothing_generated_beside_them() {
    let db = TestDb::new().await;
    let districts = data("real/nghe_an_districts.geojson");
    let ingested = run(
        &db,
        &["ingest", districts.to_str().unwrap(), "--level", "district"],
    );
    assert!(
        ingested.status.success(),
        "{}",
        String::from_utf8_lossy(&ingested.stderr)
    );

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
