//! The local PostGIS launcher: create, start, stop, start again with the data intact.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::Level;
use covidmap_store::local::{ClusterState, LocalCluster};
use covidmap_store::Store;
use covidmap_tests::cluster::PrivateCluster;
use covidmap_tests::data;
use covidmap_upload::{unguarded, upload, UploadRequest};

#[tokio::test]
async fn a_cluster_keeps_committed_data_across_stop_and_start() {
    let private = PrivateCluster::new("cluster-test", 55499);
    let cluster = &private.cluster;
    assert_eq!(cluster.state().unwrap(), ClusterState::Absent);
    private.run(LocalCluster::start).await;
    assert_eq!(cluster.state().unwrap(), ClusterState::Running);

    let store = Store::connect(&cluster.url()).await.unwrap();
    let request = UploadRequest::new(
        data("real/nghe_an_province.geojson"),
        Level::Province,
        "test",
    );
    upload(&store, request, unguarded()).await.unwrap();
    store.close().await;

    private.run(LocalCluster::stop).await;
    assert_eq!(cluster.state().unwrap(), ClusterState::Stopped);
    private.run(LocalCluster::start).await;
    let store = Store::connect(&cluster.url()).await.unwrap();
    assert_eq!(store.health().await.unwrap().units["province"], 1);
    store.close().await;
}

/// Every row of the tables that hold what the agencies wrote, as one hash per table.
async fn contents(url: &str) -> Vec<(String, i64, String)> {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    let mut tables: Vec<&str> = covidmap_core::Entity::ALL
        .iter()
        .map(|e| e.table())
        .collect();
    tables.extend([
        "uploads",
        "audit_log",
        "organisations",
        "api_tokens",
        "sample_dataset",
    ]);
    tables.sort_unstable();
    tables.dedup();
    let mut out = Vec::new();
    for table in tables {
        let (count, hash): (i64, String) = sqlx::query_as(&format!(
            "SELECT count(*), coalesce(md5(string_agg(to_jsonb(t)::text, ',' ORDER BY to_jsonb(t)::text)), '') FROM {table} t"
        ))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        out.push((table.to_owned(), count, hash));
    }
    out
}

/// The backup and restore of `docs/operations.md`, as written there: `pg_dump` in custom
/// format, `pg_restore` into an empty database, and the server over the restored one.
#[tokio::test]
async fn a_dump_restored_into_an_empty_database_holds_every_version_and_audit_entry() {
    let api = covidmap_tests::api::Api::start().await;
    // History to keep: a zone declared, changed and lifted.
    let vinh = api
        .token("ubnd-412", covidmap_core::agency::Role::Editor)
        .await;
    let (_, point) = api.hamlet_in("412");
    let zone = covidmap_tests::api::zone_feature(covidmap_tests::api::square(point, 0.0005), "giữ");
    let (status, created) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&zone))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let changed =
        covidmap_tests::api::zone_feature(covidmap_tests::api::square(point, 0.0006), "giữ 2");
    let (status, _) = api
        .send(
            "PUT",
            &format!("/api/v1/zones/{id}"),
            Some(&vinh),
            Some(&changed),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = api
        .send(
            "POST",
            &format!("/api/v1/zones/{id}/lift"),
            Some(&vinh),
            None,
        )
        .await;
    assert_eq!(status, 200);

    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("covidmap.dump");
    let dumped = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&api.db.url)
        .output()
        .unwrap();
    assert!(
        dumped.status.success(),
        "{}",
        String::from_utf8_lossy(&dumped.stderr)
    );
    let restored_url = covidmap_tests::TestDb::blank_url().await;
    let restored = std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&restored_url)
        .arg(&dump)
        .output()
        .unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );

    let before = contents(&api.db.url).await;
    assert!(
        before.iter().any(|(t, n, _)| t == "audit_log" && *n >= 3),
        "{before:?}"
    );
    assert_eq!(
        contents(&restored_url).await,
        before,
        "the restored database differs"
    );
    // The server takes the restored database as it is: no migration to run, the same answers.
    let store = Store::connect(&restored_url).await.unwrap();
    let history = store
        .history(covidmap_core::Entity::LockdownZones, &id)
        .await
        .unwrap();
    assert_eq!(history.len(), 3, "{history:?}");
    let live = covidmap_live::LiveData::load(store).await.unwrap();
    assert_eq!(live.snapshot().len(), api.backend.snapshot().len());
    assert!(live.snapshot().is_sample());
}
