//! OGC API – Features read by clients nobody here wrote (GDAL's OAPIF driver, `ogrinfo` and
//! `ogr2ogr`), checked against the database's rows; history through `datetime`; VN-2000
//! against PostGIS/PROJ; and every bad input named.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::agency::Role;
use covidmap_tests::api::{zone_feature, Api};
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

/// Runs a GDAL program; its standard output. (Awaited, never blocking: the server under
/// test runs on the test's own runtime.)
async fn gdal(program: &str, args: &[&str]) -> String {
    let out = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The values of one column of `ogr2ogr -f CSV` output.
fn csv_column(csv: &str, column: &str) -> BTreeSet<String> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let index = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no {column} in {csv:.200}"));
    reader
        .records()
        .map(|r| r.unwrap()[index].to_owned())
        .collect()
}

async fn sql_set(api: &Api, sql: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>(sql)
        .fetch_all(api.db.store.pool())
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn get(api: &Api, path: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = reqwest::get(format!("{}{path}", api.base)).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    )
}

#[tokio::test]
async fn gdal_lists_every_collection_and_reads_what_the_database_holds() {
    let api = Api::start().await;
    let root = format!("OAPIF:{}/ogc", api.base);
    let listing = gdal("ogrinfo", &["-ro", "-q", &root]).await;
    for c in covidmap_ogc::COLLECTIONS {
        assert!(
            listing.contains(&format!(": {} (title: {})", c.id, c.title)),
            "{} not listed:\n{listing}",
            c.id
        );
    }

    // Every hamlet, page after page (GDAL follows the next links), equals the current rows.
    // (GDAL 3.6 asks for 10 a page unless told; 1 000 keeps the test short.)
    let hamlets = gdal(
        "ogr2ogr",
        &[
            "-f",
            "CSV",
            "/vsistdout/",
            &root,
            "hamlets",
            "-select",
            "code,name",
            "-oo",
            "PAGE_SIZE=1000",
        ],
    )
    .await;
    let read = csv_column(&hamlets, "code");
    let held = sql_set(
        &api,
        "SELECT code FROM admin_units_current WHERE level = 'hamlet'",
    )
    .await;
    assert!(held.len() > 1000, "the sample has its hamlets");
    assert_eq!(read, held, "GDAL's hamlets are the database's");
    let summary = gdal("ogrinfo", &["-ro", "-so", &root, "hamlets"]).await;
    assert!(
        summary.contains(&format!("Feature Count: {}", held.len())),
        "numberMatched is the count:\n{summary}"
    );

    // -where is pushed down as property=value; -spat as bbox.
    let fours = gdal(
        "ogr2ogr",
        &[
            "-f",
            "CSV",
            "/vsistdout/",
            &root,
            "communes",
            "-where",
            "parent_code = '412'",
        ],
    )
    .await;
    let vinh = sql_set(
        &api,
        "SELECT code FROM admin_units_current WHERE level = 'commune' AND parent_code = '412'",
    )
    .await;
    assert!(!vinh.is_empty());
    assert_eq!(csv_column(&fours, "code"), vinh);
    let boxed = gdal(
        "ogr2ogr",
        &[
            "-f",
            "CSV",
            "/vsistdout/",
            &root,
            "communes",
            "-spat",
            "105.6",
            "18.6",
            "105.7",
            "18.7",
        ],
    )
    .await;
    let inside = sql_set(&api, "SELECT code FROM admin_units_current WHERE level = 'commune' AND ST_Intersects(geom, ST_MakeEnvelope(105.6, 18.6, 105.7, 18.7, 4326))").await;
    assert!(!inside.is_empty());
    assert_eq!(csv_column(&boxed, "code"), inside);

    // Geometries as stored, to the centimetre: GDAL's outline of a commune against PostGIS's.
    let code = inside.iter().next().unwrap().clone();
    let wkt = gdal(
        "ogr2ogr",
        &[
            "-f",
            "CSV",
            "/vsistdout/",
            &root,
            "communes",
            "-where",
            &format!("code = '{code}'"),
            "-lco",
            "GEOMETRY=AS_WKT",
        ],
    )
    .await;
    let wkt = csv_column(&wkt, "WKT").into_iter().next().unwrap();
    let distance: f64 = sqlx::query_scalar("SELECT ST_HausdorffDistance(ST_Transform(ST_GeomFromText($1, 4326), 9208), ST_Transform(geom, 9208)) FROM admin_units_current WHERE code = $2")
        .bind(&wkt)
        .bind(&code)
        .fetch_one(api.db.store.pool())
        .await
        .unwrap();
    assert!(distance < 0.02, "{distance} m apart");
}

#[tokio::test]
async fn filters_in_cql2_text_and_json_answer_as_sql_would() {
    let api = Api::start().await;
    let cases = [
        ("name LIKE 'Xã Nghi%' AND parent_code IN ('412', '429')", "cql2-text",
         "name LIKE 'Xã Nghi%' AND parent_code IN ('412', '429')"),
        ("S_INTERSECTS(geometry, POINT(105.68 18.67))", "cql2-text",
         "ST_Intersects(geom, ST_SetSRID(ST_MakePoint(105.68, 18.67), 4326))"),
        ("S_WITHIN(geometry, BBOX(105.5, 18.5, 105.9, 18.9))", "cql2-text",
         "ST_Within(geom, ST_MakeEnvelope(105.5, 18.5, 105.9, 18.9, 4326))"),
        (r#"{"op":"and","args":[{"op":">=","args":[{"property":"name"},"Xã T"]},{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[104.5,18.5],[105.9,18.5],[105.9,19.5],[104.5,19.5],[104.5,18.5]]]}]}]}"#, "cql2-json",
         "name >= 'Xã T' AND ST_Intersects(geom, ST_MakeEnvelope(104.5, 18.5, 105.9, 19.5, 4326))"),
    ];
    for (filter, lang, sql) in cases {
        let query = format!(
            "filter={}&filter-lang={lang}&limit=10000",
            urlencode(filter)
        );
        let (status, answer, _) =
            get(&api, &format!("/ogc/collections/communes/items?{query}")).await;
        assert_eq!(status, 200, "{filter}: {answer}");
        let got: BTreeSet<String> = answer["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        let want = sql_set(
            &api,
            &format!("SELECT code FROM admin_units_current WHERE level = 'commune' AND {sql}"),
        )
        .await;
        assert!(!want.is_empty(), "{sql} selects something");
        assert_eq!(got, want, "{filter}");
        assert_eq!(answer["numberMatched"].as_u64(), Some(want.len() as u64));
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_lifted_zone_is_gone_now_and_there_before_its_lifting() {
    let api = Api::start().await;
    let (hamlet, _) = api.hamlet_in("412");
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let mut body = zone_feature(Value::Null, "Phong toả để thử lịch sử");
    body["properties"]["unit_codes"] = serde_json::json!([hamlet]);
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&body))
        .await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let declared: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(api.db.store.pool())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (status, answer) = api
        .send(
            "POST",
            &format!("/api/v1/zones/{id}/lift"),
            Some(&vinh),
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");

    let ids = |answer: &Value| -> BTreeSet<String> {
        answer["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, now, _) = get(&api, "/ogc/collections/zones/items?limit=10000").await;
    assert!(!ids(&now).contains(&id), "lifted: not in force now");
    let then = urlencode(&declared.to_rfc3339());
    let (status, past, _) = get(
        &api,
        &format!("/ogc/collections/zones/items?limit=10000&datetime={then}"),
    )
    .await;
    assert_eq!(status, 200, "{past}");
    assert!(ids(&past).contains(&id), "in force when it was declared");
    let (status, one, _) = get(
        &api,
        &format!("/ogc/collections/zones/items/{id}?datetime={then}"),
    )
    .await;
    assert_eq!(
        (status, one["id"].as_str()),
        (200, Some(id.as_str())),
        "{one}"
    );
    let (status, _, _) = get(&api, &format!("/ogc/collections/zones/items/{id}")).await;
    assert_eq!(status, 404, "not in force now");
    // An interval reaching back to it finds it too, once.
    let (_, span, _) = get(
        &api,
        &format!("/ogc/collections/zones/items?limit=10000&datetime={then}/.."),
    )
    .await;
    assert_eq!(
        span["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["id"] == id.as_str())
            .count(),
        1
    );
    // The hamlets' history: none existed before the sample was loaded.
    let (_, before, _) = get(
        &api,
        "/ogc/collections/hamlets/items?datetime=2000-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(before["numberMatched"], 0);
}

#[tokio::test]
async fn vn2000_coordinates_agree_with_postgis_to_the_centimetre() {
    let api = Api::start().await;
    let (status, answer, headers) = get(
        &api,
        "/ogc/collections/communes/items?limit=3&crs=http://www.opengis.net/def/crs/EPSG/0/9208",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        headers["content-crs"],
        "<http://www.opengis.net/def/crs/EPSG/0/9208>"
    );
    for feature in answer["features"].as_array().unwrap() {
        let code = feature["id"].as_str().unwrap();
        let first = &feature["geometry"]["coordinates"][0][0][0];
        // EPSG:9208's axes are northing, then easting.
        let (north, east) = (first[0].as_f64().unwrap(), first[1].as_f64().unwrap());
        let (x, y): (f64, f64) = sqlx::query_as("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1), 9208) p FROM admin_units_current WHERE code = $1) q")
            .bind(code)
            .fetch_one(api.db.store.pool())
            .await
            .unwrap();
        assert!(
            (east - x).abs() < 0.01 && (north - y).abs() < 0.01,
            "{code}: ({east}, {north}) against PostGIS ({x}, {y})"
        );
    }
    // A box in EPSG:4326 is latitude first.
    let (_, lat_first, _) = get(
        &api,
        "/ogc/collections/communes/items?bbox=18.6,105.6,18.7,105.7&bbox-crs=EPSG:4326&limit=10000",
    )
    .await;
    let (_, lon_first, _) = get(
        &api,
        "/ogc/collections/communes/items?bbox=105.6,18.6,105.7,18.7&limit=10000",
    )
    .await;
    assert_eq!(lat_first["numberMatched"], lon_first["numberMatched"]);
    assert!(lon_first["numberMatched"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn every_bad_input_is_named_never_a_500() {
    let api = Api::start().await;
    let items = "/ogc/collections/zones/items";
    for (query, status, field) in [
        ("bbox=1,2,3", 400, "bbox"),
        ("bbox=106,18,105,19", 400, "bbox"),
        ("bbox-crs=EPSG:4326", 400, "bbox-crs"),
        ("crs=EPSG:2154", 400, "crs"),
        ("crs=http://www.opengis.net/def/crs/EPSG/0/9210", 400, "crs"),
        ("limit=10001", 400, "limit"),
        ("limit=-1", 400, "limit"),
        ("datetime=2021-13-40", 400, "datetime"),
        ("datetime=2021-09-02/2021-09-01", 400, "datetime"),
        ("filter=level%20%3E%3D", 400, "filter"),
        ("filter=level%20%3D%203%20garbage", 400, "filter"),
        ("filter=%7B%22op%22%3A", 400, "filter"),
        ("filter=colour%20%3D%20'red'", 400, "filter"),
        ("filter=level%2F0%20%3E%201", 400, "filter"),
        (
            "filter=S_INTERSECTS(geometry%2CPOLYGON((1%202%2C3%204%2C5%206)))",
            400,
            "filter",
        ),
        (
            "filter=level%20%3D%201&filter-lang=ecql",
            400,
            "filter-lang",
        ),
        ("sortby=colour", 400, "sortby"),
        ("properties=colour", 400, "properties"),
        ("level=high", 400, "level"),
        ("colour=red", 400, "colour"),
    ] {
        let (got, answer, _) = get(&api, &format!("{items}?{query}")).await;
        assert_eq!(got, status, "{query}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{query}: {answer}");
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, answer, _) = get(&api, "/ogc/collections/vaccination-sites/items").await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (404, Some("collectionId")),
        "{answer}"
    );
    let (status, answer, _) = get(&api, "/ogc/collections/zones/items/no-such-zone").await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (404, Some("featureId")),
        "{answer}"
    );
    let (status, _, _) = get(&api, "/ogc/conformance?colour=red").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn documents_say_what_clients_look_for() {
    let api = Api::start().await;
    let (status, _, headers) = get(&api, "/ogc/api").await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-type"],
        "application/vnd.oai.openapi+json;version=3.0"
    );
    let (_, conformance, _) = get(&api, "/ogc/conformance").await;
    assert!(conformance["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.as_str().unwrap().ends_with("features-filter")));
    let (_, hamlets, _) = get(&api, "/ogc/collections/hamlets").await;
    assert!(
        hamlets["extent"]["spatial"]["bbox"][0].as_array().is_some(),
        "{hamlets}"
    );
    assert!(
        hamlets["extent"]["temporal"]["interval"][0][0]
            .as_str()
            .is_some(),
        "{hamlets}"
    );
    let (_, q, headers) = get(&api, "/ogc/collections/figures/queryables").await;
    assert_eq!(headers["content-type"], "application/schema+json");
    assert_eq!(q["properties"]["day"]["format"], "date");
    // Pages link to each other, absolutely.
    let (_, page, _) = get(&api, "/ogc/collections/hamlets/items?limit=5&offset=5").await;
    let rels: Vec<&str> = page["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    assert!(rels.contains(&"next") && rels.contains(&"prev"), "{rels:?}");
    assert!(page["links"][1]["href"]
        .as_str()
        .unwrap()
        .starts_with("http://"));
    assert_eq!(page["numberReturned"], 5);
}

/// The OGC's Part 1 Core abstract tests, as the `ogctests` suite (PyPI) runs them: every test
/// passes, none is skipped.
#[tokio::test]
async fn the_ogctests_suite_passes_on_part_1_core() {
    let api = Api::start().await;
    // The suite asks every collection for features: the office publishes a directive.
    let office = api.token("ubnd-tinh", Role::Editor).await;
    let directive = serde_json::json!({"kind": "directive", "number": "15/CT-UBND",
        "title": "Về việc giãn cách xã hội", "issued_on": "2021-09-10",
        "issuer": "UBND tỉnh Nghệ An", "summary": "Giãn cách theo Chỉ thị 16 tại TP Vinh"});
    let (status, answer) = api
        .send("POST", "/api/v1/documents", Some(&office), Some(&directive))
        .await;
    assert_eq!(status, 201, "{answer}");
    let suite = Command::new("python3")
        .args([
            "-c",
            "import ogctests, os; print(os.path.dirname(ogctests.__file__))",
        ])
        .output()
        .expect("python3 with ogctests (make test installs it)");
    let suite = String::from_utf8(suite.stdout).unwrap();
    let suite = suite.trim();
    let core = format!("{suite}/features/core");
    // pytest itself, for its exit status (`python -m ogctests` always exits 0), rooted at the
    // suite so that its top conftest (the HTTP client) is read.
    let out = tokio::process::Command::new("python3")
        .args([
            "-m",
            "pytest",
            &core,
            "-q",
            "-rA",
            "-p",
            "no:cacheprovider",
            "--tb=short",
        ])
        .args(["--rootdir", suite, "--confcutdir", suite])
        .env("INSTANCE_URL", format!("{}/ogc", api.base))
        .output()
        .await
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let summary = report.lines().last().unwrap_or_default();
    assert!(out.status.success(), "ogctests failed:\n{report}");
    assert!(
        summary.contains(" passed")
            && !["skipped", "failed", "error", "xfail", "deselected"]
                .iter()
                .any(|w| summary.contains(w)),
        "every test runs and passes: {summary}\n{report}"
    );
}

/// A loopback proxy in front of `upstream` that keeps the target of every request it
/// forwards, so that a test sees what a client really asked for.
async fn recording_proxy(
    upstream: &str,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let upstream = upstream.trim_start_matches("http://").to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&asked);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = std::sync::Arc::clone(&log);
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let server = tokio::net::TcpStream::connect(&upstream).await.unwrap();
                let (mut from_server, mut to_server) = server.into_split();
                let (mut from_client, mut to_client) = client.split();
                let requests = async {
                    let mut buffer = vec![0u8; 64 * 1024];
                    loop {
                        let n = from_client.read(&mut buffer).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        // The clients here send GETs without bodies: each request line
                        // starts a read.
                        let text = String::from_utf8_lossy(&buffer[..n]);
                        for line in text.lines().filter(|l| l.starts_with("GET ")) {
                            log.lock().unwrap().push(line.to_owned());
                        }
                        if to_server.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = to_server.shutdown().await;
                };
                let answers = async {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                };
                tokio::join!(requests, answers);
            });
        }
    });
    (format!("http://{address}"), asked)
}

/// QGIS's OAPIF provider loads a collection (with a subset string, if not empty).
async fn qgis(landing: &str, collection: &str, subset: &str) -> Value {
    covidmap_tests::qgis("qgis_oapif.py", &[landing, collection, subset]).await
}

#[tokio::test]
async fn qgis_loads_a_collection_counts_it_and_filters_on_the_server() {
    let api = Api::start().await;
    let (proxy, asked) = recording_proxy(&api.base).await;
    let landing = format!("{proxy}/ogc");
    let held = sql_set(
        &api,
        "SELECT code FROM admin_units_current WHERE level = 'commune'",
    )
    .await;

    let all = qgis(&landing, "communes", "").await;
    assert_eq!(all["valid"], true, "{all}");
    // QGIS names CRS84 by its own alias for WGS 84 in longitude, latitude order.
    assert!(
        matches!(all["crs"].as_str(), Some("OGC:CRS84" | "EPSG:4326")),
        "{all}"
    );
    assert_eq!(all["count"].as_i64().unwrap(), held.len() as i64, "{all}");
    let ids: BTreeSet<String> = all["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, held, "QGIS read the database's communes");
    // The count came from numberMatched: QGIS asked for one page before it read them all.
    let first_pages = asked.lock().unwrap().clone();
    assert!(
        first_pages
            .iter()
            .any(|r| r.contains("/ogc/collections/communes/items")),
        "{first_pages:?}"
    );

    asked.lock().unwrap().clear();
    let vinh = sql_set(
        &api,
        "SELECT code FROM admin_units_current WHERE level = 'commune' AND parent_code = '412'",
    )
    .await;
    let filtered = qgis(&landing, "communes", "\"parent_code\" = '412'").await;
    assert_eq!(filtered["subset_accepted"], true, "{filtered}");
    let ids: BTreeSet<String> = filtered["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, vinh, "QGIS's filtered communes");
    let sent = asked.lock().unwrap().clone();
    let items: Vec<&String> = sent.iter().filter(|r| r.contains("/items")).collect();
    let on_server = items
        .iter()
        .any(|r| r.contains("filter=") || r.contains("parent_code=412"));
    // QGIS's OAPIF provider sends a layer's filter to the server (CQL2 text when /conformance
    // lists filter, features-filter, cql2-text and basic-cql2, as ours does) from 3.32 on;
    // the set-up installs 3.40 (Debian 12's own 3.22 filters on the client).
    let version = filtered["version"].as_i64().unwrap();
    assert!(
        version >= 33_200,
        "QGIS {version} cannot filter on the server; make test installs 3.32 or later"
    );
    assert!(
        on_server,
        "QGIS {version} filtered on the server: {items:?}"
    );
}

/// Conditional requests and paging headers, as caches and clients use them.
#[tokio::test]
async fn pages_carry_validators_and_link_headers() {
    let api = Api::start().await;
    let client = reqwest::Client::new();
    let url = format!("{}/ogc/collections/zones/items?limit=2", api.base);
    let first = client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let modified = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_owned();
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("rel=\"next\"") && link.contains("offset=2"),
        "{link}"
    );
    let again = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let since = client
        .get(&url)
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(since.status(), 304);
    let gzipped = client
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");

    // A new zone: the tag no longer matches, and the page is sent again.
    let (hamlet, _) = api.hamlet_in("412");
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let mut body = zone_feature(Value::Null, "Phong toả để thử ETag");
    body["properties"]["unit_codes"] = serde_json::json!([hamlet]);
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&body))
        .await;
    assert_eq!(status, 201, "{answer}");
    let after = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
    // One feature: the same.
    let (_, page, _) = get(&api, "/ogc/collections/zones/items?limit=1").await;
    let fid = page["features"][0]["id"].as_str().unwrap().to_owned();
    let one = format!("{}/ogc/collections/zones/items/{fid}", api.base);
    let found = client.get(&one).send().await.unwrap();
    let etag = found.headers()["etag"].to_str().unwrap().to_owned();
    let again = client
        .get(&one)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}
