//! The OpenAPI document: valid by an independent validator (Python's
//! `openapi-spec-validator`), and every operation it lists is routed by the server.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_live::LiveData;
use covidmap_tests::TestDb;
use serde_json::Value;
use std::sync::Arc;

#[tokio::test]
async fn the_document_is_valid_and_every_operation_in_it_is_served() {
    let db = TestDb::with_districts().await;
    let backend = Arc::new(LiveData::load(db.store.clone()).await.unwrap());
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
                "delete" => client.delete(format!("{base}{url}")),
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

/// Validates each answer against the schema the document gives its path, method and status,
/// with Python's `openapi-schema-validator` (OpenAPI 3.1, the document's own components).
fn check_against_document(doc: &Value, answers: &[(&str, &str, u16, Value)]) {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<Value> = answers
        .iter()
        .map(|(method, template, status, body)| {
            let schema = &doc["paths"][template][method]["responses"][status.to_string()]
                ["content"]["application/json"]["schema"];
            assert!(
                schema.is_object() && !schema.as_object().unwrap().is_empty(),
                "{method} {template} {status}: the document gives no schema"
            );
            serde_json::json!({"what": format!("{method} {template} {status}"), "schema": schema, "answer": body})
        })
        .collect();
    let path = dir.path().join("cases.json");
    let input = serde_json::json!({"components": doc["components"], "cases": cases});
    std::fs::write(&path, input.to_string()).unwrap();
    let script = r#"
import json, sys
from openapi_schema_validator import OAS31Validator
data = json.load(open(sys.argv[1]))
bad = []
for case in data["cases"]:
    schema = dict(case["schema"], components=data["components"])
    errors = [e.message for e in OAS31Validator(schema).iter_errors(case["answer"])]
    if errors:
        bad.append(case["what"] + ": " + "; ".join(errors[:3]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python3 with openapi-schema-validator (make test installs it)");
    assert!(
        out.status.success(),
        "answers that do not match their schemas:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn every_json_answer_matches_the_schema_the_document_gives_it() {
    use covidmap_core::agency::Role;
    use covidmap_core::Level;
    use geo::InteriorPoint;
    let api = covidmap_tests::api::Api::start().await;
    let (_, doc) = api.send("GET", "/api/v1/openapi.json", None, None).await;
    let snapshot = api.backend.snapshot();
    let zone = snapshot
        .layers()
        .zones
        .iter()
        .find(|z| z.declaration.active)
        .unwrap();
    let in_zone = zone.area.interior_point().unwrap();
    let commune = snapshot
        .units()
        .iter()
        .find(|u| u.level == Level::Commune && u.parent_code.as_deref() == Some("412"))
        .unwrap();
    let health = api.token("ttyt-412", Role::Editor).await;
    let office = api.token("ubnd-tinh", Role::Editor).await;

    let mut answers = Vec::new();
    let mut ask =
        |method: &'static str, template: &'static str, status: u16, answer: (u16, Value)| {
            assert_eq!(answer.0, status, "{method} {template}: {}", answer.1);
            answers.push((method, template, status, answer.1));
        };
    let get = |path: String, token: Option<String>| {
        let api = &api;
        async move { api.send("GET", &path, token.as_deref(), None).await }
    };
    ask("get", "/health", 200, get("/health".into(), None).await);
    let at = format!("/api/v1/status?lat={}&lon={}", in_zone.y(), in_zone.x());
    ask("get", "/api/v1/status", 200, get(at, None).await);
    let outside = "/api/v1/status?lat=10.8&lon=106.7".to_owned();
    ask("get", "/api/v1/status", 200, get(outside, None).await);
    let address = format!("/api/v1/status?address={}, Vinh", commune.name);
    ask("get", "/api/v1/status", 200, get(address, None).await);
    ask(
        "get",
        "/api/v1/status",
        400,
        get("/api/v1/status?lat=1".into(), None).await,
    );
    ask(
        "get",
        "/api/v1/search",
        200,
        get("/api/v1/search?q=nghi".into(), None).await,
    );
    ask(
        "get",
        "/api/v1/figures",
        200,
        get("/api/v1/figures?unit=412".into(), None).await,
    );
    ask(
        "get",
        "/api/v1/figures",
        200,
        get("/api/v1/figures".into(), None).await,
    );
    let districts = get("/api/v1/figures/districts".into(), None).await;
    ask("get", "/api/v1/figures/districts", 200, districts);
    ask(
        "get",
        "/api/v1/documents",
        200,
        get("/api/v1/documents".into(), None).await,
    );
    ask(
        "get",
        "/api/v1/me",
        200,
        get("/api/v1/me".into(), Some(office.clone())).await,
    );
    ask(
        "get",
        "/api/v1/me",
        401,
        get("/api/v1/me".into(), None).await,
    );
    let history = format!("/api/v1/history?entity=zones&id={}", zone.id);
    ask(
        "get",
        "/api/v1/history",
        200,
        get(history, Some(office.clone())).await,
    );

    let counts = serde_json::json!({"new_cases": 3, "active": 9, "recovered": 1, "deaths": 0, "in_quarantine": 20});
    let figures = format!("/api/v1/figures/{}/2021-09-14", commune.code);
    let written = api
        .send("PUT", &figures, Some(&health), Some(&counts))
        .await;
    ask("put", "/api/v1/figures/{commune}/{day}", 200, written);
    let wrong = serde_json::json!({"new_cases": -1});
    let invalid = api.send("PUT", &figures, Some(&health), Some(&wrong)).await;
    ask("put", "/api/v1/figures/{commune}/{day}", 422, invalid);
    let police = api.token("cong-an", Role::Editor).await;
    let refused = api
        .send("PUT", &figures, Some(&police), Some(&counts))
        .await;
    ask("put", "/api/v1/figures/{commune}/{day}", 403, refused);
    let csv = "name,lon,lat,status\nĐiểm test,105.68,18.67,open\n";
    let import = api
        .import("/api/v1/testing-sites/import?dry_run=true", &health, csv)
        .await;
    ask("post", "/api/v1/{facility}/import", 200, import);

    check_against_document(&doc, &answers);
}
