//! The whole app over a fake backend, in process (`oneshot`): answers, headers, errors.

use super::*;
use crate::glyphs::{Glyphs, DEFAULT_FONT_DIR};
use axum::body::Body;
use axum::http::header;
use axum::http::Request;
use covidmap_core::Level;
use covidmap_store::{Health, StoreError};
use geo::polygon;
use serde_json::json;
use std::collections::BTreeMap;
use tower::ServiceExt;

struct Fake {
    cache: covidmap_tiles::TileCache,
}

fn fake() -> Arc<Fake> {
    Arc::new(Fake {
        cache: covidmap_tiles::TileCache::new(1 << 20),
    })
}

fn square(
    code: &str,
    level: Level,
    parent: Option<&str>,
    x: f64,
    size: f64,
) -> covidmap_core::AdminUnit {
    covidmap_core::AdminUnit {
        code: code.into(),
        level,
        name: format!("{} {code}", level.default_type().label()),
        name_key: code.into(),
        unit_type: level.default_type(),
        parent_code: parent.map(Into::into),
        geometry: geo::MultiPolygon(vec![
            polygon![(x: x, y: 18.0), (x: x + size, y: 18.0), (x: x + size, y: 18.0 + size), (x: x, y: 18.0 + size)],
        ]),
    }
}

impl Backend for Fake {
    fn tile_data(&self) -> Arc<covidmap_tiles::TileData> {
        let s = self.snapshot();
        Arc::new(covidmap_tiles::TileData::new(s.units(), s.layers()))
    }

    fn tile_cache(&self) -> &covidmap_tiles::TileCache {
        &self.cache
    }

    fn store(&self) -> Option<&covidmap_store::Store> {
        None
    }

    fn snapshot(&self) -> Arc<covidmap_lookup::Snapshot> {
        use covidmap_core::layers::{
            CommuneLevel, Declaration, Facility, FacilityKind, Layers, LockdownZone,
        };
        let hamlet = square("17128-01", Level::Hamlet, Some("17128"), 105.0, 0.05);
        let declaration = Declaration {
            level: 4,
            active: true,
            reason: "Chùm ca bệnh".into(),
            declared_by: "UBND huyện Đô Lương".into(),
            started_at: chrono::DateTime::UNIX_EPOCH,
            planned_end: None,
            lifted_at: None,
        };
        let layers = Layers {
            zones: vec![LockdownZone {
                id: "zone-17128-01".into(),
                name: "Phong toả xóm 1".into(),
                declaration,
                unit_codes: vec![hamlet.code.clone()],
                area: hamlet.geometry.clone(),
            }],
            points: vec![],
            facilities: vec![Facility {
                kind: FacilityKind::TestingSite,
                id: "testing-17128".into(),
                name: "Trạm y tế".into(),
                location: geo::Point::new(105.06, 18.06),
                outline: None,
                status: "open".into(),
                managed_by: None,
                category: None,
                capacity: None,
                occupancy: None,
            }],
            commune_levels: vec![CommuneLevel {
                commune_code: "17128".into(),
                level: 4,
                active_cases: 12,
            }],
            last_changed: Some(chrono::DateTime::UNIX_EPOCH),
        };
        Arc::new(covidmap_lookup::Snapshot::with_layers(
            vec![
                square("40", Level::Province, None, 105.0, 1.0),
                square("427", Level::District, Some("40"), 105.0, 0.5),
                square("17128", Level::Commune, Some("427"), 105.0, 0.1),
                hamlet,
            ],
            layers,
        ))
    }

    async fn health(&self) -> Result<Health, StoreError> {
        Ok(Health {
            units: BTreeMap::from([("district".to_owned(), 21)]),
        })
    }
    async fn units_geojson(
        &self,
        level: Option<Level>,
        parent: Option<&str>,
        _at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<String, StoreError> {
        Ok(json!({ "type": "FeatureCollection", "features": [], "level": level.map(Level::as_str), "parent": parent }).to_string())
    }
}

async fn get(uri: &str) -> (StatusCode, serde_json::Value) {
    let response = app(fake())
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn health_reports_counts() {
    let (status, body) = get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["units"]["district"], 21);
}

#[tokio::test]
async fn units_passes_filters() {
    let (status, body) = get("/api/v1/units?level=commune&parent=412").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["level"].as_str(), body["parent"].as_str()),
        (Some("commune"), Some("412"))
    );
}

#[tokio::test]
async fn status_names_the_units_of_a_point() {
    let (status, body) = get("/api/v1/status?lat=18.01&lon=105.01").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["inside_province"], true);
    assert_eq!(body["units"]["hamlet"]["code"], "17128-01");
    assert_eq!(body["units"]["commune"]["code"], "17128");
    assert_eq!(body["units"]["district"]["name"], "huyện 427");
    assert_eq!(body["lockdown"]["in_lockdown"], true);
    assert_eq!(body["lockdown"]["covered_by"][0]["id"], "zone-17128-01");
    assert_eq!(body["lockdown"]["covered_by"][0]["level"], 4);
    assert_eq!(
        body["lockdown"]["covered_by"][0]["declared_by"],
        "UBND huyện Đô Lương"
    );
    assert_eq!(body["epidemic_level"]["level"], 4);
    assert_eq!(body["nearest"]["testing_site"]["id"], "testing-17128");
    // 0.05° of longitude and of latitude at 18° N: about 7.5 km.
    let d = body["nearest"]["testing_site"]["distance_m"]
        .as_f64()
        .unwrap();
    assert!((7_000.0..8_000.0).contains(&d), "{d}");
    assert!(body["nearest"].get("checkpoint").is_none());
    assert_eq!(body["data_changed_at"], "1970-01-01T00:00:00Z");
    let (_, body) = get("/api/v1/status?lat=18.3&lon=105.3").await;
    assert_eq!(body["units"]["district"]["code"], "427");
    assert_eq!(body["lockdown"]["in_lockdown"], false);
    assert!(body["units"].get("commune").is_none());
    let (status, body) = get("/api/v1/status?lat=21.02&lon=105.85").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["inside_province"], false);
    assert!(body["message"].as_str().unwrap().contains("outside"));
}

#[tokio::test]
async fn status_refuses_bad_coordinates_naming_them() {
    let long_address = format!("/api/v1/status?address={}", "x%C3%B3m%205%20".repeat(40));
    for (uri, status, field) in [
        ("/api/v1/status", StatusCode::BAD_REQUEST, "lat"),
        ("/api/v1/status?lat=18.5", StatusCode::BAD_REQUEST, "lon"),
        (
            "/api/v1/status?lat=abc&lon=105",
            StatusCode::BAD_REQUEST,
            "lat",
        ),
        (
            "/api/v1/status?lat=18.5&lon=1e400",
            StatusCode::BAD_REQUEST,
            "lon",
        ),
        (
            "/api/v1/status?lat=NaN&lon=105",
            StatusCode::BAD_REQUEST,
            "lat",
        ),
        (
            "/api/v1/status?lat=95&lon=105",
            StatusCode::BAD_REQUEST,
            "lat",
        ),
        (
            "/api/v1/status?lat=18&lon=-181",
            StatusCode::BAD_REQUEST,
            "lon",
        ),
        (
            "/api/v1/status?lat=18&lon=105&zoom=3",
            StatusCode::BAD_REQUEST,
            "zoom",
        ),
        (
            "/api/v1/status?address=xom%201&lat=18&lon=105",
            StatusCode::BAD_REQUEST,
            "address",
        ),
        (
            "/api/v1/status?address=xom%201%20nghi%20phong",
            StatusCode::NOT_FOUND,
            "address",
        ),
        (
            "/api/v1/status?address=",
            StatusCode::BAD_REQUEST,
            "address",
        ),
        (
            "/api/v1/status?address=%20%20",
            StatusCode::BAD_REQUEST,
            "address",
        ),
        (
            "/api/v1/status?address=x%FFm",
            StatusCode::BAD_REQUEST,
            "address",
        ),
        (&long_address, StatusCode::BAD_REQUEST, "address"),
    ] {
        let (got, body) = get(uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert_eq!(body["error"]["field"], field, "{uri}: {body}");
    }
}

#[tokio::test]
async fn status_of_an_address_partly_locked_down() {
    let (status, body) =
        get("/api/v1/status?address=S%E1%BB%91%202%20L%C3%AA%20L%E1%BB%A3i%2C%20x%C3%A3%2017128")
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["units"]["commune"]["code"], "17128", "{body}");
    assert_eq!(body["units"]["district"]["code"], "427", "{body}");
    assert_eq!(body["matched_level"], "commune");
    assert_eq!(body["matched_text"], "17128");
    assert_eq!(body["street"], "Số 2 Lê Lợi");
    // The zone covers the hamlet, a quarter of the commune.
    assert_eq!(body["lockdown"]["in_lockdown"], false, "{body}");
    assert_eq!(body["lockdown"]["partial"], true);
    assert_eq!(body["lockdown"]["covered_share"], 0.25);
    assert_eq!(body["lockdown"]["covered_by"][0]["id"], "zone-17128-01");
    assert!(body["lockdown"]["advice"].as_str().unwrap().contains("GPS"));
    assert_eq!(body["epidemic_level"]["level"], 4);
    assert_eq!(body["nearest"]["testing_site"]["id"], "testing-17128");
    assert!(body["confidence"].as_f64().unwrap() > 0.5, "{body}");
}

#[tokio::test]
async fn search_answers_top_matches_and_refuses_bad_queries() {
    let (status, body) = get("/api/v1/search?q=xom%2017128").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"][0]["code"], "17128-01", "{body}");
    assert_eq!(body["results"][0]["parents"][0]["code"], "17128");
    assert_eq!(body["results"][0]["parents"][1]["code"], "427");
    let long = "a".repeat(201);
    for (uri, field) in [
        ("/api/v1/search".to_owned(), "q"),
        ("/api/v1/search?q=%20".to_owned(), "q"),
        (format!("/api/v1/search?q={long}"), "q"),
        ("/api/v1/search?q=a&n=3".to_owned(), "n"),
    ] {
        let (status, body) = get(&uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["error"]["field"], field, "{uri}: {body}");
    }
}

#[tokio::test]
async fn tiles_answer_with_headers_validators_and_named_errors() {
    let app = app(fake());
    // The fake district is 105.0–105.5 E, 18.0–18.5 N: tile 8/202/114 holds it.
    let request = |uri: &str, headers: &[(&str, &str)]| {
        let mut r = Request::get(uri);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.body(Body::empty()).unwrap()
    };
    let response = app
        .clone()
        .oneshot(request(
            "/tiles/8/202/114.mvt",
            &[("accept-encoding", "gzip, br")],
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let h = response.headers().clone();
    assert_eq!(
        h[header::CONTENT_TYPE],
        "application/vnd.mapbox-vector-tile"
    );
    assert_eq!(h[header::CONTENT_ENCODING], "gzip");
    assert!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN].to_str().is_ok());
    let etag = h[header::ETAG].to_str().unwrap().to_owned();
    let gz = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "gzip magic");
    // Without gzip: the plain tile; with the ETag: 304; `.pbf` is the same tile.
    let plain = app
        .clone()
        .oneshot(request("/tiles/8/202/114.pbf", &[]))
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.headers()[header::ETAG].to_str().unwrap(), etag);
    let again = app
        .clone()
        .oneshot(request("/tiles/8/202/114.mvt", &[("if-none-match", &etag)]))
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // Far from any data: 204.
    let empty = app
        .clone()
        .oneshot(request("/tiles/8/10/10.mvt", &[]))
        .await
        .unwrap();
    assert_eq!(empty.status(), StatusCode::NO_CONTENT);
    for (uri, status, field) in [
        ("/tiles/19/0/0.mvt", StatusCode::BAD_REQUEST, "z"),
        ("/tiles/a/0/0.mvt", StatusCode::BAD_REQUEST, "z"),
        ("/tiles/3/8/0.mvt", StatusCode::BAD_REQUEST, "x"),
        ("/tiles/3/0/-1.mvt", StatusCode::BAD_REQUEST, "y"),
        ("/tiles/3/0/zz.pbf", StatusCode::BAD_REQUEST, "y"),
        ("/tiles/3/0/0.png", StatusCode::NOT_FOUND, "format"),
        ("/tiles/3/0/0", StatusCode::NOT_FOUND, "format"),
    ] {
        let (got, body) = get(uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert_eq!(body["error"]["field"], field, "{uri}: {body}");
    }
}

#[tokio::test]
async fn tilejson_points_at_the_host_asked() {
    let response = app(fake())
        .oneshot(
            Request::get("/tiles.json")
                .header("host", "maps.example.vn:8443")
                .header("x-forwarded-proto", "https")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let tj: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "https://maps.example.vn:8443/tiles/{z}/{x}/{y}.mvt"
    );
    assert_eq!(tj["bounds"], serde_json::json!([105.0, 18.0, 106.0, 19.0]));
    assert_eq!(
        tj["vector_layers"].as_array().unwrap().len(),
        covidmap_tiles::LAYERS.len()
    );
    assert_eq!(tj["vector_layers"][4]["id"], "lockdown_zones");
    assert!(tj["vector_layers"][4]["fields"]["level"].is_string());
}

/// Every `["get", field]` inside a style expression.
fn fields_used(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Array(items) => {
            if items.len() == 2 && items[0] == "get" {
                if let Some(f) = items[1].as_str() {
                    out.push(f.to_owned());
                }
            }
            items.iter().for_each(|i| fields_used(i, out));
        }
        serde_json::Value::Object(map) => map.values().for_each(|v| fields_used(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_style_uses_only_layers_fields_and_fonts_we_serve() {
    let response = app(fake())
        .oneshot(
            Request::get("/styles/covid.json")
                .header("host", "map.test")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let style: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(style["version"], 8);
    // Centred on the fake's province (a 1° square at 105° E, 18° N).
    assert_eq!(style["center"], json!([105.5, 18.5]), "{}", style["center"]);
    assert_eq!(
        style["sources"]["covidmap"]["url"],
        "http://map.test/tiles.json"
    );
    assert_eq!(
        style["glyphs"],
        "http://map.test/fonts/{fontstack}/{range}.pbf"
    );
    let fonts = Glyphs::from_dir(std::path::Path::new(DEFAULT_FONT_DIR))
        .unwrap()
        .fonts();
    let mut drawn = std::collections::BTreeSet::new();
    for layer in style["layers"].as_array().unwrap() {
        let id = layer["id"].as_str().unwrap();
        let Some(source_layer) = layer["source-layer"].as_str() else {
            continue;
        };
        let spec = covidmap_tiles::catalogue::layer(source_layer)
            .unwrap_or_else(|| panic!("{id}: no tile layer {source_layer}"));
        drawn.insert(source_layer);
        let mut used = Vec::new();
        fields_used(layer, &mut used);
        for field in used {
            assert!(
                spec.fields.iter().any(|(f, _)| *f == field),
                "{id}: {source_layer} has no {field}"
            );
        }
        let min = layer["minzoom"].as_u64().unwrap_or(0);
        assert!(
            min >= u64::from(spec.min_zoom),
            "{id} asks below {source_layer}'s zoom"
        );
        if let Some(stack) = layer["layout"]["text-font"].as_array() {
            for font in stack {
                assert!(
                    fonts.iter().any(|f| f == font),
                    "{id}: font {font} not served"
                );
            }
        }
    }
    // Every layer of the tiles is drawn.
    assert_eq!(drawn.len(), covidmap_tiles::LAYERS.len(), "{drawn:?}");
    // The glyphs it asks for are served; bad requests are named.
    let glyph_request = Request::get("/fonts/DejaVu%20Sans%20Book/7680-7935.pbf");
    let ok = app(fake())
        .oneshot(glyph_request.body(Body::empty()).unwrap())
        .await
        .unwrap()
        .status();
    assert_eq!(ok, StatusCode::OK);
    for (uri, status, field) in [
        (
            "/fonts/DejaVu%20Sans%20Book/0-100.pbf",
            StatusCode::BAD_REQUEST,
            "range",
        ),
        (
            "/fonts/DejaVu%20Sans%20Book/zero.pbf",
            StatusCode::BAD_REQUEST,
            "range",
        ),
        (
            "/fonts/Comic%20Sans/0-255.pbf",
            StatusCode::NOT_FOUND,
            "fontstack",
        ),
    ] {
        let (got, body) = get(uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert_eq!(body["error"]["field"], field, "{uri}: {body}");
    }
}

#[tokio::test]
async fn bad_parameters_are_named() {
    for (uri, field) in [
        ("/api/v1/units?level=ward", "level"),
        ("/api/v1/units?parent=", "parent"),
        ("/api/v1/units?at=yesterday", "at"),
        ("/api/v1/units?level=commune&at=2025-07-01", "at"),
        ("/api/v1/units?parent=4%27%3B%20drop", "parent"),
        ("/api/v1/units?colour=red", "colour"),
        ("/api/v1/units?level=%FF", "level"),
    ] {
        let (status, body) = get(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["error"]["field"], field, "{uri}: {body}");
    }
    let (status, body) = get("/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}
