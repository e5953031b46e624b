//! Changes committed by any writer reach status answers without a restart.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::Level;
use covidmap_server::{Backend, LiveBackend};
use covidmap_tests::{square_feature, write_geojson, TestDb};
use geo::Point;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Polls until the snapshot's answer for `point` has (or lacks) a commune; returns how long it
/// took. Gives up after 20 s: this checks that changes arrive, benches measure how fast.
async fn wait_for_commune(backend: &LiveBackend, point: Point<f64>, present: bool) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if backend.snapshot().locate(point).commune.is_some() == present {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "the snapshot never showed the commune {}",
        if present { "added" } else { "closed" }
    );
}

#[tokio::test]
async fn an_upload_and_a_plain_sql_write_both_reach_the_snapshot() {
    let db = TestDb::with_districts().await;
    let backend = Arc::new(LiveBackend::load(db.store.clone()).await.unwrap());
    let _feed = Arc::clone(&backend).follow_changes();
    let p = db.interior_point("412").await;
    assert!(backend.snapshot().locate(p).commune.is_none());

    let dir = tempfile::tempdir().unwrap();
    let file = write_geojson(
        dir.path(),
        "xa.geojson",
        &[square_feature(
            json!({"code": "90001", "name": "Xã Mới"}),
            p.x() - 0.001,
            p.y() - 0.001,
            0.002,
        )],
    );
    db.ingest(&file, Level::Commune).await.unwrap();
    let after_upload = wait_for_commune(&backend, p, true).await;
    assert_eq!(
        backend
            .snapshot()
            .locate(p)
            .commune
            .map(|u| u.name.clone())
            .as_deref(),
        Some("Xã Mới")
    );

    // Another writer, straight SQL: close the commune's version.
    sqlx::query(
        "UPDATE admin_units SET valid_to = now() WHERE code = '90001' AND valid_to IS NULL",
    )
    .execute(db.store.pool())
    .await
    .unwrap();
    let after_sql = wait_for_commune(&backend, p, false).await;
    println!("visible after upload: {after_upload:?}, after SQL: {after_sql:?}");
}
