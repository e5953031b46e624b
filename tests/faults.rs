//! Faults, on the real binary and real PostGIS: the database restarted under load, the
//! server killed in the middle of an upload and of an edit, and SIGTERM with work in flight
//! over the local cluster the server started itself.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::agency::Role;
use covidmap_core::Level;
use covidmap_store::local::{ClusterState, LocalCluster};
use covidmap_store::Store;
use covidmap_tests::binary::{binary, serve_binary, started, Served};
use covidmap_tests::cluster::PrivateCluster;
use covidmap_tests::{load_province_and_districts, root, square_feature, write_geojson, TestDb};
use covidmap_upload::{unguarded, upload, UploadRequest};
use serde_json::{json, Value};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The province, its districts and its agencies in `store`; a district committee's token.
async fn province_with_an_editor(store: &Store) -> String {
    load_province_and_districts(store).await;
    let districts = store.current_units(Level::District).await.unwrap();
    for org in covidmap_demo::organisations(&districts) {
        store.add_organisation(&org).await.unwrap();
    }
    store
        .create_token("ubnd-412", Role::Editor, "test")
        .await
        .unwrap()
        .1
}

/// A lockdown zone around (`lon`, `lat`) with `vertices` corners.
fn zone(lon: f64, lat: f64, vertices: u32, name: &str) -> Value {
    let mut ring: Vec<[f64; 2]> = (0..vertices)
        .map(|i| {
            let a = std::f64::consts::TAU * f64::from(i) / f64::from(vertices);
            [lon + 0.002 * a.cos(), lat + 0.002 * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
           "properties": {"name": name, "level": 3, "reason": "kiểm tra",
                          "started_at": "2021-09-13T08:00:00+07:00"}})
}

/// Vinh's centre, inside district 412.
const VINH: (f64, f64) = (105.681, 18.679);

/// Status and tile requests in a loop until `stop`; counts answers that are not 200/204.
fn read_load(
    base: &str,
    stop: &Arc<AtomicBool>,
) -> (tokio::task::JoinHandle<()>, Arc<AtomicU64>, Arc<AtomicU64>) {
    let failed = Arc::new(AtomicU64::new(0));
    let asked = Arc::new(AtomicU64::new(0));
    let (base, stop, f, a) = (
        base.to_owned(),
        Arc::clone(stop),
        Arc::clone(&failed),
        Arc::clone(&asked),
    );
    let task = tokio::spawn(async move {
        let client = reqwest::Client::new();
        let urls = [
            format!("{base}/api/v1/status?lat={}&lon={}", VINH.1, VINH.0),
            format!("{base}/api/v1/status?address=TP%20Vinh"),
            format!("{base}/tiles/10/812/457.mvt"),
            format!("{base}/tiles/8/203/114.mvt"),
        ];
        let mut i = 0;
        while !stop.load(Ordering::Relaxed) {
            let url = &urls[i % urls.len()];
            i += 1;
            let ok = match client.get(url).timeout(Duration::from_secs(5)).send().await {
                Ok(r) => r.status() == 200 || r.status() == 204,
                Err(_) => false,
            };
            a.fetch_add(1, Ordering::Relaxed);
            if !ok {
                f.fetch_add(1, Ordering::Relaxed);
                eprintln!("read failed: {url}");
            }
        }
    });
    (task, failed, asked)
}

/// A request's status, its JSON body, whether it says when to retry, and how long it took.
async fn timed(request: reqwest::RequestBuilder) -> (u16, Value, bool, Duration) {
    let started = Instant::now();
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let retry = response.headers().contains_key("retry-after");
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, retry, started.elapsed())
}

#[tokio::test]
async fn postgis_restarted_under_load_costs_no_read_and_every_change_arrives() {
    let pg = PrivateCluster::start("restart", 55497).await;
    let url = pg.cluster.url();
    let store = Store::connect(&url).await.unwrap();
    let token = province_with_an_editor(&store).await;
    // A commune the test will close with plain SQL while the server's feed is disconnected.
    let dir = tempfile::tempdir().unwrap();
    let p = (VINH.0 + 0.01, VINH.1 + 0.01);
    let commune = write_geojson(
        dir.path(),
        "xa.geojson",
        &[square_feature(
            json!({"code": "90001", "name": "Xã Mới"}),
            p.0 - 0.001,
            p.1 - 0.001,
            0.002,
        )],
    );
    upload(
        &store,
        UploadRequest::new(commune, Level::Commune, "test"),
        unguarded(),
    )
    .await
    .unwrap();
    store.close().await;

    let mut command = Command::new(binary());
    command
        .args([
            "--database-url",
            &url,
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--web-dir",
        ])
        .arg(root().join("web"))
        .env("RUST_LOG", "warn");
    let served = started(command).await;
    let client = reqwest::Client::new();
    let commune_at_p = || {
        let request = client.get(format!(
            "{}/api/v1/status?lat={}&lon={}",
            served.base, p.1, p.0
        ));
        async move {
            let answer: Value = request.send().await.unwrap().json().await.unwrap();
            answer["units"]["commune"]["code"]
                .as_str()
                .map(str::to_owned)
        }
    };
    assert_eq!(commune_at_p().await.as_deref(), Some("90001"));

    let stop = Arc::new(AtomicBool::new(false));
    let (load, failed, asked) = read_load(&served.base, &stop);
    tokio::time::sleep(Duration::from_millis(500)).await;
    pg.run(LocalCluster::stop).await;

    // Down: writes and /health say so at once, in JSON, with when to retry.
    let write = client
        .post(format!("{}/api/v1/zones", served.base))
        .bearer_auth(&token)
        .json(&zone(VINH.0, VINH.1, 16, "vùng khi mất CSDL"));
    let (status, body, retry, took) = timed(write).await;
    println!("write with PostGIS down: {status} in {took:?}: {body}");
    assert_eq!(status, 503, "{body}");
    assert!(
        retry && body["error"]["message"].as_str().unwrap().contains("retry"),
        "{body}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    let (status, body, retry, took) = timed(client.get(format!("{}/health", served.base))).await;
    println!("/health with PostGIS down: {status} in {took:?}: {body}");
    assert_eq!(status, 503, "{body}");
    assert!(retry && body["error"]["message"].is_string(), "{body}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Back: a change committed by another writer before the feed is back is caught up.
    pg.run(LocalCluster::start).await;
    let back = Instant::now();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE admin_units SET valid_to = now() WHERE code = '90001' AND valid_to IS NULL",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let (polled, ()) = covidmap_tests::poll_until("the closed commune to be gone", || async {
        commune_at_p().await.is_none().then_some(())
    })
    .await;
    let visible = back.elapsed();
    // And writes work again.
    let write = client
        .post(format!("{}/api/v1/zones", served.base))
        .bearer_auth(&token)
        .json(&zone(VINH.0, VINH.1, 16, "vùng sau khi có lại CSDL"));
    let (status, body, _, _) = timed(write).await;
    assert_eq!(status, 201, "{body}");
    stop.store(true, Ordering::Relaxed);
    load.await.unwrap();
    let (failed, asked) = (
        failed.load(Ordering::Relaxed),
        asked.load(Ordering::Relaxed),
    );
    println!("reads: {asked} asked, {failed} failed; a change made after the restart visible {visible:?} after PostGIS was back ({polled:?} of polling)");
    assert!(asked > 50, "{asked}");
    assert_eq!(failed, 0, "reads failed while PostGIS restarted");
    assert!(visible < Duration::from_secs(5), "{visible:?}");
    drop(served);
}

/// Kills the server (SIGKILL) `after` the request is sent; returns whether an answer came first.
async fn killed_after(
    mut served: Served,
    request: reqwest::RequestBuilder,
    after: Duration,
) -> Option<u16> {
    let sent = tokio::spawn(async move { request.send().await.ok().map(|r| r.status().as_u16()) });
    tokio::time::sleep(after).await;
    served.child.kill().unwrap();
    served.child.wait().unwrap();
    sent.await.unwrap()
}

/// The communes of district 412 as a GeoJSON file, each renamed with `mark`.
async fn communes_renamed(db: &TestDb, mark: &str) -> Vec<u8> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT code, name, ST_AsGeoJSON(geom) FROM admin_units
          WHERE level = 'commune' AND parent_code = '412' AND valid_to IS NULL ORDER BY code",
    )
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    let features: Vec<Value> = rows
        .iter()
        .map(|(code, name, geometry)| {
            let base = name.split(" (").next().unwrap_or(name);
            json!({"type": "Feature", "properties": {"code": code, "name": format!("{base} ({mark})")},
                   "geometry": serde_json::from_str::<Value>(geometry).unwrap()})
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
        .to_string()
        .into_bytes()
}

/// How many of district 412's current communes carry `mark`, of how many; uploads after
/// `since_upload` without their audit entry.
async fn communes_marked(db: &TestDb, mark: &str, since_upload: i64) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM admin_units WHERE level = 'commune' AND parent_code = '412'
                   AND valid_to IS NULL AND name LIKE '%(' || $1 || ')'),
                (SELECT count(*) FROM admin_units WHERE level = 'commune' AND parent_code = '412'
                   AND valid_to IS NULL),
                (SELECT count(*) FROM uploads u WHERE u.id > $2 AND NOT EXISTS
                   (SELECT 1 FROM audit_log a WHERE a.entity_type = 'boundaries' AND a.entity_id = u.id::text))",
    )
    .bind(mark)
    .bind(since_upload)
    .fetch_one(db.store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_server_killed_mid_upload_or_mid_edit_leaves_each_whole_or_absent() {
    let db = TestDb::with_sample().await;
    let editor = db
        .store
        .create_token("ubnd-412", Role::Editor, "test")
        .await
        .unwrap()
        .1;
    let client = reqwest::Client::new();
    let (mut whole, mut absent) = (0, 0);
    // (The sample's own uploads, loaded by the test helper, are not the API's.)
    let last_upload: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM uploads")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    // Killed at moments from before the file is read to after the answer: each lands whole
    // with its audit entry, or not at all.
    for (attempt, after_ms) in [0_u64, 30, 100, 250, 500, 1000, 4000]
        .into_iter()
        .enumerate()
    {
        let mark = format!("lần {attempt}");
        let served = serve_binary(&db, &[]).await;
        let part = reqwest::multipart::Part::bytes(communes_renamed(&db, &mark).await)
            .file_name("communes.geojson");
        let request = client
            .post(format!(
                "{}/api/v1/boundaries?level=commune&parent=412",
                served.base
            ))
            .bearer_auth(&editor)
            .multipart(reqwest::multipart::Form::new().part("file", part));
        let answered = killed_after(served, request, Duration::from_millis(after_ms)).await;
        let (marked, communes, unaudited) = communes_marked(&db, &mark, last_upload).await;
        println!("upload killed after {after_ms} ms (answer {answered:?}): {marked} of {communes} communes renamed");
        assert!(
            marked == 0 || marked == communes,
            "{marked} of {communes} renamed"
        );
        assert_eq!(unaudited, 0, "an upload without its audit entry");
        if answered == Some(200) || answered == Some(201) {
            assert_eq!(marked, communes, "answered but not there");
        }
        if marked == 0 {
            absent += 1
        } else {
            whole += 1
        }
    }
    println!("uploads: {whole} whole, {absent} absent");
    assert!(whole > 0, "no upload landed even when given 4 s");

    // A zone edit with a drawing heavy enough to check for a while.
    let served = serve_binary(&db, &[]).await;
    let created = client
        .post(format!("{}/api/v1/zones", served.base))
        .bearer_auth(&editor)
        .json(&zone(VINH.0, VINH.1, 16, "vùng sẽ sửa"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    drop(served);
    let versions = |id: String| {
        let pool = db.store.pool().clone();
        async move {
            sqlx::query_as::<_, (i64, i64, i64)>(
                "SELECT (SELECT count(*) FROM lockdown_zones WHERE id = $1),
                        (SELECT count(*) FROM lockdown_zones WHERE id = $1 AND valid_to IS NULL),
                        (SELECT count(*) FROM audit_log WHERE entity_id = $1)",
            )
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    for (attempt, after_ms) in [0_u64, 50, 150, 400, 1000, 4000].into_iter().enumerate() {
        let (before, _, audited_before) = versions(id.clone()).await;
        let served = serve_binary(&db, &[]).await;
        let request = client
            .put(format!("{}/api/v1/zones/{id}", served.base))
            .bearer_auth(&editor)
            .json(&zone(
                VINH.0,
                VINH.1,
                19_000,
                &format!("vùng sửa lần {attempt}"),
            ));
        let answered = killed_after(served, request, Duration::from_millis(after_ms)).await;
        let (after, current, audited) = versions(id.clone()).await;
        println!("edit killed after {after_ms} ms (answer {answered:?}): versions {before} → {after}, audit {audited_before} → {audited}");
        assert_eq!(current, 1, "one current version");
        assert!(after == before || after == before + 1, "{before} → {after}");
        assert_eq!(
            audited - audited_before,
            after - before,
            "a version without its audit entry, or the reverse"
        );
        if answered == Some(200) {
            assert_eq!(after, before + 1, "answered but not there");
        }
    }
    let (after, _, _) = versions(id.clone()).await;
    assert!(after > 1, "no edit landed even when given 4 s");
    // And a server started afterwards serves what is there.
    let served = serve_binary(&db, &[]).await;
    let answer: Value = client
        .get(format!("{}/api/v1/layers/zones/{id}", served.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer.to_string().contains("vùng sửa lần"), "{answer}");
}

#[tokio::test]
async fn sigterm_finishes_what_is_in_flight_ends_the_streams_and_stops_the_local_cluster() {
    let pg = PrivateCluster::start("sigterm", 55496).await;
    let store = Store::connect(&pg.cluster.url()).await.unwrap();
    let token = province_with_an_editor(&store).await;
    store.close().await;
    // The server starts the stopped cluster itself, so it stops it on the way out.
    pg.run(LocalCluster::stop).await;
    let mut command = Command::new(binary());
    command
        .arg("--data-dir")
        .arg(&pg.dir)
        .args([
            "--pg-port",
            "55496",
            "serve",
            "--no-sample",
            "--bind",
            "127.0.0.1:0",
            "--drain-s",
            "20",
            "--web-dir",
        ])
        .arg(root().join("web"))
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    let served = started(command).await;
    let client = reqwest::Client::new();
    let mut stream = client
        .get(format!("{}/api/v1/changes", served.base))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    // Four heavy drawings in flight when the signal comes.
    let writes: Vec<_> = (0..4)
        .map(|i| {
            let request = client
                .post(format!("{}/api/v1/zones", served.base))
                .bearer_auth(&token)
                .json(&zone(
                    VINH.0 + 0.0001 * f64::from(i),
                    VINH.1,
                    19_000,
                    &format!("vùng {i}"),
                ));
            tokio::spawn(async move {
                let answer = request.send().await.map(|r| r.status().as_u16());
                (answer, Instant::now())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let signalled = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // The stream ends (its first event came at once; then the end of the body).
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the change stream did not end");
    let mut answers = Vec::new();
    let mut answered_after_signal = 0;
    for write in writes {
        let (answer, at) = write.await.unwrap();
        answered_after_signal += usize::from(at > signalled);
        answers.push(answer);
    }
    let mut served = served;
    let status = served.child.wait().unwrap();
    println!(
        "after SIGTERM: writes {answers:?}, exit {status} in {:?}",
        signalled.elapsed()
    );
    // Each write was in flight or not yet accepted: those accepted are answered in full.
    let finished = answers.iter().filter(|a| matches!(a, Ok(201))).count();
    assert!(finished > 0, "{answers:?}");
    // Not a test of draining unless some were still in flight when the signal came.
    assert!(
        answered_after_signal > 0,
        "every write ended before SIGTERM"
    );
    assert!(
        answers.iter().all(|a| matches!(a, Ok(201)) || a.is_err()),
        "{answers:?}"
    );
    assert!(status.success(), "{status}");
    assert_eq!(pg.cluster.state().unwrap(), ClusterState::Stopped);
    // What was answered is there.
    pg.run(LocalCluster::start).await;
    let store = Store::connect(&pg.cluster.url()).await.unwrap();
    let zones: i64 =
        sqlx::query_scalar("SELECT count(*) FROM lockdown_zones WHERE valid_to IS NULL")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(zones, i64::try_from(finished).unwrap());
    store.close().await;
}
