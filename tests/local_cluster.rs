//! The local PostGIS launcher: create, start, stop, start again with the data intact.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::Level;
use covidmap_store::local::{ClusterState, LocalCluster};
use covidmap_store::Store;
use covidmap_tests::data;
use covidmap_upload::{unguarded, upload, UploadRequest};

#[tokio::test]
async fn a_cluster_keeps_committed_data_across_stop_and_start() {
    // Under the system temp folder: as root the cluster runs as `postgres`, which must reach it.
    let dir = std::env::temp_dir().join(format!("covidmap-cluster-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cluster = LocalCluster::new(&dir, 55499);
    assert_eq!(cluster.state().unwrap(), ClusterState::Absent);
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.start())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cluster.state().unwrap(), ClusterState::Running);

    let store = Store::connect(&cluster.url()).await.unwrap();
    let request = UploadRequest::new(
        data("real/nghe_an_province.geojson"),
        Level::Province,
        "test",
    );
    upload(&store, request, unguarded()).await.unwrap();
    store.close().await;

    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cluster.state().unwrap(), ClusterState::Stopped);
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.start())
        .await
        .unwrap()
        .unwrap();
    let store = Store::connect(&cluster.url()).await.unwrap();
    assert_eq!(store.health().await.unwrap().units["province"], 1);
    store.close().await;
    cluster.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
