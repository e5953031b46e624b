//! `GET /metrics`, in Prometheus' text format, for an operator (martin and pg_tileserv offer
//! the same): requests by route and status with their latency, tiles served and the tile
//! cache, snapshot reloads and the change feed (counted by `covidmap-live`), the database
//! pool, open connections (counted by `listen`) and change streams.
//!
//! The `metrics` facade records; its Prometheus exporter renders. One recorder serves the
//! process (several servers in one test process share it).

use crate::backend::Backend;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, Once, OnceLock};
use std::time::{Duration, Instant};

/// Latency buckets, in seconds: lookups answer in well under a millisecond, writes in tens.
const BUCKETS: [f64; 12] = [
    0.000_25, 0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0,
];

/// How often the recorder folds the samples it holds into its histograms' buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's recorder; `None` when another was installed first (then nothing renders).
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    let handle = HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .ok()?;
            builder.install_recorder().ok()
        })
        .as_ref()?;
    start_upkeep(handle);
    Some(handle)
}

/// A histogram keeps every sample it records until an upkeep folds them into its buckets; the
/// exporter does that on a scrape, or here. Without it a server nobody scrapes would keep every
/// request's duration (~1 MB a minute at 2 000 requests/s). A thread, not a task: the recorder
/// may be installed before any runtime exists.
fn start_upkeep(handle: &'static PrometheusHandle) {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || loop {
                std::thread::sleep(UPKEEP_EVERY);
                handle.run_upkeep();
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "metrics upkeep not started: histograms grow until scraped");
        }
    });
}

/// `GET /metrics`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    // Installed when the router is built, so that the first requests are counted too.
    let _ = recorder();
    Router::new().route("/metrics", get(render::<B>))
}

/// Counts a request by its route (the template, never the raw path: ids would make a series
/// per zone) and status, and times it.
pub(crate) async fn count_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("covidmap_http_request_duration_seconds", "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("covidmap_http_requests_total", "route" => route, "method" => method, "status" => status)
        .increment(1);
    response
}

/// Gauges read when asked for (the pool, the cache, the snapshot), then every series.
async fn render<B: Backend>(State(backend): State<Arc<B>>) -> Response {
    let (entries, bytes) = backend.tile_cache().usage();
    let (hits, misses) = backend.tile_cache().hits_and_misses();
    metrics::gauge!("covidmap_tile_cache_entries").set(u64_f64(entries));
    metrics::gauge!("covidmap_tile_cache_bytes").set(u64_f64(bytes));
    metrics::counter!("covidmap_tile_cache_hits_total").absolute(hits);
    metrics::counter!("covidmap_tile_cache_misses_total").absolute(misses);
    let snapshot = backend.snapshot();
    metrics::gauge!("covidmap_snapshot_units").set(u64_f64(snapshot.len() as u64));
    if let Some(store) = backend.store() {
        let pool = store.pool();
        metrics::gauge!("covidmap_db_pool_connections").set(f64::from(pool.size()));
        metrics::gauge!("covidmap_db_pool_idle").set(u64_f64(pool.num_idle() as u64));
    }
    let text = recorder().map(PrometheusHandle::render).unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

#[allow(clippy::cast_precision_loss)] // gauges: counts far below 2⁵³
fn u64_f64(n: u64) -> f64 {
    n as f64
}
