//! A PostGIS cluster under a folder of the project, for `make run` and tests when no
//! `DATABASE_URL` is given. initdb refuses to run as root, so as root the cluster runs as the
//! `postgres` system user. It listens on 127.0.0.1 and on a Unix socket in the folder.

use crate::error::{Result, StoreError};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Database and role the local cluster serves.
pub const LOCAL_DB: &str = "covidmap";

/// A cluster in `dir` listening on `port`.
#[derive(Debug, Clone)]
pub struct LocalCluster {
    dir: PathBuf,
    port: u16,
}

/// Whether the cluster is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterState {
    /// No cluster has been created in the folder.
    Absent,
    /// Created, not running.
    Stopped,
    /// Running.
    Running,
}

impl LocalCluster {
    /// A cluster in `dir` (created on first start) on `port`.
    #[must_use]
    pub fn new(dir: impl Into<PathBuf>, port: u16) -> Self {
        let dir = dir.into();
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        LocalCluster { dir, port }
    }

    /// Connection URL of the cluster's `covidmap` database.
    #[must_use]
    pub fn url(&self) -> String {
        self.url_for(LOCAL_DB)
    }

    /// Connection URL of any database of the cluster.
    #[must_use]
    pub fn url_for(&self, database: &str) -> String {
        format!("postgres://{LOCAL_DB}@127.0.0.1:{}/{database}", self.port)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn socket_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    /// Whether the cluster exists and runs.
    ///
    /// # Errors
    /// PostgreSQL's programs cannot be found or run.
    pub fn state(&self) -> Result<ClusterState> {
        if !self.data_dir().join("PG_VERSION").exists() {
            return Ok(ClusterState::Absent);
        }
        let out = self
            .pg("pg_ctl")?
            .arg("-D")
            .arg(self.data_dir())
            .arg("status")
            .output()
            .map_err(|e| io("pg_ctl status", &e))?;
        Ok(if out.status.success() {
            ClusterState::Running
        } else {
            ClusterState::Stopped
        })
    }

    /// Creates the cluster if needed and starts it if stopped; then makes sure the
    /// `covidmap` database exists. Safe to call when it already runs.
    ///
    /// # Errors
    /// initdb or pg_ctl fail; their output is in the error.
    pub fn start(&self) -> Result<()> {
        match self.state()? {
            ClusterState::Running => return Ok(()),
            ClusterState::Absent => self.init()?,
            ClusterState::Stopped => {}
        }
        std::fs::create_dir_all(self.socket_dir())
            .map_err(|e| io("creating the socket folder", &e))?;
        self.give_to_postgres(&self.socket_dir())?;
        // Room for many pools at once: the tests run a database, with its pool of 8 and a
        // change-feed listener, for every test of a binary in parallel (100 by default).
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400",
            self.port,
            self.socket_dir().display()
        );
        let log = self.dir.join("postgres.log");
        self.run(
            self.pg("pg_ctl")?
                .arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(&log)
                .arg("-o")
                .arg(options)
                .arg("-w")
                .arg("start"),
            "pg_ctl start",
        )?;
        self.run(
            self.pg("psql")?
                .args([
                    "-h",
                    "127.0.0.1",
                    "-U",
                    LOCAL_DB,
                    "-d",
                    "postgres",
                    "-p",
                    &self.port.to_string(),
                    "-tAc",
                ])
                .arg(format!(
                    "SELECT 1 FROM pg_database WHERE datname = '{LOCAL_DB}'"
                )),
            "psql",
        )
        .and_then(|out| {
            if out.trim() == "1" {
                Ok(())
            } else {
                self.create_database()
            }
        })
    }

    fn create_database(&self) -> Result<()> {
        self.run(
            self.pg("createdb")?.args([
                "-h",
                "127.0.0.1",
                "-U",
                LOCAL_DB,
                "-p",
                &self.port.to_string(),
                LOCAL_DB,
            ]),
            "createdb",
        )
        .map(|_| ())
    }

    fn init(&self) -> Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|e| io("creating the cluster folder", &e))?;
        self.give_to_postgres(&self.dir)?;
        if is_root() && !self.postgres_can_reach()? {
            return Err(StoreError::Cluster {
                dir: self.dir.display().to_string(),
                step: "checking access".into(),
                output: "the postgres user cannot reach this folder (a parent folder is not traversable); \
                         make the parent folders traversable (chmod o+x), use --data-dir elsewhere, or set DATABASE_URL"
                    .into(),
            });
        }
        self.run(
            self.pg("initdb")?.arg("-D").arg(self.data_dir()).args([
                "-U",
                LOCAL_DB,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
            ]),
            "initdb",
        )
        .map(|_| ())
    }

    /// Stops the cluster cleanly (a checkpoint, so nothing committed is lost).
    ///
    /// # Errors
    /// pg_ctl fails.
    pub fn stop(&self) -> Result<()> {
        if self.state()? != ClusterState::Running {
            return Ok(());
        }
        self.run(
            self.pg("pg_ctl")?
                .arg("-D")
                .arg(self.data_dir())
                .args(["-m", "fast", "-w", "stop"]),
            "pg_ctl stop",
        )
        .map(|_| ())
    }

    /// A command for one of PostgreSQL's programs, run as `postgres` when we are root.
    fn pg(&self, program: &str) -> Result<Command> {
        let path = bin_dir()?.join(program);
        if is_root() {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            Ok(cmd)
        } else {
            Ok(Command::new(path))
        }
    }

    fn run(&self, cmd: &mut Command, what: &str) -> Result<String> {
        let out = cmd
            .current_dir(&self.dir)
            .output()
            .map_err(|e| io(what, &e))?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        Err(StoreError::Cluster {
            dir: self.dir.display().to_string(),
            step: what.to_owned(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
            .trim()
            .to_owned(),
        })
    }

    fn postgres_can_reach(&self) -> Result<bool> {
        let status = Command::new("runuser")
            .args(["-u", "postgres", "--", "test", "-w"])
            .arg(&self.dir)
            .status()
            .map_err(|e| io("runuser", &e))?;
        Ok(status.success())
    }

    fn give_to_postgres(&self, path: &Path) -> Result<()> {
        if !is_root() {
            return Ok(());
        }
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(path)
            .status()
            .map_err(|e| io("chown", &e))?;
        if status.success() {
            Ok(())
        } else {
            Err(StoreError::Cluster {
                dir: path.display().to_string(),
                step: "chown to postgres".into(),
                output: status.to_string(),
            })
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// The newest PostgreSQL server installed under /usr/lib/postgresql.
fn bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| StoreError::NoPostgres)?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or(StoreError::NoPostgres)
}

fn io(what: &str, e: &std::io::Error) -> StoreError {
    StoreError::Cluster {
        dir: String::new(),
        step: what.to_owned(),
        output: e.to_string(),
    }
}
