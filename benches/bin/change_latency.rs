//! The change feeds' figures, against a running server (`benches/change_feeds.sh` starts it,
//! with a steady load of status requests beside it):
//!  1. commit → SSE event and commit → webhook received: each round commits a checkpoint by
//!     plain SQL, notes the instant the commit returns, and waits for its event on an open
//!     stream (`GET /api/v1/changes`, `collections=checkpoints`) and at a webhook receiver
//!     of this process;
//!  2. what the change log adds to a write: `POST /api/v1/checkpoints` through the API, in
//!     blocks with the log's triggers on and off (`ALTER TABLE … DISABLE TRIGGER`), medians
//!     compared;
//!  3. a backlog of 10 000 changes drained: the subscription paused, 10 000 checkpoints
//!     committed at once, the subscription resumed once the node has applied them, timed
//!     until the receiver has all of them.
//!
//! `change_latency DATABASE_URL BASE_URL TOKEN [ROUNDS [WRITE_GAP_MS]]` (TOKEN: an editor token of the police)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench driver: fail loudly

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

fn record(arrivals: &Arrivals, events: &[serde_json::Value]) {
    let now = Instant::now();
    let mut seen = arrivals.lock().unwrap();
    for e in events {
        if let Some(subject) = e["subject"].as_str() {
            seen.entry(subject.to_owned()).or_insert(now);
        }
    }
}

async fn receiver(arrivals: Arrivals) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let arrivals = Arc::clone(&arrivals);
            async move {
                let events: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
                record(&arrivals, &events);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://127.0.0.1:{port}/hook")
}

async fn follow_stream(base: String, arrivals: Arrivals) {
    let mut response = reqwest::Client::new()
        .get(format!("{base}/api/v1/changes?collections=checkpoints"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    let mut buffer = String::new();
    while let Some(chunk) = response.chunk().await.unwrap() {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if block.contains("event: ready") {
                continue;
            }
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                record(&arrivals, &[serde_json::from_str(data).unwrap()]);
            }
        }
    }
}

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort_unstable();
    let pct = |p: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
        v[i].as_secs_f64() * 1000.0
    };
    format!(
        "p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    )
}

async fn wait_for(arrivals: &Arrivals, subject: &str) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(t) = arrivals.lock().unwrap().get(subject) {
            return *t;
        }
        assert!(Instant::now() < deadline, "{subject} never arrived");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (db_url, base, token) = (&args[1], args[2].clone(), &args[3]);
    let rounds: usize = args.get(4).map_or(200, |r| r.parse().expect("ROUNDS"));
    // A pause after each timed API write (WRITE_GAP_MS): with none, a logged write is timed
    // while the node applies the one before it (a reload of the layers beside it).
    let gap = Duration::from_millis(args.get(5).map_or(0, |g| g.parse().expect("WRITE_GAP_MS")));
    let pool = sqlx::PgPool::connect(db_url).await.expect("database");
    let http = reqwest::Client::new();
    let (streamed, hooked): (Arrivals, Arrivals) = (Arrivals::default(), Arrivals::default());
    let hook_url = receiver(Arc::clone(&hooked)).await;
    let answer: serde_json::Value = http
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(token)
        .json(&serde_json::json!({"url": hook_url, "collections": ["checkpoints"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hook = answer["id"].as_str().expect("a subscription").to_owned();
    tokio::spawn(follow_stream(base.clone(), Arc::clone(&streamed)));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let run = std::process::id();
    let insert = "INSERT INTO checkpoints (id, name, geom, managed_by, status, changed_by) \
                  VALUES ($1, $1, ST_SetSRID(ST_MakePoint(105.68, 18.67), 4326), 'police', 'active', 'bench')";

    let (mut to_stream, mut to_hook) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let id = format!("latency-{run}-{round}");
        sqlx::query(insert).bind(&id).execute(&pool).await.unwrap();
        let committed = Instant::now();
        to_stream.push(
            wait_for(&streamed, &id)
                .await
                .saturating_duration_since(committed),
        );
        to_hook.push(
            wait_for(&hooked, &id)
                .await
                .saturating_duration_since(committed),
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "commit -> SSE event over {rounds} rounds: {}",
        percentiles(to_stream)
    );
    println!(
        "commit -> webhook received over {rounds} rounds: {}",
        percentiles(to_hook)
    );

    // The subscription paused while writes are timed: its deliveries are the receiver's
    // load, not the write's. (The stream stays open, as the pages' are.)
    let post = |path: String| http.post(format!("{base}{path}")).bearer_auth(token).send();
    post(format!("/api/v1/webhooks/{hook}/pause"))
        .await
        .unwrap();
    write_cost(&pool, &http, &base, token, gap).await;

    // A backlog (after the writes: its 10 000 checkpoints would make every reload of the
    // layers beside a timed write ten times the sample's).
    let backlog = 10_000;
    sqlx::query(
        "INSERT INTO checkpoints (id, name, geom, managed_by, status, changed_by) \
         SELECT 'drain-' || $1 || '-' || i, 'drain', ST_SetSRID(ST_MakePoint(105.68, 18.67), 4326), 'police', 'active', 'bench' \
         FROM generate_series(1, $2) i",
    )
    .bind(i64::from(run))
    .bind(backlog)
    .execute(&pool)
    .await
    .unwrap();
    let last = format!("drain-{run}-{backlog}");
    wait_for(&streamed, &last).await;
    let resumed = Instant::now();
    post(format!("/api/v1/webhooks/{hook}/resume"))
        .await
        .unwrap();
    let drained = wait_for(&hooked, &last)
        .await
        .saturating_duration_since(resumed);
    #[allow(clippy::cast_precision_loss)]
    let rate = backlog as f64 / drained.as_secs_f64();
    println!(
        "backlog of {backlog} drained in {:.2} s: {rate:.0} events/s",
        drained.as_secs_f64()
    );
    http.delete(format!("{base}/api/v1/webhooks/{hook}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
}

/// What the change log adds to a write: `POST /api/v1/checkpoints` in alternating blocks
/// with the log's triggers on and off, medians compared.
async fn write_cost(
    pool: &sqlx::PgPool,
    http: &reqwest::Client,
    base: &str,
    token: &str,
    gap: Duration,
) {
    // A write's latency with and without the log's trigger, in alternating blocks.
    let mut timed: HashMap<bool, Vec<Duration>> = HashMap::new();
    for block in 0..20 {
        let logged = block % 2 == 0;
        let toggle = if logged { "ENABLE" } else { "DISABLE" };
        for trigger in ["checkpoints_logged", "checkpoints_closed"] {
            sqlx::query(&format!(
                "ALTER TABLE checkpoints {toggle} TRIGGER {trigger}"
            ))
            .execute(pool)
            .await
            .unwrap();
        }
        for i in 0..20 {
            let body = serde_json::json!({"type": "Feature",
                "geometry": {"type": "Point", "coordinates": [105.68, 18.67]},
                "properties": {"name": format!("write {block} {i}"), "status": "active"}});
            let started = Instant::now();
            let status = http
                .post(format!("{base}/api/v1/checkpoints"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 201);
            timed.entry(logged).or_default().push(started.elapsed());
            tokio::time::sleep(gap).await;
        }
    }
    for trigger in ["checkpoints_logged", "checkpoints_closed"] {
        sqlx::query(&format!("ALTER TABLE checkpoints ENABLE TRIGGER {trigger}"))
            .execute(pool)
            .await
            .unwrap();
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    let (mut with, mut without) = (timed.remove(&true).unwrap(), timed.remove(&false).unwrap());
    let (with_median, without_median) = (median(&mut with), median(&mut without));
    println!(
        "a write through the API, {} each way ({} ms apart): median {:.2} ms with the change log, {:.2} ms without ({:+.1} %)",
        with.len(),
        gap.as_millis(),
        with_median.as_secs_f64() * 1000.0,
        without_median.as_secs_f64() * 1000.0,
        (with_median.as_secs_f64() / without_median.as_secs_f64() - 1.0) * 100.0
    );
    println!("  with the log: {}", percentiles(with));
    println!("  without it:   {}", percentiles(without));
}
