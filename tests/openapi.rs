//! The OpenAPI document: valid by an independent validator (Python's
//! `openapi-spec-validator`), and every operation it lists is routed by the server.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_server::LiveBackend;
use covidmap_tests::TestDb;
use serde_json::Value;
use std::sync::Arc;

#[tokio::test]
async fn the_document_is_valid_and_every_operation_in_it_is_served() {
    let db = TestDb::with_districts().await;
    let backend = Arc::new(LiveBackend::load(db.store.clone()).await.unwrap());
    let base = covidmap_tests::serve_http(backend).await;
    let response = reqwest::get(format!("{base}/api/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, &text).unwrap();
    let validator = std::process::Command::new("python3")
        .args(["-c", "import sys; from openapi_spec_validator import validate; from openapi_spec_validator.readers import read_from_filename; validate(read_from_filename(sys.argv[1])[0]); print('valid')"])
        .arg(&path)
        .output()
        .expect("python3 with openapi-spec-validator (make test installs it)");
    assert!(
        validator.status.success(),
        "{}",
        String::from_utf8_lossy(&validator.stderr)
    );

    // Each operation, with sample path values and no token, reaches a handler: whatever it
    // answers, it is not the fallback for unknown routes nor 405.
    let sample = |name: &str| match name {
        "z" => "6",
        "x" => "50",
        "file" => "28.mvt",
        "facility" => "checkpoints",
        "declarations" => "zones",
        "layer" => "zones",
        "fontstack" => "DejaVu Sans Book",
        "range" => "0-255.pbf",
        "day" => "2021-09-13",
        "id" => "1",
        _ => "412",
    };
    let client = reqwest::Client::new();
    let mut operations = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let mut url = template.clone();
        while let Some(start) = url.find('{') {
            let end = url[start..].find('}').unwrap() + start;
            let value = sample(&url[start + 1..end]).to_owned();
            url.replace_range(start..=end, &value);
        }
        for method in item.as_object().unwrap().keys() {
            let request = match method.as_str() {
                "get" => client.get(format!("{base}{url}")),
                "post" => client.post(format!("{base}{url}")),
                "put" => client.put(format!("{base}{url}")),
                other => panic!("{template}: unexpected method {other}"),
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let streams = response
                .headers()
                .get("content-type")
                .is_some_and(|t| t.as_bytes().starts_with(b"text/event-stream"));
            // The change stream never ends: its headers are the answer.
            let body = if streams {
                String::new()
            } else {
                response.text().await.unwrap_or_default()
            };
            assert_ne!(
                status, 405,
                "{method} {template}: not routed for this method"
            );
            assert!(
                !(status == 404 && body.contains("no such endpoint")),
                "{method} {template}: documented but not routed"
            );
            operations += 1;
        }
    }
    println!("{operations} documented operations, all routed");
    assert!(operations >= 30, "{operations}");
}
