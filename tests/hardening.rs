//! Answers that were wrong in small ways, each right now: over real HTTP against the server
//! over the sample, every refusal in the API's one error shape and nothing changed.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::agency::Role;
use covidmap_tests::api::{square, zone_feature, Api};
use serde_json::{json, Value};

/// Sends a raw request; the status, the headers and the JSON body (`null` when not JSON).
async fn raw(
    method: reqwest::Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("(no error body)")
}

#[tokio::test]
async fn refusals_of_odd_requests_are_named_and_change_nothing() {
    let api = Api::start().await;
    let base = &api.base;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let before = api.state().await;

    // The scheme is case-insensitive.
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let auth = format!("{scheme} {vinh}");
        let (status, _, body) = raw(
            reqwest::Method::GET,
            &format!("{base}/api/v1/me"),
            &[("authorization", &auth)],
            None,
        )
        .await;
        assert_eq!(status, 200, "{scheme}: {body}");
    }

    // A NUL byte in a path id or a query: 400 naming where, not "the database is unavailable".
    let bearer = format!("Bearer {vinh}");
    let auth = [("authorization", bearer.as_str())];
    let zone = zone_feature(square(geo::Point::new(105.68, 18.67), 0.001), "x");
    for (method, path, field) in [
        (reqwest::Method::GET, "/api/v1/layers/zones/ab%00cd", "path"),
        (reqwest::Method::PUT, "/api/v1/zones/ab%00cd", "path"),
        (
            reqwest::Method::GET,
            "/api/v1/layers/zones?district=41%002",
            "query",
        ),
        (
            reqwest::Method::GET,
            "/api/v1/status?address=xom%001",
            "query",
        ),
    ] {
        let (status, _, body) = raw(
            method.clone(),
            &format!("{base}{path}"),
            &auth,
            Some(zone.to_string()),
        )
        .await;
        assert_eq!(status, 400, "{method} {path}: {body}");
        assert_eq!(body["error"]["field"], field, "{method} {path}: {body}");
    }
    // In a body: the database's refusal is the request's fault (422), not an outage (503).
    let mut nul = zone.clone();
    nul["properties"]["name"] = json!("Phong toả\u{0}xóm 1");
    let (status, _, body) = raw(
        reqwest::Method::POST,
        &format!("{base}/api/v1/zones"),
        &auth,
        Some(nul.to_string()),
    )
    .await;
    assert!(status == 422 || status == 400, "{status}: {body}");
    assert!(body["error"]["message"].is_string(), "{body}");

    // A static name longer than any file's: 404, not 500.
    let long = "a".repeat(300);
    for path in [
        format!("/static/{long}.js"),
        format!("/vendor/maplibre-gl/{long}"),
    ] {
        let (status, _, body) =
            raw(reqwest::Method::GET, &format!("{base}{path}"), &[], None).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(error_code(&body), "not_found", "{body}");
    }
    // A missing static file: 404 with a body too.
    let (status, _, body) = raw(
        reqwest::Method::GET,
        &format!("{base}/static/nothing.js"),
        &[],
        None,
    )
    .await;
    assert_eq!((status, error_code(&body)), (404, "not_found"), "{body}");

    // A method a path does not take: 405 with a body, and Allow.
    let (status, headers, body) = raw(
        reqwest::Method::DELETE,
        &format!("{base}/api/v1/zones"),
        &auth,
        None,
    )
    .await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(error_code(&body), "method_not_allowed", "{body}");
    let allow = headers.get("allow").unwrap().to_str().unwrap();
    assert!(allow.contains("POST"), "{allow}");

    // The figures' 413 names their limit, not the drawn areas'.
    let health = api.token("ttyt-412", Role::Editor).await;
    let snapshot = api.backend.snapshot();
    let commune = snapshot
        .units()
        .iter()
        .find(|u| {
            u.level == covidmap_core::Level::Commune && u.parent_code.as_deref() == Some("412")
        })
        .unwrap();
    let big = json!({"new_cases": 1, "note": "x".repeat(100_000)}).to_string();
    let (status, _, body) = raw(
        reqwest::Method::PUT,
        &format!("{base}/api/v1/figures/{}/2021-09-14", commune.code),
        &[("authorization", &format!("Bearer {health}"))],
        Some(big),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("65536"), "{message}");

    assert_eq!(api.state().await, before, "a refusal changed something");
}

#[tokio::test]
async fn links_pages_and_simultaneous_edits_answer_as_they_should() {
    let api = Api::start().await;
    let base = &api.base;

    // A next link never points at the host a client claims to be.
    let (status, _, page) = raw(
        reqwest::Method::GET,
        &format!("{base}/api/v1/layers/checkpoints?limit=1"),
        &[("host", "evil.example")],
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let next = page["links"][0]["href"].as_str().unwrap();
    assert!(next.starts_with("/api/v1/layers/checkpoints?"), "{next}");
    assert!(!next.contains("evil"), "{next}");

    // Every answer carries a request id (the client's, when it sent one), as its log lines do.
    let (_, headers, _) = raw(reqwest::Method::GET, &format!("{base}/health"), &[], None).await;
    let id = headers.get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(id.len(), 36, "{id}");
    let mine = [("x-request-id", "ioc-42")];
    let (_, headers, _) = raw(reqwest::Method::GET, &format!("{base}/health"), &mine, None).await;
    assert_eq!(headers.get("x-request-id").unwrap(), "ioc-42");

    // The pages cannot be framed, nor fed scripts from elsewhere.
    for path in ["/", "/admin", "/static/admin.js"] {
        let (status, headers, _) =
            raw(reqwest::Method::GET, &format!("{base}{path}"), &[], None).await;
        assert_eq!(status, 200, "{path}");
        let csp = headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert_eq!(headers.get("x-frame-options").unwrap(), "DENY", "{path}");
        assert_eq!(
            headers.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
    }

    // Simultaneous edits of one zone: each is written, or told it lost (409); none is told
    // the zone does not exist.
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let (_, point) = api.hamlet_in("412");
    let (status, created) = api
        .send(
            "POST",
            "/api/v1/zones",
            Some(&vinh),
            Some(&zone_feature(square(point, 0.0005), "đua")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let edits = (0..8).map(|i| {
        let (api, vinh, id) = (&api, vinh.clone(), id.clone());
        async move {
            let body = zone_feature(square(point, 0.0005), &format!("đua {i}"));
            api.send(
                "PUT",
                &format!("/api/v1/zones/{id}"),
                Some(&vinh),
                Some(&body),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(edits).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}: {answers:?}"
    );
    assert!(statuses.contains(&200), "{statuses:?}");
}

#[tokio::test]
async fn metrics_count_routes_statuses_the_tile_cache_and_reloads_in_prometheus_text() {
    let api = Api::start().await;
    let base = &api.base;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    for path in [
        "/api/v1/status?lat=18.679&lon=105.681",
        "/api/v1/status?lat=18.679&lon=105.681",
        "/api/v1/status?lat=1000",
        "/tiles/10/812/457.mvt",
        "/tiles/10/812/457.mvt",
    ] {
        reqwest::get(format!("{base}{path}")).await.unwrap();
    }
    // A write, so that the snapshot is reloaded.
    let (_, point) = api.hamlet_in("412");
    let zone = zone_feature(square(point, 0.0005), "đếm");
    let (status, _) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&zone))
        .await;
    assert_eq!(status, 201);
    let reloaded = || async {
        let text = reqwest::get(format!("{base}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.contains("covidmap_snapshot_reloads_total")
            .then_some(text)
    };
    let (_, text) = covidmap_tests::poll_until("a reload counted", reloaded).await;
    let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert!(text.contains("covidmap_snapshot_reloads_total"));

    // Read back by Prometheus' own client library: every sample, by name and labels.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.txt");
    std::fs::write(&path, &text).unwrap();
    let parsed = std::process::Command::new("python3")
        .args([
            "-c",
            r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        out.append({"name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps(out))
"#,
        ])
        .arg(&path)
        .output()
        .expect("python3 with prometheus-client (make test installs it)");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let samples: Vec<Value> = serde_json::from_slice(&parsed.stdout).unwrap();
    let value = |name: &str, labels: &[(&str, &str)]| -> f64 {
        samples
            .iter()
            .filter(|s| s["name"] == name)
            .filter(|s| labels.iter().all(|(k, v)| s["labels"][k] == *v))
            .map(|s| s["value"].as_f64().unwrap())
            .sum()
    };
    let status = [("route", "/api/v1/status"), ("status", "200")];
    assert!(
        value("covidmap_http_requests_total", &status) >= 2.0,
        "{text}"
    );
    let refused = [("route", "/api/v1/status"), ("status", "400")];
    assert!(
        value("covidmap_http_requests_total", &refused) >= 1.0,
        "{text}"
    );
    let timed = [("route", "/api/v1/status")];
    assert!(
        value("covidmap_http_request_duration_seconds_count", &timed) >= 3.0,
        "{text}"
    );
    assert!(
        value("covidmap_tile_cache_hits_total", &[]) >= 1.0,
        "{text}"
    );
    assert!(
        value("covidmap_tile_cache_misses_total", &[]) >= 1.0,
        "{text}"
    );
    assert!(value("covidmap_db_pool_connections", &[]) >= 1.0, "{text}");
    assert!(value("covidmap_snapshot_units", &[]) > 5000.0, "{text}");
    assert!(
        value("covidmap_snapshot_reloads_total", &[("what", "layers")]) >= 1.0,
        "{text}"
    );
}
