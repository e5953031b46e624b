//! The public listings over HTTP against PostGIS: filters, pages, and the layers as they
//! stood at a past moment.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::layers::{Declaration, LockdownZone};
use covidmap_live::LiveData;
use covidmap_store::{Author, Write};
use covidmap_tests::TestDb;
use geo::{polygon, InteriorPoint, MultiPolygon};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn ids(page: &Value) -> Vec<String> {
    page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn layers_list_by_unit_and_box_a_page_at_a_time() {
    let db = TestDb::with_sample().await;
    let backend = Arc::new(LiveData::load(db.store.clone()).await.unwrap());
    let base = covidmap_tests::serve_http(Arc::clone(&backend)).await;

    // Every page of Vinh's checkpoints, following the `next` links as a client resolves them.
    let mut url = format!("{base}/api/v1/layers/checkpoints?district=412&limit=3");
    let mut seen = Vec::new();
    let mut matched = None;
    loop {
        let (status, page) = get(&url).await;
        assert_eq!(status, 200, "{page}");
        matched = matched.or(page["numberMatched"].as_i64());
        assert_eq!(
            page["numberReturned"].as_u64().unwrap() as usize,
            ids(&page).len()
        );
        seen.extend(ids(&page));
        match page["links"][0]["href"].as_str() {
            // Relative to the page (a Host header never chooses where it points).
            Some(next) => url = format!("{base}{next}"),
            None => break,
        }
    }
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM checkpoints c, admin_units_current d \
         WHERE c.valid_to IS NULL AND d.code = '412' AND ST_Intersects(c.geom, d.geom)",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert!(
        expected > 3,
        "the sample has too few checkpoints in Vinh to page"
    );
    assert_eq!(matched, Some(expected));
    assert_eq!(seen.len() as i64, expected);
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>().len(),
        seen.len(),
        "no repeats"
    );

    // A box around one zone finds it.
    let snapshot = backend.snapshot();
    let zone = snapshot.layers().zones.first().unwrap();
    let p = zone.area.interior_point().unwrap();
    let bbox = format!(
        "{},{},{},{}",
        p.x() - 0.001,
        p.y() - 0.001,
        p.x() + 0.001,
        p.y() + 0.001
    );
    let (status, page) = get(&format!("{base}/api/v1/layers/zones?bbox={bbox}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(ids(&page).contains(&zone.id), "{page}");
    assert_eq!(page["features"][0]["geometry"]["type"], "MultiPolygon");

    let (status, answer) = get(&format!("{base}/api/v1/layers/zones?bbox=1,2,3")).await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("bbox"))
    );
    let (status, _) = get(&format!("{base}/api/v1/layers/people")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn zones_are_listed_as_they_stood_at_a_moment() {
    let db = TestDb::with_districts().await;
    let org = covidmap_core::agency::Organisation {
        id: "ubnd-412".into(),
        name: "UBND thành phố Vinh".into(),
        kind: covidmap_core::agency::OrgKind::DistrictCommittee,
        district_code: Some("412".into()),
    };
    db.store.add_organisation(&org).await.unwrap();
    let author = Author {
        org_id: org.id.clone(),
        org_name: org.name.clone(),
        token_id: None,
    };
    let p = db.interior_point("412").await;
    let (x, y) = (p.x(), p.y());
    let zone = LockdownZone {
        id: "khoi-3".into(),
        name: "Phong toả khối 3".into(),
        declaration: Declaration {
            level: 4,
            active: true,
            reason: "F0".into(),
            declared_by: org.name.clone(),
            started_at: chrono::Utc::now() - chrono::Duration::hours(1),
            planned_end: None,
            lifted_at: None,
        },
        unit_codes: vec![],
        area: MultiPolygon(vec![polygon![
            (x: x, y: y), (x: x + 0.002, y: y), (x: x + 0.002, y: y + 0.002), (x: x, y: y + 0.002)
        ]]),
    };
    let before_declared = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    db.store
        .put_zone(&zone, Write::Create, &author)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let while_active = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    db.store
        .lift(
            covidmap_core::Entity::LockdownZones,
            "khoi-3",
            None,
            &author,
        )
        .await
        .unwrap();

    let backend = Arc::new(LiveData::load(db.store.clone()).await.unwrap());
    let base = covidmap_tests::serve_http(backend).await;
    let at = |t: chrono::DateTime<chrono::Utc>, in_force: &str| {
        let t = t.to_rfc3339().replace('+', "%2B");
        format!("{base}/api/v1/layers/zones?at={t}&in_force={in_force}")
    };
    assert!(ids(&get(&at(before_declared, "true")).await.1).is_empty());
    let (_, then) = get(&at(while_active, "true")).await;
    assert_eq!(ids(&then), ["khoi-3"], "{then}");
    assert_eq!(then["features"][0]["properties"]["status"], "active");
    let (_, now) = get(&format!("{base}/api/v1/layers/zones?in_force=true")).await;
    assert!(ids(&now).is_empty(), "lifted: {now}");
    let (_, now) = get(&format!("{base}/api/v1/layers/zones?in_force=false")).await;
    assert_eq!(ids(&now), ["khoi-3"]);
    assert_eq!(now["features"][0]["properties"]["status"], "lifted");

    // One feature: as it is now, as it was, and a clear 404 for one that is not there.
    let one = |id: &str, at: Option<chrono::DateTime<chrono::Utc>>| {
        let at = at.map_or_else(String::new, |t| {
            format!("?at={}", t.to_rfc3339().replace('+', "%2B"))
        });
        format!("{base}/api/v1/layers/zones/{id}{at}")
    };
    let (status, feature) = get(&one("khoi-3", None)).await;
    assert_eq!(status, 200, "{feature}");
    assert_eq!(
        (feature["type"].as_str(), feature["id"].as_str()),
        (Some("Feature"), Some("khoi-3"))
    );
    assert_eq!(feature["properties"]["status"], "lifted");
    let corners = feature["geometry"]["coordinates"][0][0].as_array().unwrap();
    assert_eq!(corners.len(), 5, "unsimplified: {feature}");
    let (_, then) = get(&one("khoi-3", Some(while_active))).await;
    assert_eq!(then["properties"]["status"], "active", "{then}");
    let (status, missing) = get(&one("khoi-9", None)).await;
    assert_eq!(status, 404, "{missing}");
    assert_eq!(missing["error"]["field"], "id");
    assert!(
        missing["error"]["message"]
            .as_str()
            .unwrap()
            .contains("khoi-9"),
        "{missing}"
    );
    let (status, missing) = get(&one("khoi-3", Some(before_declared))).await;
    assert_eq!(status, 404, "{missing}");
    let (status, bad) = get(&format!("{base}/api/v1/layers/zones/khoi-3?bbox=1,2,3,4")).await;
    assert_eq!(
        (status, bad["error"]["field"].as_str()),
        (400, Some("bbox"))
    );
}
