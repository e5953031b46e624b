//! Changes committed by any writer reach status answers without a restart.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::Level;
use covidmap_live::LiveData;
use covidmap_tests::{poll_until, square_feature, write_geojson, TestDb};
use geo::Point;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Polls until the snapshot's answer for `point` has (or lacks) a commune; returns how long it
/// took.
async fn wait_for_commune(backend: &LiveData, point: Point<f64>, present: bool) -> Duration {
    let what = if present {
        "the commune added"
    } else {
        "the commune closed"
    };
    poll_until(what, || async {
        (backend.snapshot().locate(point).commune.is_some() == present).then_some(())
    })
    .await
    .0
}

#[tokio::test]
async fn an_upload_and_a_plain_sql_write_both_reach_the_snapshot() {
    let db = TestDb::with_districts().await;
    let backend = Arc::new(LiveData::load(db.store.clone()).await.unwrap());
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

/// Polls the address answer for "TP Vinh" until its lockdown reads `(in_lockdown, partial)`.
async fn wait_for_address_lockdown(backend: &LiveData, expected: (bool, bool)) -> Duration {
    let what = format!("the address answer with (in_lockdown, partial) = {expected:?}");
    poll_until(&what, || async {
        let snapshot = backend.snapshot();
        let answer = covidmap_lookup::address_status(&snapshot, "TP Vinh").unwrap();
        let body = serde_json::to_value(&answer).unwrap();
        assert_eq!(body["units"]["district"]["code"], "412", "{body}");
        let got = (
            body["lockdown"]["in_lockdown"] == true,
            body["lockdown"]["partial"] == true,
        );
        (got == expected).then_some(())
    })
    .await
    .0
}

#[tokio::test]
async fn address_answers_follow_zones_declared_by_sql() {
    let db = TestDb::with_districts().await;
    let backend = Arc::new(LiveData::load(db.store.clone()).await.unwrap());
    let _feed = Arc::clone(&backend).follow_changes();
    wait_for_address_lockdown(&backend, (false, false)).await;
    let p = db.interior_point("412").await;
    let declare = |id: &str, codes: &str, geom: String| {
        format!(
            "INSERT INTO lockdown_zones (id, name, level, status, reason, unit_codes, geom, declared_by, started_at, changed_by) \
             VALUES ('{id}', 'Phong toả {id}', 4, 'active', 'ca mắc trong cộng đồng', '{codes}', {geom}, 'UBND thành phố Vinh', now(), 'test')"
        )
    };
    // A block of streets: part of the city.
    let block = format!(
        "ST_Multi(ST_MakeEnvelope({}, {}, {}, {}, 4326))",
        p.x() - 0.002,
        p.y() - 0.002,
        p.x() + 0.002,
        p.y() + 0.002
    );
    sqlx::query(&declare("block", "{}", block))
        .execute(db.store.pool())
        .await
        .unwrap();
    let partial = wait_for_address_lockdown(&backend, (false, true)).await;
    // The whole city, declared by its code.
    let city = "(SELECT geom FROM admin_units_current WHERE code = '412')".to_owned();
    sqlx::query(&declare("city", "{412}", city))
        .execute(db.store.pool())
        .await
        .unwrap();
    let whole = wait_for_address_lockdown(&backend, (true, false)).await;
    println!("address answers changed after {partial:?} (part) and {whole:?} (whole)");
}

/// GETs a tile; returns its status, ETag and body.
async fn get_tile(url: &str, if_none_match: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(etag) = if_none_match {
        request = request.header("if-none-match", etag);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, etag, response.bytes().await.unwrap().to_vec())
}

fn has_layer(tile: &[u8], name: &str) -> bool {
    tile.windows(name.len()).any(|w| w == name.as_bytes())
}

/// Polls the tile until it holds (or lacks) the lockdown-zones layer; returns how long it
/// took and the tile's ETag.
async fn wait_for_zone_in_tile(url: &str, present: bool) -> (Duration, String) {
    let state = if present { "declared" } else { "lifted" };
    poll_until(&format!("{url} with the zone {state}"), || async {
        let (status, etag, body) = get_tile(url, None).await;
        assert_eq!(status, 200, "{url}");
        (has_layer(&body, "lockdown_zones") == present).then_some(etag)
    })
    .await
}

#[tokio::test]
async fn an_edited_zone_reaches_the_tiles_and_the_stale_tile_is_never_served_again() {
    let db = TestDb::with_districts().await;
    let backend = Arc::new(LiveData::load(db.store.clone()).await.unwrap());
    let _feed = Arc::clone(&backend).follow_changes();
    let base = covidmap_tests::serve_http(Arc::clone(&backend)).await;
    let p = db.interior_point("412").await;
    // The z12 tile over the point.
    let n = f64::from(1_u32 << 12);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (x, y) = (
        ((p.x() + 180.0) / 360.0 * n) as u32,
        ((1.0 - p.y().to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32,
    );
    let url = format!("{base}/tiles/12/{x}/{y}.mvt");
    let (status, before, body) = get_tile(&url, None).await;
    assert_eq!(status, 200);
    assert!(!has_layer(&body, "lockdown_zones"));
    sqlx::query(&format!(
        "INSERT INTO lockdown_zones (id, name, level, status, reason, geom, declared_by, started_at, changed_by) \
         VALUES ('tile-zone', 'Phong toả thử', 4, 'active', 'ca mắc', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint({}, {}), 4326), 0.002)), 'UBND', now(), 'test')",
        p.x(),
        p.y()
    ))
    .execute(db.store.pool())
    .await
    .unwrap();
    let (declared_after, with_zone) = wait_for_zone_in_tile(&url, true).await;
    assert_ne!(with_zone, before);
    // From now on the old tile is never served: not as a body, not as a 304.
    for _ in 0..50 {
        let (status, etag, body) = get_tile(&url, Some(&before)).await;
        assert_eq!(status, 200, "a 304 would keep the client's stale tile");
        assert_eq!(etag, with_zone);
        assert!(has_layer(&body, "lockdown_zones"));
    }
    // Lifting it (closing the version) takes it off again.
    sqlx::query(
        "UPDATE lockdown_zones SET valid_to = now() WHERE id = 'tile-zone' AND valid_to IS NULL",
    )
    .execute(db.store.pool())
    .await
    .unwrap();
    let (lifted_after, _) = wait_for_zone_in_tile(&url, false).await;
    for _ in 0..20 {
        let (_, etag, body) = get_tile(&url, None).await;
        assert_ne!(etag, with_zone);
        assert!(!has_layer(&body, "lockdown_zones"));
    }
    println!(
        "tile showed the zone after {declared_after:?}, and its lifting after {lifted_after:?}"
    );
}
