//! The fuzz targets: what reads text, files, bodies and URLs from outside. Each must never
//! panic; the HTTP app must never answer 5xx (but for the 503 of writes, which need the
//! database this in-process app does not have).

#![allow(clippy::unwrap_used)] // the harness: a failed step fails the target

use covidmap_core::layers::FacilityKind;
use covidmap_core::Level;
use covidmap_fuzz::fuzz;
use covidmap_lookup::gazetteer::Gazetteer;
use covidmap_lookup::Snapshot;
use covidmap_server::Backend;
use covidmap_store::{Health, StoreError};
use covidmap_tiles::{TileCache, TileData};
use std::sync::{Arc, OnceLock};

/// The province as `make run` serves it: real districts, the sample's communes, hamlets and
/// layers. Built once for every target.
fn snapshot() -> Arc<Snapshot> {
    static SNAPSHOT: OnceLock<Arc<Snapshot>> = OnceLock::new();
    Arc::clone(SNAPSHOT.get_or_init(|| {
        let units = covidmap_benches::province_units();
        let layers = covidmap_benches::province_layers(&units);
        let changes = covidmap_benches::province_unit_changes();
        Arc::new(Snapshot::build(units, changes, layers).sample(true))
    }))
}

#[test]
fn address() {
    let snapshot = snapshot();
    let dictionary: &[&[u8]] = &[
        "xã ".as_bytes(),
        "phường ".as_bytes(),
        "thị trấn ".as_bytes(),
        "xóm ".as_bytes(),
        "khối ".as_bytes(),
        "huyện ".as_bytes(),
        b"TP ",
        b"Tp.",
        b"H.",
        b", ",
        b"-",
        b"/",
        "Nghệ An".as_bytes(),
        "Vinh".as_bytes(),
        "Nghi Phong".as_bytes(),
        "Đô Lương".as_bytes(),
        "\u{0301}".as_bytes(),
        "\u{0323}".as_bytes(),
        b"12",
        b"0",
    ];
    fuzz("address", dictionary, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        let _ = covidmap_lookup::address::Address::read(&text);
        let _ = covidmap_lookup::address_status(&snapshot, &text);
        let _ = snapshot.search(&text, 10);
        let _ = covidmap_messages::lookups::search_words(Some(&text));
    });
}

#[test]
fn legacy_text() {
    use covidmap_ingest::legacy::{detect, TextEncoding};
    let dictionary: &[&[u8]] = &[
        &[0xa7],
        &[0xae],
        &[0xd4, 0xa3],
        &[0xc3, 0xa1],
        &[0xd2],
        &[0xf2],
    ];
    fuzz("legacy_text", dictionary, |bytes| {
        // Fields of a DBF, as the reader samples them.
        let samples: Vec<&[u8]> = bytes.split(|b| *b == b'\n').take(64).collect();
        let detected = detect(&samples);
        for sample in &samples {
            let _ = detected.decode(sample);
        }
        for encoding in [
            TextEncoding::Utf8,
            TextEncoding::Tcvn3,
            TextEncoding::Vni,
            TextEncoding::Windows1258,
        ] {
            let _ = encoding.decode(bytes);
        }
    });
}

#[test]
fn facility_csv() {
    let snapshot = snapshot();
    let dictionary: &[&[u8]] = &[
        b"name,lon,lat\n",
        b"name,address,status\n",
        b"id,name,status,lon,lat,address,managed_by,category,capacity,occupancy\n",
        b",",
        b"\"",
        b"\r\n",
        b"105.68",
        b"18.67",
        b"NaN",
        b"1e308",
        b"-0",
        b"open",
        b"closed",
        "Xã Nghi Phong".as_bytes(),
    ];
    fuzz("facility_csv", dictionary, |bytes| {
        for kind in FacilityKind::ALL {
            let _ = covidmap_messages::import::read_csv(kind, bytes, &snapshot);
        }
    });
}

#[test]
fn unit_changes() {
    let snapshot = snapshot();
    let stored = snapshot.unit_changes().to_vec();
    let outlines = std::collections::HashMap::new();
    let above_hamlets: Vec<_> = snapshot
        .units()
        .iter()
        .filter(|u| u.level != Level::Hamlet)
        .cloned()
        .collect();
    let dictionary: &[&[u8]] = &[
        b"effective,act,kind,predecessor_code,predecessor_name,predecessor_parent_code,successor_code,successor_name,source\n",
        b"2024-12-01,",
        b"merge,",
        b"split,",
        b"move,",
        b"district_abolished,",
        b"412,",
        b"16681,",
        "Phường Lê Mao,".as_bytes(),
        "Phường Quang Trung,".as_bytes(),
        br#"{"changes":[{"kind":"merge"}]}"#,
        b"\"",
        b"\r\n",
    ];
    fuzz("unit_changes", dictionary, |bytes| {
        let files = [
            covidmap_messages::unit_changes::read_csv(bytes),
            serde_json::from_slice(bytes)
                .map_err(|_| Vec::new())
                .and_then(|body| covidmap_messages::unit_changes::read_json(&body)),
        ];
        for file in files.into_iter().flatten() {
            let known = covidmap_core::lineage::Known {
                units: snapshot.units(),
                stored: &stored,
                outlines: &outlines,
            };
            let problems = covidmap_core::lineage::check(&file.changes, known);
            let _ = file.field_errors(problems);
            // What the gazetteer would make of them, had they passed.
            let gazetteer = Gazetteer::with_changes(&above_hamlets, file.changes);
            let _ = gazetteer.answer(&above_hamlets, "Phường Lê Mao, TP Vinh");
        }
    });
}

#[test]
fn json_bodies() {
    let snapshot = snapshot();
    let now = chrono::DateTime::parse_from_rfc3339("2021-09-20T10:00:00+07:00")
        .unwrap()
        .to_utc();
    let today = now.date_naive();
    let dictionary: &[&[u8]] = &[
        br#""geometry""#,
        br#""properties""#,
        br#""coordinates""#,
        br#""type":"Polygon""#,
        br#""type":"MultiPolygon""#,
        br#""type":"Point""#,
        br#""started_at""#,
        br#""planned_end""#,
        br#""level""#,
        br#""id""#,
        br#""version_id""#,
        b"null",
        b"[]",
        b"{}",
        b"1e999",
        b"-1",
        b"18446744073709551616",
        b"[105.68,18.67]",
        br#""2021-09-13T08:00:00+07:00""#,
        br#""\u0000""#,
    ];
    fuzz("json_bodies", dictionary, |bytes| {
        let Ok(body) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            return;
        };
        let _ = covidmap_messages::zone_request(&body, &snapshot, now);
        let _ = covidmap_messages::point_request(&body, now);
        for kind in FacilityKind::ALL {
            let _ = covidmap_messages::facility_request(kind, &body);
        }
        let _ = covidmap_messages::figures_request(&body);
        let _ = covidmap_messages::workers_request(&body);
        let _ = covidmap_messages::level_request(&body);
        let _ = covidmap_messages::document_request(&body, today);
        let _ = covidmap_messages::revert_request(&body);
    });
}

#[test]
fn zip_upload() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload.zip");
    let options = covidmap_ingest::ReadOptions {
        level: Level::District,
        fields: covidmap_ingest::FieldFlags::default(),
        source_crs: None,
        encoding: None,
    };
    let dictionary: &[&[u8]] = &[
        b"PK\x03\x04",
        b"PK\x01\x02",
        b"PK\x05\x06",
        b".shp",
        b".dbf",
        b"../",
    ];
    fuzz("zip_upload", dictionary, |bytes| {
        std::fs::write(&path, bytes).unwrap();
        let _ = covidmap_ingest::read_file(&path, &options);
    });
}

/// The app's data without a database: the snapshot, its tiles, a cache.
struct InMemory {
    snapshot: Arc<Snapshot>,
    tiles: Arc<TileData>,
    cache: TileCache,
}

impl Backend for InMemory {
    async fn health(&self) -> Result<Health, StoreError> {
        Ok(Health {
            units: std::collections::BTreeMap::new(),
        })
    }
    async fn units_geojson(
        &self,
        _level: Option<Level>,
        _parent: Option<&str>,
        _at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<String, StoreError> {
        Ok(r#"{"type":"FeatureCollection","features":[]}"#.to_owned())
    }
    fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot)
    }
    fn tile_data(&self) -> Arc<TileData> {
        Arc::clone(&self.tiles)
    }
    fn tile_cache(&self) -> &TileCache {
        &self.cache
    }
    fn store(&self) -> Option<&covidmap_store::Store> {
        None
    }
}

/// A request written as text: `METHOD TARGET`, header lines, a blank line, the body.
fn request(bytes: &[u8]) -> Option<axum::http::Request<axum::body::Body>> {
    let split = bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .unwrap_or(bytes.len());
    let head = String::from_utf8_lossy(&bytes[..split]);
    let body = bytes.get(split + 2..).unwrap_or_default().to_vec();
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let mut builder = axum::http::Request::builder().method(method).uri(target);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        builder = builder.header(name.trim(), value.trim());
    }
    builder.body(axum::body::Body::from(body)).ok()
}

/// The whole app over the province in memory, and a runtime to drive it; built once.
fn http_app() -> &'static (axum::Router, tokio::runtime::Runtime) {
    static APP: OnceLock<(axum::Router, tokio::runtime::Runtime)> = OnceLock::new();
    APP.get_or_init(|| {
        let snapshot = snapshot();
        let backend = Arc::new(InMemory {
            tiles: Arc::new(TileData::new(snapshot.units(), snapshot.layers())),
            snapshot,
            cache: TileCache::new(16 << 20),
        });
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web");
        let assets = covidmap_server::Assets {
            glyphs: Arc::new(covidmap_server::glyphs::Glyphs::empty()),
            web_dir: web,
        };
        let app = covidmap_server::app_with(backend, assets, covidmap_server::Settings::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (app, runtime)
    })
}

/// A request (as [`request`] reads it) is never answered 5xx (but for writes' read-only
/// 503), and every 4xx carries the JSON error.
fn answers_without_fault(bytes: &[u8]) {
    use tower::ServiceExt as _;
    let (app, runtime) = http_app();
    let Some(request) = request(bytes) else {
        return;
    };
    let target = request.uri().to_string();
    let method = request.method().clone();
    let response = runtime.block_on(app.clone().oneshot(request)).unwrap();
    let status = response.status();
    let gzipped = response
        .headers()
        .get(axum::http::header::CONTENT_ENCODING)
        .is_some_and(|v| v == "gzip");
    let mut body = runtime
        .block_on(axum::body::to_bytes(response.into_body(), 64 << 20))
        .unwrap_or_default()
        .to_vec();
    // (A HEAD answer says how its GET would be encoded, and has no body.)
    if gzipped && !body.is_empty() {
        let mut plain = Vec::new();
        let decoded =
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut plain);
        assert!(
            decoded.is_ok(),
            "{method} {target}: {status} says gzip but its body is not"
        );
        body = plain;
    }
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    // Writes, and reads of what only the database holds (documents, history), need the
    // database, which this app has not: 503 "read_only" is their answer. A HEAD answer has
    // no body to say so: its GET is asked.
    let read_only = status == 503
        && if method == axum::http::Method::HEAD {
            let get = axum::http::Request::get(&target)
                .body(axum::body::Body::empty())
                .unwrap();
            let response = runtime.block_on(app.clone().oneshot(get)).unwrap();
            let bytes = runtime
                .block_on(axum::body::to_bytes(response.into_body(), 1 << 20))
                .unwrap_or_default();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default()["error"]["code"]
                == "read_only"
        } else {
            answer["error"]["code"] == "read_only"
        };
    assert!(
        !status.is_server_error() || read_only,
        "{method} {target}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    if status.is_client_error() && method != axum::http::Method::HEAD {
        assert!(
            answer["error"]["message"].is_string(),
            "{method} {target}: {status} without a JSON error: {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[test]
fn http_requests() {
    let dictionary: &[&[u8]] = &[
        b"/api/v1/",
        b"status",
        b"search",
        b"units",
        b"layers/",
        b"zones",
        b"points",
        b"checkpoints",
        b"testing-sites",
        b"quarantine-camps",
        b"essential-services",
        b"figures",
        b"documents",
        b"history",
        b"revert",
        b"boundaries",
        b"/tiles/",
        b".mvt",
        b"/fonts/",
        b"0-255.pbf",
        b"?",
        b"&",
        b"=",
        b"%00",
        b"%C3%A1",
        b"%",
        b"lat=",
        b"lon=",
        b"address=",
        b"q=",
        b"limit=",
        b"offset=",
        b"bbox=",
        b"at=",
        b"day=",
        b"from=",
        b"to=",
        b"unit=",
        b"level=",
        b"parent=",
        b"district=",
        b"18446744073709551616",
        b"-1",
        b"NaN",
        b"inf",
        b"1e308",
        b"Authorization: Bearer cm_x\n",
        b"Content-Type: application/json\n",
        b"Accept-Encoding: gzip\n",
        b"If-None-Match: \"x\"\n",
    ];
    fuzz("http_requests", dictionary, answers_without_fault);
}

/// Found by `http_requests`: a tile path whose percent-decoded segment is not UTF-8 was
/// answered 400 in axum's plain text, not in the API's error shape.
#[test]
fn regression_a_path_segment_that_is_not_utf8_is_answered_in_json() {
    answers_without_fault(b"GET /tiles/30/4294967295/1lon=0x%C3%Ai%20Phong");
    answers_without_fault(b"GET /api/v1/layers/zones/%C3%28");
    // (and when the client takes gzip, the rewritten answer is not marked gzip)
    answers_without_fault(
        b"GET /api/v1/layers/zones/%C3%28aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nAccept-Encoding: gzip",
    );
}
