//! Which database to use: `DATABASE_URL`, or the local cluster under DATA_DIR/pg.

use crate::args::{DbAction, DbArgs, Global};
use anyhow::Context;
use covidmap_store::local::{ClusterState, LocalCluster};
use covidmap_store::Store;

/// A connected store, and the local cluster if this process started it.
pub struct Database {
    pub store: Store,
    pub started: Option<LocalCluster>,
    /// The local cluster under DATA_DIR/pg (the demo's), not DATABASE_URL.
    pub local: bool,
}

pub fn local_cluster(global: &Global) -> LocalCluster {
    LocalCluster::new(global.data_dir.join("pg"), global.pg_port)
}

/// Connects to DATABASE_URL, or starts the local cluster and connects to it.
pub async fn open(global: &Global) -> anyhow::Result<Database> {
    if let Some(url) = &global.database_url {
        let store = Store::connect(url)
            .await
            .context("connecting to DATABASE_URL")?;
        return Ok(Database {
            store,
            started: None,
            local: false,
        });
    }
    let cluster = local_cluster(global);
    let c = cluster.clone();
    let started = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
        let was_running = c.state()? == ClusterState::Running;
        c.start()?;
        Ok(!was_running)
    })
    .await??;
    if started {
        eprintln!(
            "started local PostGIS in {}",
            global.data_dir.join("pg").display()
        );
    }
    let store = Store::connect(&cluster.url())
        .await
        .context("connecting to the local PostGIS")?;
    Ok(Database {
        store,
        started: started.then_some(cluster),
        local: true,
    })
}

pub fn db_command(global: &Global, args: &DbArgs) -> anyhow::Result<()> {
    let cluster = local_cluster(global);
    match args.action {
        DbAction::Start => {
            cluster.start()?;
            println!("local PostGIS running: {}", cluster.url());
        }
        DbAction::Stop => {
            cluster.stop()?;
            println!("local PostGIS stopped");
        }
        DbAction::Status => match cluster.state()? {
            ClusterState::Absent => println!(
                "no local PostGIS in {} (covidmap db start creates it)",
                global.data_dir.join("pg").display()
            ),
            ClusterState::Stopped => println!("local PostGIS stopped"),
            ClusterState::Running => println!("local PostGIS running: {}", cluster.url()),
        },
    }
    Ok(())
}
