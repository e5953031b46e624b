//! The API over real HTTP against real PostGIS.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_tests::TestDb;
use serde_json::Value;
use std::sync::Arc;

/// GETs a URL and reads its JSON body.
async fn get_json(url: String) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

async fn serve(db: &TestDb) -> String {
    let backend = covidmap_live::LiveData::load(db.store.clone())
        .await
        .unwrap();
    covidmap_tests::serve_http(Arc::new(backend)).await
}

#[tokio::test]
async fn health_and_units_answer_from_postgis() {
    let db = TestDb::with_districts().await;
    let base = serve(&db).await;
    let health: Value = get_json(format!("{base}/health")).await;
    assert_eq!(health["database"], "reachable");
    assert_eq!(health["units"]["district"], 21);
    assert_eq!(health["units"]["province"], 1);
    assert_eq!(health["units"]["hamlet"], 0);

    let response = reqwest::get(format!("{base}/api/v1/units?level=district&parent=40"))
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/geo+json");
    let fc: Value = response.json().await.unwrap();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 21);
    let vinh = features
        .iter()
        .find(|f| f["properties"]["code"] == "412")
        .unwrap();
    assert_eq!(vinh["properties"]["name"], "Thành phố Vinh");
    assert_eq!(vinh["properties"]["type"], "thành phố");
    assert_eq!(vinh["properties"]["level"], "district");
    assert_eq!(vinh["properties"]["parent_code"], "40");
    assert_eq!(vinh["geometry"]["type"], "MultiPolygon");

    // Status from the snapshot: the middle of Vinh is in Thành phố Vinh.
    let status: Value = get_json(format!("{base}/api/v1/status?lat=18.6733&lon=105.6813")).await;
    assert_eq!(status["inside_province"], true, "{status}");
    assert_eq!(status["units"]["district"]["code"], "412", "{status}");
    let outside: Value = get_json(format!("{base}/api/v1/status?lat=21.0278&lon=105.8342")).await;
    assert_eq!(outside["inside_province"], false, "{outside}");

    // Status of an address, read by the gazetteer.
    let by_address: Value = get_json(format!(
        "{base}/api/v1/status?address=h.%20do%20luong,%20nghe%20an"
    ))
    .await;
    assert_eq!(
        by_address["units"]["district"]["code"], "427",
        "{by_address}"
    );
    assert_eq!(by_address["matched_text"], "do luong", "{by_address}");
    assert_eq!(by_address["lockdown"]["in_lockdown"], false, "{by_address}");
    let response = reqwest::get(format!("{base}/api/v1/status?address=Hà%20Nội"))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let unknown: Value = response.json().await.unwrap();
    assert_eq!(unknown["error"]["field"], "address", "{unknown}");

    let search: Value = get_json(format!("{base}/api/v1/search?q=DO%20LUONG")).await;
    assert_eq!(search["results"][0]["code"], "427", "{search}");
    assert_eq!(search["results"][0]["name"], "Huyện Đô Lương", "{search}");

    let none: Value = get_json(format!("{base}/api/v1/units?parent=412")).await;
    assert_eq!(none["features"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn bad_parameters_get_400_with_json_naming_them() {
    let db = TestDb::new().await;
    let base = serve(&db).await;
    for (query, field) in [
        ("level=village", "level"),
        ("parent=%27%3Bdrop", "parent"),
        ("bbox=1,2", "bbox"),
    ] {
        let response = reqwest::get(format!("{base}/api/v1/units?{query}"))
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().len() > 10);
    }
}
