//! A PostGIS cluster of a test's own, for tests that stop and start it: under the system temp
//! folder (as root the cluster runs as `postgres`, which must reach it), removed when dropped.

use covidmap_store::local::LocalCluster;
use std::path::PathBuf;

/// The cluster and the folder it lives in (its data under `dir/pg`).
pub struct PrivateCluster {
    /// The cluster.
    pub cluster: LocalCluster,
    /// Its folder, as `covidmap --data-dir` takes it.
    pub dir: PathBuf,
}

impl PrivateCluster {
    /// A cluster named `name` on `port`, not yet created.
    #[must_use]
    pub fn new(name: &str, port: u16) -> PrivateCluster {
        let dir = std::env::temp_dir().join(format!("covidmap-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        PrivateCluster {
            cluster: LocalCluster::new(dir.join("pg"), port),
            dir,
        }
    }

    /// A cluster named `name` on `port`, created and running.
    pub async fn start(name: &str, port: u16) -> PrivateCluster {
        let private = PrivateCluster::new(name, port);
        private.run(LocalCluster::start).await;
        private
    }

    /// Runs `step` (start, stop) off the runtime; it must succeed.
    pub async fn run(&self, step: fn(&LocalCluster) -> covidmap_store::Result<()>) {
        let c = self.cluster.clone();
        tokio::task::spawn_blocking(move || step(&c))
            .await
            .unwrap()
            .unwrap();
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self.cluster.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
