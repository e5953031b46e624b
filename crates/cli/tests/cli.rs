//! The `covidmap` binary as a user runs it: exit codes, messages, sample data, serving.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_tests::binary::started;
use covidmap_tests::{fixture, root, TestDb};
use std::process::{Command, Output, Stdio};

fn covidmap(args: &[&str], database_url: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_covidmap"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(root().join("data"))
        .env_remove("DATABASE_URL");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd.output().unwrap()
}

/// GETs a URL and reads its JSON body.
async fn get_json(url: String) -> serde_json::Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn demo_data_is_the_same_for_the_same_seed() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    for (seed, name) in [("7", "a"), ("7", "b"), ("8", "c")] {
        let o = covidmap(&["demo-data", "--seed", seed, "--out", &out(name)], None);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let read = |name: &str, file: &str| std::fs::read(dir.path().join(name).join(file)).unwrap();
    assert_eq!(read("a", "communes.geojson"), read("b", "communes.geojson"));
    assert_eq!(read("a", "hamlets.geojson"), read("b", "hamlets.geojson"));
    assert_ne!(read("a", "hamlets.geojson"), read("c", "hamlets.geojson"));

    let hamlets: serde_json::Value = serde_json::from_slice(&read("a", "hamlets.geojson")).unwrap();
    let features = hamlets["features"].as_array().unwrap();
    assert!(
        (5_000..7_000).contains(&features.len()),
        "{} hamlets",
        features.len()
    );
    let name_of = |code: &str| {
        features
            .iter()
            .find(|f| f["properties"]["code"] == code)
            .map(|f| f["properties"]["name"].as_str().unwrap().to_owned())
    };
    // Phường Đông Vĩnh has khối; Xã Nghi Phong has xóm; Xã Mường Lống (Kỳ Sơn) has bản.
    assert_eq!(name_of("16663-01").as_deref(), Some("Khối 1"));
    assert_eq!(name_of("17902-01").as_deref(), Some("Xóm 1"));
    assert!(name_of("16831-01").unwrap().starts_with("Bản "));
    let communes: serde_json::Value =
        serde_json::from_slice(&read("a", "communes.geojson")).unwrap();
    assert_eq!(communes["features"].as_array().unwrap().len(), 412);
}

#[tokio::test]
async fn a_refused_ingest_exits_non_zero_with_the_reason() {
    let db = TestDb::with_districts().await;
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("ban_do.geojson");
    std::fs::write(&garbage, "not json at all").unwrap();
    let before = db.fingerprint().await;
    let o = covidmap(
        &["ingest", garbage.to_str().unwrap(), "--level", "commune"],
        Some(&db.url),
    );
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("ban_do.geojson") && err.contains("cannot be read") && err.contains("GeoJSON"),
        "{err}"
    );
    let o = covidmap(
        &[
            "ingest",
            fixture("nghe_an_districts_wgs84.zip").to_str().unwrap(),
            "--level",
            "district",
            "--encoding",
            "koi8-r",
        ],
        Some(&db.url),
    );
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("unknown encoding \"koi8-r\""),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(db.fingerprint().await, before);
}

#[tokio::test]
async fn dry_run_prints_the_change_and_writes_nothing() {
    let db = TestDb::with_districts().await;
    let before = db.fingerprint().await;
    let o = covidmap(
        &[
            "ingest",
            fixture("nghe_an_districts_gadm.geojson").to_str().unwrap(),
            "--level",
            "district",
            "--dry-run",
        ],
        Some(&db.url),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("dry run: nothing written"), "{out}");
    assert!(
        out.contains("name \"Đô Luong\" repaired to \"Huyện Đô Lương\""),
        "{out}"
    );
    assert!(out.contains("fields: name=NAME_3"), "{out}");
    assert_eq!(db.fingerprint().await, before);
}

#[test]
fn export_refuses_zooms_out_of_order_or_range_before_touching_anything() {
    for (args, said) in [
        (
            &[
                "export",
                "--format",
                "pmtiles",
                "--minzoom",
                "9",
                "--maxzoom",
                "7",
                "x.pmtiles",
            ][..],
            "--minzoom 9 is above --maxzoom 7",
        ),
        (
            &[
                "export",
                "--format",
                "pmtiles",
                "--maxzoom",
                "19",
                "x.pmtiles",
            ][..],
            "19 is not in 0..=18",
        ),
        (
            &["export", "--format", "png", "x.png"][..],
            "invalid value 'png'",
        ),
    ] {
        let out = covidmap(args, Some("postgres://nobody@127.0.0.1:1/none"));
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).contains(said),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[tokio::test]
async fn serve_sample_loads_the_sample_data_into_an_empty_database_and_answers() {
    let db = TestDb::new().await;
    let mut command = Command::new(env!("CARGO_BIN_EXE_covidmap"));
    command
        .args(["serve", "--sample", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(root().join("data"))
        .env("DATABASE_URL", &db.url)
        .stderr(Stdio::null());
    let mut served = started(command).await;
    let url = served.base.clone();
    let health: serde_json::Value = get_json(format!("{url}/health")).await;
    // A point inside an active sample lockdown zone is answered as locked down, from memory.
    let (zone, lat, lon): (String, f64, f64) = sqlx::query_as(
        "SELECT id, ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom)) FROM lockdown_zones WHERE status = 'active' ORDER BY id LIMIT 1",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    let status: serde_json::Value =
        get_json(format!("{url}/api/v1/status?lat={lat}&lon={lon}")).await;
    let search: serde_json::Value =
        get_json(format!("{url}/api/v1/search?q=xom%201%20nghi%20phong")).await;
    let by_address: serde_json::Value = get_json(format!(
        "{url}/api/v1/status?address=xom%201%20nghi%20phong"
    ))
    .await;
    let tilejson: serde_json::Value = get_json(format!("{url}/tiles.json")).await;
    let tile = reqwest::get(format!("{url}/tiles/10/812/457.mvt"))
        .await
        .unwrap();
    let tile_type = tile.headers()["content-type"].to_str().unwrap().to_owned();
    Command::new("kill")
        .arg(served.child.id().to_string())
        .status()
        .unwrap();
    let exit = served.child.wait().unwrap();
    assert_eq!(
        by_address["units"]["hamlet"]["code"], "17902-01",
        "{by_address}"
    );
    assert_eq!(
        tilejson["tiles"][0],
        format!("{url}/tiles/{{z}}/{{x}}/{{y}}.mvt")
    );
    assert_eq!(tile_type, "application/vnd.mapbox-vector-tile");
    // The same data exported as a static archive.
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("nghe-an.mbtiles");
    let archive_arg = archive.to_str().unwrap();
    let out = covidmap(
        &[
            "export",
            "--format",
            "mbtiles",
            "--minzoom",
            "6",
            "--maxzoom",
            "8",
            archive_arg,
        ],
        Some(&db.url),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("tiles at z6–8"),
        "{}",
        text(&out.stdout)
    );
    assert!(archive.metadata().unwrap().len() > 10_000);
    let again = covidmap(
        &["export", "--format", "mbtiles", archive_arg],
        Some(&db.url),
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("exists"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(health["sample_data"], true, "{health}");
    assert_eq!(health["units"]["province"], 1, "{health}");
    assert_eq!(health["units"]["district"], 21);
    assert_eq!(health["units"]["commune"], 412);
    assert!(
        health["units"]["hamlet"].as_i64().unwrap() > 5_000,
        "{health}"
    );
    assert!(exit.success(), "serve must stop cleanly on SIGTERM: {exit}");
    assert_eq!(status["lockdown"]["in_lockdown"], true, "{status}");
    assert!(
        status["lockdown"]["covered_by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == zone.as_str()),
        "{status}"
    );
    assert_eq!(status["epidemic_level"]["level"], 4, "{status}");
    // No diacritics, any order: Xóm 1 of Xã Nghi Phong first.
    assert_eq!(search["results"][0]["code"], "17902-01", "{search}");
    assert_eq!(search["results"][0]["name"], "Xóm 1", "{search}");
    for kind in ["checkpoint", "testing_site", "quarantine_camp"] {
        assert!(
            status["nearest"][kind]["distance_m"].as_f64().is_some(),
            "{kind}: {status}"
        );
    }
}

#[tokio::test]
async fn a_configuration_file_sets_what_flags_and_the_environment_leave_unset() {
    let db = TestDb::with_districts().await;
    let dir = tempfile::tempdir().unwrap();
    // A misspelt key is refused by name, with the file's name; nothing starts.
    let wrong = dir.path().join("wrong.toml");
    std::fs::write(&wrong, "[serve]\nmax_conections = 7\n").unwrap();
    let out = covidmap(&["--config", wrong.to_str().unwrap(), "serve"], None);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("wrong.toml") && stderr.contains("max_conections"),
        "{stderr}"
    );
    // A value of the wrong kind is refused by the flag's own rule.
    let range = dir.path().join("range.toml");
    std::fs::write(&range, "[serve]\nmax_connections = 0\n").unwrap();
    let out = covidmap(&["--config", range.to_str().unwrap(), "serve"], None);
    assert!(!out.status.success(), "{}", text(&out.stderr));

    // The settings the operations guide ships are all accepted: serve gets as far as the
    // database (the flag's, on a port where nothing listens).
    let shipped = root().join("docs/covidmap.toml");
    let out = covidmap(
        &[
            "--config",
            shipped.to_str().unwrap(),
            "--database-url",
            "postgres://covidmap@127.0.0.1:1/covidmap",
            "serve",
            "--bind",
            "127.0.0.1:0",
        ],
        None,
    );
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("configuration file") && stderr.contains("DATABASE_URL"),
        "{stderr}"
    );

    // The database and serve's limits from the file: 3 connections at most.
    let good = dir.path().join("covidmap.toml");
    let config = format!(
        "database_url = \"{}\"\n[serve]\nbind = \"127.0.0.1:0\"\nmax_connections = 3\n",
        db.url
    );
    std::fs::write(&good, config).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_covidmap"));
    command
        .args(["--config", good.to_str().unwrap(), "--data-dir"])
        .arg(root().join("data"))
        .arg("serve")
        .env_remove("DATABASE_URL")
        .stderr(Stdio::null());
    let mut served = started(command).await;
    let url = served.base.clone();
    let health = get_json(format!("{url}/health")).await;
    let addr = url.trim_start_matches("http://").to_owned();
    let held: Vec<_> = (0..3)
        .map(|_| std::net::TcpStream::connect(&addr).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut over = std::net::TcpStream::connect(&addr).unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut over, &mut answer).unwrap();
    drop(held);
    Command::new("kill")
        .arg(served.child.id().to_string())
        .status()
        .unwrap();
    served.child.wait().unwrap();
    assert_eq!(health["units"]["district"], 21, "{health}");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
}

#[tokio::test]
async fn unit_changes_are_loaded_as_the_provincial_office_and_a_bad_file_changes_nothing() {
    let db = TestDb::with_districts().await;
    let dir = tempfile::tempdir().unwrap();
    let header = "effective,act,kind,predecessor_code,predecessor_name,predecessor_parent_code,successor_code,successor_name,source";
    let good = dir.path().join("changes.csv");
    std::fs::write(
        &good,
        format!("{header}\n2024-12-01,Resolution 1243/NQ-UBTVQH15,district_abolished,413,Thị xã Cửa Lò,40,412,Thành phố Vinh,test\n"),
    )
    .unwrap();
    let count = || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM unit_changes")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        n
    };
    // Someone must answer for them.
    let o = covidmap(&["unit-changes", good.to_str().unwrap()], Some(&db.url));
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("no provincial office"),
        "{}",
        text(&o.stderr)
    );
    let o = covidmap(
        &[
            "org",
            "add",
            "--id",
            "ubnd-tinh",
            "--name",
            "UBND tỉnh",
            "--kind",
            "provincial_office",
        ],
        Some(&db.url),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    // A row that does not read, and one that reads but names no unit.
    for (row, says) in [
        (
            "2024-12-01,R,abolished,413,Thị xã Cửa Lò,40,412,Thành phố Vinh,test",
            "line 2, kind",
        ),
        (
            "2024-12-01,R,merge,,Xã X,429,999,Xã Y,test",
            "line 2, successor_code",
        ),
    ] {
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, format!("{header}\n{row}\n")).unwrap();
        let o = covidmap(&["unit-changes", bad.to_str().unwrap()], Some(&db.url));
        assert!(!o.status.success());
        let err = text(&o.stderr);
        assert!(
            err.contains("bad.csv refused, nothing changed") && err.contains(says),
            "{err}"
        );
        assert_eq!(count().await, 0);
    }
    let o = covidmap(&["unit-changes", good.to_str().unwrap()], Some(&db.url));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("1 change(s) added"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(count().await, 1);
}
