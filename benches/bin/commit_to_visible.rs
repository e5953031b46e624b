//! Commit → visible: how long after a lockdown zone is committed to PostGIS the server's
//! status answers show it. Run by `benches/commit_to_visible.sh`, which starts the server and,
//! optionally, a steady load of status requests beside it.
//!
//! Each round declares a small zone around a random hamlet's inner point in one transaction,
//! notes the instant the commit returns, then asks `GET /api/v1/status` for that point every
//! 2 ms until the zone is listed. Prints the latencies' percentiles.
//!
//! `commit_to_visible DATABASE_URL BASE_URL [ROUNDS]`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench driver: fail loudly

use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (db_url, base) = (&args[1], &args[2]);
    let rounds: usize = args.get(3).map_or(100, |r| r.parse().expect("ROUNDS"));
    let pool = sqlx::PgPool::connect(db_url).await.expect("database");
    let points: Vec<(f64, f64)> = sqlx::query_as(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM admin_units_current WHERE level = 'hamlet') s",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(!points.is_empty(), "no hamlets loaded");
    let http = reqwest::Client::new();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2021);
    let mut latencies = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (x, y) = points[rng.random_range(0..points.len())];
        let id = format!("bench-{round}-{}", std::process::id());
        sqlx::query(
            "INSERT INTO lockdown_zones (id, name, level, status, reason, geom, declared_by, started_at, changed_by) \
             VALUES ($1, $1, 4, 'active', 'bench', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint($2, $3), 4326), 0.0005)), 'bench', now(), 'bench')",
        )
        .bind(&id)
        .bind(x)
        .bind(y)
        .execute(&pool)
        .await
        .unwrap();
        let committed = Instant::now();
        let url = format!("{base}/api/v1/status?lat={y}&lon={x}");
        loop {
            let body = http.get(&url).send().await.unwrap().text().await.unwrap();
            if body.contains(&format!("\"id\":\"{id}\"")) {
                break;
            }
            assert!(
                committed.elapsed() < Duration::from_secs(30),
                "zone {id} never became visible"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(committed.elapsed());
        // Lift it again (close the version), so zones do not pile up; then let the feed settle.
        sqlx::query(
            "UPDATE lockdown_zones SET valid_to = now() WHERE id = $1 AND valid_to IS NULL",
        )
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    latencies.sort_unstable();
    let pct = |p: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    println!(
        "commit -> visible over {rounds} rounds: p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
}
