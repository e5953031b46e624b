//! The harness the end-to-end tests share: a fresh PostGIS database per test (cloned from a
//! migrated template on the throw-away cluster `make test` starts), the project's files, and
//! fixtures made at test time with real GDAL (`ogr2ogr`).

// A test harness: a failed step must fail the test that called it, loudly.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

pub mod api;
pub mod binary;
pub mod changes;
pub mod cluster;

use covidmap_core::Level;
use covidmap_ingest::{FieldFlags, ReadOptions};
use covidmap_store::local::LocalCluster;
use covidmap_store::Store;
use covidmap_upload::{unguarded, upload, UploadError, UploadReport, UploadRequest};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The repository root.
#[must_use]
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file under `tests/fixtures`.
#[must_use]
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// A file under `data/`.
#[must_use]
pub fn data(name: &str) -> PathBuf {
    root().join("data").join(name)
}

/// Port of the cluster `cargo test` starts on its own: not `make test`'s (55433), so that one
/// left running never stands in its way.
const OWN_CLUSTER_PORT: u16 = 55439;

/// URL of the maintenance database of the test cluster. `make test` starts the cluster and
/// sets `COVIDMAP_TEST_DATABASE_URL`; without it, a cluster under `target/test-pg` is started
/// (and left running for the next `cargo test`).
fn admin_url() -> String {
    // Tests run on several threads; one of them starts the cluster, the others wait for it.
    static OWN_CLUSTER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    std::env::var("COVIDMAP_TEST_DATABASE_URL").unwrap_or_else(|_| {
        OWN_CLUSTER
            .get_or_init(|| {
                let cluster = LocalCluster::new(root().join("target/test-pg/pg"), OWN_CLUSTER_PORT);
                cluster
                    .start()
                    .expect("starting the test PostGIS (or set COVIDMAP_TEST_DATABASE_URL)");
                cluster.url_for("postgres")
            })
            .clone()
    })
}

fn with_database(url: &str, db: &str) -> String {
    match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{db}"),
        None => panic!("odd database URL {url}"),
    }
}

const TEMPLATE: &str = "covidmap_template";

/// A fresh, migrated, empty database for one test.
pub struct TestDb {
    /// The store connected to it.
    pub store: Store,
    /// Its URL.
    pub url: String,
}

impl TestDb {
    /// Creates the database from the migrated template.
    pub async fn new() -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin = admin_url();
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
            .await
            .expect("connecting to the test cluster");
        // One template per cluster, made once under a lock so parallel test binaries agree.
        sqlx::query("SELECT pg_advisory_lock(7211)")
            .execute(&mut conn)
            .await
            .unwrap();
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(TEMPLATE)
                .fetch_one(&mut conn)
                .await
                .unwrap();
        if !exists {
            sqlx::query(&format!("CREATE DATABASE {TEMPLATE}"))
                .execute(&mut conn)
                .await
                .unwrap();
            let store = Store::connect(&with_database(&admin, TEMPLATE))
                .await
                .expect("migrating the template");
            store.close().await;
        }
        let name = format!(
            "t_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            nanos()
        );
        sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("SELECT pg_advisory_unlock(7211)")
            .execute(&mut conn)
            .await
            .unwrap();
        let url = with_database(&admin, &name);
        let store = Store::connect(&url).await.unwrap();
        TestDb { store, url }
    }

    /// The URL of a new database with nothing in it at all (not even the schema): where a
    /// dump is restored.
    pub async fn blank_url() -> String {
        let admin = admin_url();
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
            .await
            .expect("connecting to the test cluster");
        let name = format!("b_{}_{}", std::process::id(), nanos());
        sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE template0"))
            .execute(&mut conn)
            .await
            .unwrap();
        with_database(&admin, &name)
    }

    /// A database holding the province outline and the real districts.
    pub async fn with_districts() -> TestDb {
        let db = TestDb::new().await;
        load_province_and_districts(&db.store).await;
        db
    }

    /// A database holding what `make run` loads: the province, its districts, the sample
    /// communes and hamlets, the sample layers, the province's organisations and its
    /// administrative changes.
    pub async fn with_sample() -> TestDb {
        let db = TestDb::new().await;
        db.store.mark_sample(2021).await.unwrap();
        let units = tokio::task::spawn_blocking(covidmap_benches::province_units)
            .await
            .unwrap();
        let provenance = covidmap_store::Provenance {
            source_file: "sample".into(),
            source_crs: "EPSG:4326".into(),
            encoding: None,
            uploaded_by: "test".into(),
            notes: vec![],
        };
        for level in Level::ALL {
            let these: Vec<_> = units.iter().filter(|u| u.level == level).cloned().collect();
            let parents: Vec<String> = these
                .iter()
                .filter_map(|u| u.parent_code.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let change = covidmap_store::UnitsChange {
                level,
                scope: &parents,
                units: &these,
                provenance: &provenance,
                dry_run: false,
                author: None,
                moved_below: &[],
                emptied: &[],
            };
            db.store.apply_units(&change).await.unwrap();
        }
        let layers = covidmap_demo::layers(&units, 2021);
        db.store
            .insert_layers(&layers, "sample data")
            .await
            .unwrap();
        let figures = covidmap_demo::figures(&units, 2021);
        db.store
            .insert_figures(&figures, "sample data")
            .await
            .unwrap();
        let districts: Vec<_> = units
            .iter()
            .filter(|u| u.level == Level::District)
            .cloned()
            .collect();
        let organisations = covidmap_demo::organisations(&districts);
        for org in &organisations {
            db.store.add_organisation(org).await.unwrap();
        }
        let office = organisations
            .iter()
            .find(|o| o.kind == covidmap_core::agency::OrgKind::ProvincialOffice)
            .unwrap();
        let author = covidmap_store::Author::of(office, None);
        db.store
            .put_unit_changes(&covidmap_benches::province_unit_changes(), &author)
            .await
            .unwrap();
        db
    }

    /// A point inside a current unit (e.g. "412", Thành phố Vinh), for building test files.
    pub async fn interior_point(&self, code: &str) -> geo::Point<f64> {
        use geo::InteriorPoint;
        let units = self.store.all_current_units().await.unwrap();
        let unit = units
            .iter()
            .find(|u| u.code == code)
            .unwrap_or_else(|| panic!("no unit {code}"));
        unit.geometry.interior_point().unwrap()
    }

    /// Ingests a file with default options.
    pub async fn ingest(&self, path: &Path, level: Level) -> Result<UploadReport, UploadError> {
        self.upload(path, options(level), None, false).await
    }

    /// Ingests with explicit options.
    pub async fn upload(
        &self,
        path: &Path,
        read: ReadOptions,
        parent: Option<&str>,
        dry_run: bool,
    ) -> Result<UploadReport, UploadError> {
        let mut request = UploadRequest::new(path.to_owned(), read.level, "test");
        request.read = read;
        request.parent = parent.map(str::to_owned);
        request.dry_run = dry_run;
        upload(&self.store, request, unguarded()).await
    }

    /// Everything that identifies the database's state: versions, open versions, uploads,
    /// and a hash of every row. Equal before and after means nothing changed.
    pub async fn fingerprint(&self) -> (i64, i64, i64, String) {
        sqlx::query_as(
            "SELECT (SELECT count(*) FROM admin_units), (SELECT count(*) FROM admin_units WHERE valid_to IS NULL),
                    (SELECT count(*) FROM uploads),
                    (SELECT coalesce(md5(string_agg(version_id::text || code || name || coalesce(valid_to::text, '') || md5(ST_AsBinary(geom)), ',' ORDER BY version_id)), '') FROM admin_units)",
        )
        .fetch_one(self.store.pool())
        .await
        .unwrap()
    }
}

/// Nghệ An's real outline and districts, uploaded into `store` as a file each.
pub async fn load_province_and_districts(store: &Store) {
    for (file, level) in [
        ("real/nghe_an_province.geojson", Level::Province),
        ("real/nghe_an_districts.geojson", Level::District),
    ] {
        upload(
            store,
            UploadRequest::new(data(file), level, "test"),
            unguarded(),
        )
        .await
        .unwrap();
    }
}

/// Default read options for a level.
#[must_use]
pub fn options(level: Level) -> ReadOptions {
    ReadOptions {
        level,
        fields: FieldFlags::default(),
        source_crs: None,
        encoding: None,
    }
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

/// Runs `ogr2ogr` (real GDAL) and panics with its output if it fails.
pub fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr")
        .args(args)
        .output()
        .expect("ogr2ogr (gdal-bin) must be installed; make test installs it");
    assert!(
        out.status.success(),
        "ogr2ogr {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes a GeoJSON FeatureCollection to `dir/name` and returns its path.
pub fn write_geojson(dir: &Path, name: &str, features: &[serde_json::Value]) -> PathBuf {
    let path = dir.join(name);
    let fc = serde_json::json!({ "type": "FeatureCollection", "features": features });
    std::fs::write(&path, fc.to_string()).unwrap();
    path
}

/// A square polygon feature.
#[must_use]
pub fn square_feature(props: serde_json::Value, x: f64, y: f64, size: f64) -> serde_json::Value {
    serde_json::json!({
        "type": "Feature",
        "properties": props,
        "geometry": { "type": "Polygon", "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]] }
    })
}

/// Largest distance in metres between two boundaries (Hausdorff, local metric frame).
#[must_use]
pub fn offset_m(a: &geo::MultiPolygon<f64>, b: &geo::MultiPolygon<f64>) -> f64 {
    use geo::{BoundingRect, HausdorffDistance, MapCoords};
    const M_PER_DEG: f64 = 111_320.0;
    let lat = a.bounding_rect().map_or(0.0, |r| r.center().y).to_radians();
    let scale = |mp: &geo::MultiPolygon<f64>| {
        mp.map_coords(|c| geo::Coord {
            x: c.x * M_PER_DEG * lat.cos(),
            y: c.y * M_PER_DEG,
        })
    };
    scale(a).hausdorff_distance(&scale(b))
}

/// Serves the API over `backend` on a free loopback port; returns its base URL.
pub async fn serve_http(backend: std::sync::Arc<covidmap_live::LiveData>) -> String {
    serve_http_with(backend, |_| covidmap_server::Settings::default()).await
}

/// [`serve_http`] with the settings `settings` makes for the address served on.
pub async fn serve_http_with(
    backend: std::sync::Arc<covidmap_live::LiveData>,
    settings: impl FnOnce(std::net::SocketAddr) -> covidmap_server::Settings,
) -> String {
    // Server errors (logged, not told to clients) show in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn,covidmap_server=info")
        .try_init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    let addr = listener.local_addr().expect("the port's address");
    let web_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web");
    let app = covidmap_server::app_with(
        backend,
        covidmap_server::Assets::with_default_fonts(web_dir),
        settings(addr),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// Polls `check` every 10 ms until it gives a value; returns how long that took and the
/// value. Gives up after 60 s: tests check that changes arrive, benches measure how fast (a
/// debug build applying hundreds of changes one commit at a time, beside the other tests on
/// two cores, has taken over 20 s).
pub async fn poll_until<T, F, Fut>(what: &str, mut check: F) -> (std::time::Duration, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(60) {
        if let Some(value) = check().await {
            return (started.elapsed(), value);
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("never saw {what}");
}

/// A decoded feature: its attributes as text, and its geometry.
pub struct Decoded {
    pub fields: std::collections::BTreeMap<String, String>,
    pub geometry: gdal::vector::Geometry,
}

/// Writes the tile and reads it back through GDAL, layer by layer, with the buffer.
#[must_use]
pub fn decode_tile(
    tile: covidmap_tiles::TileId,
    bytes: &[u8],
) -> std::collections::BTreeMap<String, Vec<Decoded>> {
    use gdal::vector::LayerAccess;
    use gdal::{Dataset, DatasetOptions};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tile.mvt");
    std::fs::write(&path, bytes).unwrap();
    let (x, y, z) = (
        format!("X={}", tile.x),
        format!("Y={}", tile.y),
        format!("Z={}", tile.z),
    );
    let options = [x.as_str(), y.as_str(), z.as_str(), "CLIP=NO"];
    let dataset = Dataset::open_ex(
        &path,
        DatasetOptions {
            allowed_drivers: Some(&["MVT"]),
            open_options: Some(&options),
            ..DatasetOptions::default()
        },
    )
    .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for mut layer in dataset.layers() {
        let names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
        let features = layer
            .features()
            .map(|f| Decoded {
                fields: names
                    .iter()
                    .enumerate()
                    .filter_map(|(i, n)| {
                        f.field_as_string(i).ok().flatten().map(|v| (n.clone(), v))
                    })
                    .collect(),
                geometry: f.geometry().unwrap().clone(),
            })
            .collect();
        out.insert(layer.name(), features);
    }
    out
}

/// Runs a QGIS client script of `tests/clients` with Debian's python3 (python3-qgis,
/// headless); the JSON object it prints last.
pub async fn qgis(script: &str, args: &[&str]) -> serde_json::Value {
    let script = root().join("tests/clients").join(script);
    // Qt wants a runtime directory of its own (mode 0700), and QGIS a profile it may write.
    let home = tempfile::tempdir().unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let out = tokio::process::Command::new("/usr/bin/python3")
        .arg(&script)
        .args(args)
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("XDG_RUNTIME_DIR", home.path())
        .env("HOME", home.path())
        .output()
        .await
        .expect("Debian's python3 with python3-qgis (make test installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "QGIS failed: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text.lines().rev().find(|l| l.starts_with('{')).unwrap();
    serde_json::from_str(line).unwrap()
}
