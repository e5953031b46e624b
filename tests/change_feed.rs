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

// ---- the change log, its pages and its stream ----

/// A Server-Sent Events response, read event by event.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

/// One event: its name (`None`: a message), its id and its data.
#[derive(Debug)]
struct Sse {
    name: Option<String>,
    id: Option<String>,
    data: String,
}

impl Events {
    async fn open(base: &str, query: &str, last_event_id: Option<&str>) -> Events {
        let mut request = reqwest::Client::new()
            .get(format!("{base}/api/v1/changes{query}"))
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Events {
            response,
            buffer: String::new(),
        }
    }

    async fn next(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name).map(str::to_owned))
                };
                // Keep-alive comments carry no data.
                if let Some(data) = field("data: ") {
                    return Sse {
                        name: field("event: "),
                        id: field("id: "),
                        data,
                    };
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.response.chunk())
                .await
                .expect("an event within 20 s")
                .unwrap()
                .expect("the stream to stay open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next CloudEvent (after the `ready` event, which it checks).
    async fn next_change(&mut self) -> serde_json::Value {
        loop {
            let event = self.next().await;
            if event.name.as_deref() == Some("ready") {
                continue;
            }
            assert_eq!(event.name, None, "{event:?}");
            let parsed: serde_json::Value = serde_json::from_str(&event.data).unwrap();
            assert_eq!(Some(parsed["id"].as_str().unwrap()), event.id.as_deref());
            return parsed;
        }
    }
}

async fn latest_change(db: &TestDb) -> i64 {
    db.store
        .change_log_bounds()
        .await
        .unwrap()
        .latest
        .unwrap_or(0)
}

fn insert_checkpoint(id: &str, p: Point<f64>) -> String {
    covidmap_tests::changes::insert_checkpoint(id, p.x(), p.y(), "operator")
}

#[tokio::test]
async fn every_committed_write_is_logged_with_its_author_and_place_and_nothing_else_is() {
    use covidmap_core::agency::Role;
    use covidmap_tests::api::{point_feature, square, zone_feature, Api};
    let api = Api::start().await;
    let since = latest_change(&api.db).await;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let (_, p) = api.hamlet_in("412");
    let zone = zone_feature(square(p, 0.001), "Phong toả ghi nhật ký");
    let (status, created) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&zone))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["after"]["id"].as_str().unwrap().to_owned();
    let (status, lifted) = api
        .send(
            "POST",
            &format!("/api/v1/zones/{id}/lift"),
            Some(&vinh),
            None,
        )
        .await;
    assert_eq!(status, 200, "{lifted}");
    let revert = json!({"entity": "lockdown_zones", "id": id,
                        "version_id": created["after"]["version_id"]});
    let (status, reverted) = api
        .send("POST", "/api/v1/revert", Some(&vinh), Some(&revert))
        .await;
    assert_eq!(status, 200, "{reverted}");
    let police = api.token("cong-an", Role::Editor).await;
    let checkpoint = point_feature(p, json!({"name": "Chốt ghi nhật ký", "status": "active"}));
    let (status, placed) = api
        .send(
            "POST",
            "/api/v1/checkpoints",
            Some(&police),
            Some(&checkpoint),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    let checkpoint_id = placed["after"]["id"].as_str().unwrap().to_owned();
    let (status, removed) = api
        .send(
            "DELETE",
            &format!("/api/v1/checkpoints/{checkpoint_id}"),
            Some(&police),
            None,
        )
        .await;
    assert!((200..300).contains(&status), "{status} {removed}");
    // An operator's own SQL is logged too; a transaction rolled back is not.
    sqlx::query(&insert_checkpoint("sql-1", p))
        .execute(api.db.store.pool())
        .await
        .unwrap();
    let mut tx = api.db.store.pool().begin().await.unwrap();
    sqlx::query(&insert_checkpoint("rolled-back", p))
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    // A refused write changes nothing: not the layers, not the audit, not the log.
    let before_refusal = api.state().await;
    let (foreign, _) = api.foreign_zone("412");
    let (status, _) = api
        .send(
            "POST",
            &format!("/api/v1/zones/{foreign}/lift"),
            Some(&vinh),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = api
        .send("POST", "/api/v1/zones", Some(&police), Some(&zone))
        .await;
    assert_eq!(status, 403);
    assert_eq!(api.state().await, before_refusal);

    let (status, page) = api
        .send("GET", &format!("/api/v1/changes?since={since}"), None, None)
        .await;
    assert_eq!(status, 200, "{page}");
    let changes = page["changes"].as_array().unwrap();
    let summary: Vec<(String, String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["collection"].as_str().unwrap().to_owned(),
                c["operation"].as_str().unwrap().to_owned(),
                c["org_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let owned = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        summary,
        vec![
            owned("zones", "create", "ubnd-412"),
            owned("zones", "lift", "ubnd-412"),
            owned("zones", "revert", "ubnd-412"),
            owned("checkpoints", "create", "cong-an"),
            owned("checkpoints", "delete", "cong-an"),
            owned("checkpoints", "create", "operator"),
        ],
        "{page}"
    );
    let (create, lift) = (&changes[0], &changes[1]);
    assert_eq!(create["feature_id"], id.as_str());
    assert_eq!(create["version_before"], serde_json::Value::Null);
    assert_eq!(lift["version_before"], create["version_after"]);
    assert_eq!(lift["version_after"], lifted["after"]["version_id"]);
    let bbox: Vec<f64> = serde_json::from_value(create["bbox"].clone()).unwrap();
    assert!(bbox[0] <= p.x() && p.x() <= bbox[2] && bbox[1] <= p.y() && p.y() <= bbox[3]);
    let ids: Vec<i64> = changes.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(page["next"], ids[5]);

    // Filters: by collection, by place.
    let (_, only) = api
        .send(
            "GET",
            &format!("/api/v1/changes?since={since}&collections=checkpoints,hamlets"),
            None,
            None,
        )
        .await;
    assert_eq!(only["changes"].as_array().unwrap().len(), 3, "{only}");
    let (_, far) = api
        .send(
            "GET",
            &format!("/api/v1/changes?since={since}&bbox=100,10,100.1,10.1"),
            None,
            None,
        )
        .await;
    assert_eq!(far["changes"], json!([]), "{far}");
    let (_, paged) = api
        .send(
            "GET",
            &format!("/api/v1/changes?since={since}&limit=2"),
            None,
            None,
        )
        .await;
    assert_eq!(paged["changes"].as_array().unwrap().len(), 2);
    assert_eq!(paged["next"], ids[1]);
}

#[tokio::test]
async fn change_ids_are_seen_in_commit_order_even_when_transactions_overlap() {
    let db = TestDb::with_districts().await;
    let p = db.interior_point("412").await;
    let since = latest_change(&db).await;
    // Transactions that begin in one order and commit in another, all at once.
    let writers: Vec<_> = (0..24)
        .map(|i| {
            let pool = db.store.pool().clone();
            tokio::spawn(async move {
                let mut tx = pool.begin().await.unwrap();
                sqlx::query(&insert_checkpoint(&format!("overlap-{i}"), p))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                let wait = f64::from((i * 7) % 5) * 0.02;
                sqlx::query(&format!("SELECT pg_sleep({wait})"))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            })
        })
        .collect();
    // A reader that goes on from the last id it saw never misses one that commits later.
    let mut seen: Vec<i64> = Vec::new();
    let mut after = since;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while seen.len() < 24 {
        assert!(std::time::Instant::now() < deadline, "saw only {seen:?}");
        for c in db.store.changes_after(after, 100).await.unwrap() {
            seen.push(c.id);
            after = c.id;
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    let all: Vec<i64> = db
        .store
        .changes_after(since, 100)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(
        seen, all,
        "the reader missed a change that committed after it had read past it"
    );
}

#[tokio::test]
async fn a_stream_cut_off_resumes_from_its_last_event_without_a_loss_or_a_duplicate() {
    let db = TestDb::with_districts().await;
    let backend = Arc::new(LiveData::load(db.store.clone()).await.unwrap());
    let _feed = Arc::clone(&backend).follow_changes();
    let base = covidmap_tests::serve_http(Arc::clone(&backend)).await;
    let p = db.interior_point("412").await;
    let write = |i: usize| {
        let pool = db.store.pool().clone();
        async move {
            sqlx::query(&insert_checkpoint(&format!("stream-{i}"), p))
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    let mut events = Events::open(&base, "?collections=checkpoints", None).await;
    let ready = events.next().await;
    assert_eq!(ready.name.as_deref(), Some("ready"), "{ready:?}");
    for i in 0..30 {
        write(i).await;
    }
    // A change of another collection, which this stream does not ask for.
    sqlx::query(&format!(
        "INSERT INTO testing_sites (id, name, geom, status, changed_by) VALUES ('site-x', 'Điểm', ST_SetSRID(ST_MakePoint({}, {}), 4326), 'open', 'operator')",
        p.x(),
        p.y()
    ))
    .execute(db.store.pool())
    .await
    .unwrap();
    let mut received = Vec::new();
    for _ in 0..10 {
        received.push(events.next_change().await);
    }
    let first = &received[0];
    assert_eq!(first["specversion"], "1.0");
    assert_eq!(first["type"], "org.ogc.api.collection.item.create");
    assert_eq!(first["subject"], "stream-0");
    assert_eq!(first["collection"], "checkpoints");
    assert_eq!(first["datacontenttype"], "application/geo+json");
    assert!(first["source"]
        .as_str()
        .unwrap()
        .ends_with("/ogc/collections/checkpoints"));
    assert_eq!(first["data"]["id"], "stream-0");
    assert_eq!(first["data"]["geometry"]["type"], "Point");
    // Cut off mid-stream; more changes meanwhile.
    drop(events);
    for i in 30..50 {
        write(i).await;
    }
    let last = received.last().unwrap()["id"].as_str().unwrap().to_owned();
    let mut resumed = Events::open(&base, "?collections=checkpoints", Some(&last)).await;
    while received.len() < 50 {
        received.push(resumed.next_change().await);
    }
    let expected: Vec<String> = (0..50).map(|i| format!("stream-{i}")).collect();
    covidmap_tests::changes::assert_in_log_order(&received, &expected);
    // By the time an event is sent, this node answers with the change.
    assert!(backend
        .snapshot()
        .layers()
        .facilities
        .iter()
        .any(|f| f.id == "stream-49"));
}

#[tokio::test]
async fn bad_requests_for_changes_are_refused_by_name_and_old_positions_are_gone() {
    let db = TestDb::with_districts().await;
    let backend = Arc::new(LiveData::load(db.store.clone()).await.unwrap());
    let _feed = Arc::clone(&backend).follow_changes();
    let base = covidmap_tests::serve_http(Arc::clone(&backend)).await;
    let client = reqwest::Client::new();
    let get = |query: &str, headers: &[(&str, &str)]| {
        let mut request = client.get(format!("{base}/api/v1/changes{query}"));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let stream = [("accept", "text/event-stream")];
    for (query, headers, field) in [
        ("?collections=vaccination-sites", &[][..], "collections"),
        ("?bbox=105,18", &[][..], "bbox"),
        ("?since=-1", &[][..], "since"),
        ("?since=abc", &[][..], "since"),
        ("?limit=0", &[][..], "limit"),
        ("?limit=5000", &[][..], "limit"),
        ("?limit=10", &stream[..], "limit"),
        ("?sinse=3", &[][..], "sinse"),
        (
            "",
            &[("accept", "text/event-stream"), ("last-event-id", "abc")][..],
            "Last-Event-ID",
        ),
    ] {
        let (status, body) = get(query, headers).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    // Retention drops old changes; a client that last saw one of them is told to reload.
    let p = db.interior_point("412").await;
    for i in 0..3 {
        sqlx::query(&insert_checkpoint(&format!("old-{i}"), p))
            .execute(db.store.pool())
            .await
            .unwrap();
    }
    let dropped = db
        .store
        .trim_change_log(chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    assert!(dropped >= 2, "{dropped}");
    let (status, body) = get("?since=0", &[]).await;
    assert_eq!(status, 410, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("reload"),
        "{body}"
    );
    let (status, _) = get("?since=0", &stream).await;
    assert_eq!(status, 410);
    let latest = latest_change(&db).await;
    let (status, body) = get(&format!("?since={}", latest - 1), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changes"].as_array().unwrap().len(), 1, "{body}");
}

#[tokio::test]
async fn an_upload_taken_back_is_logged_as_a_revert_by_whoever_took_it_back() {
    let db = TestDb::with_districts().await;
    let since = latest_change(&db).await;
    let p = db.interior_point("412").await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_geojson(
        dir.path(),
        "xa.geojson",
        &[square_feature(
            json!({"code": "90002", "name": "Xã Tạm"}),
            p.x() - 0.001,
            p.y() - 0.001,
            0.002,
        )],
    );
    let report = db.ingest(&file, Level::Commune).await.unwrap();
    let upload = report.applied.upload_id.unwrap();
    let org = covidmap_core::agency::Organisation {
        id: "ubnd-tinh".into(),
        name: "Văn phòng UBND tỉnh".into(),
        kind: covidmap_core::agency::OrgKind::ProvincialOffice,
        district_code: None,
    };
    db.store.add_organisation(&org).await.unwrap();
    let office = covidmap_store::Author::of(&org, None);
    db.store.revert_upload(upload, &office).await.unwrap();
    let logged: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT feature_id, operation, org_id FROM change_log WHERE id > $1 AND entity = 'admin_units' ORDER BY id",
    )
    .bind(since)
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    let owned = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        logged.last(),
        Some(&owned("90002", "revert", "ubnd-tinh")),
        "{logged:?}"
    );
    assert_eq!(
        logged.iter().filter(|l| l.0 == "90002").count(),
        2,
        "{logged:?}"
    );
    assert_eq!(
        logged.iter().find(|l| l.0 == "90002").unwrap().1,
        "create",
        "{logged:?}"
    );
}
