//! The real `covidmap` binary, as an operator runs it: `serve` on a free loopback port, and
//! one-off commands.

use crate::{root, TestDb};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The binary `make test` builds, checked to be newer than every source of it.
pub fn binary() -> std::path::PathBuf {
    let binary = root().join("target/debug/covidmap");
    assert!(
        binary.is_file(),
        "{} is missing: build it with `cargo build -p covidmap-cli`",
        binary.display()
    );
    let built = std::fs::metadata(&binary)
        .and_then(|m| m.modified())
        .unwrap();
    if let Some(newer) = newest_source(&root().join("crates")).filter(|(t, _)| *t > built) {
        panic!(
            "{} is older than {}: run `cargo build -p covidmap-cli` first (make test does)",
            binary.display(),
            newer.1.display()
        );
    }
    binary
}

/// Runs `covidmap --database-url URL --data-dir data ARGS…` to its end.
pub fn run(db: &TestDb, args: &[&str]) -> Output {
    Command::new(binary())
        .arg("--database-url")
        .arg(&db.url)
        .arg("--data-dir")
        .arg(root().join("data"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// `covidmap serve` on a free loopback port; killed when dropped.
pub struct Served {
    /// The process.
    pub child: Child,
    /// Its URL.
    pub base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `covidmap serve` over the database with these flags of `serve` and waits until it
/// serves (after loading the sample, when asked to).
pub async fn serve_binary(db: &TestDb, flags: &[&str]) -> Served {
    let mut command = Command::new(binary());
    command
        .arg("--database-url")
        .arg(&db.url)
        .arg("--data-dir")
        .arg(root().join("data"))
        .arg("serve")
        .args(flags)
        .args(["--bind", "127.0.0.1:0", "--web-dir"])
        .arg(root().join("web"))
        .env("RUST_LOG", "warn");
    started(command).await
}

/// Runs a `covidmap … serve` command and waits until it says where it serves.
pub async fn started(mut command: Command) -> Served {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::time::timeout(
        Duration::from_secs(180),
        tokio::task::spawn_blocking(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .find_map(|l| l.strip_prefix("covidmap serving on ").map(str::to_owned))
        }),
    )
    .await
    .expect("the server to start within 3 minutes")
    .unwrap()
    .expect("the server to say where it serves");
    Served { child, base: line }
}

/// The most recently changed source of the binary under `dir` (its crates' `src` and
/// `migrations`, not their tests), with when.
fn newest_source(dir: &std::path::Path) -> Option<(std::time::SystemTime, std::path::PathBuf)> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            if path.is_dir() {
                let name = path.file_name()?.to_str()?;
                if ["tests", "benches", "examples"].contains(&name) {
                    return None;
                }
                newest_source(&path)
            } else if !path.extension().is_some_and(|e| e == "rs" || e == "sql") {
                None
            } else {
                Some((entry.metadata().ok()?.modified().ok()?, path))
            }
        })
        .max_by_key(|(t, _)| *t)
}
