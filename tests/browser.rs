//! The pages in real headless Chromium (Debian's `chromium`), driven by playwright-core from
//! `web/tests/`: the real `covidmap serve` binary over a fresh database, which it loads with
//! the sample data as `make run` does. Screenshots of each step are kept under
//! `target/browser-artefacts/`.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_tests::binary::{serve_binary, Served};
use covidmap_tests::{root, TestDb};
use serde_json::Value;
use std::process::Command;

/// Starts the binary over the database with the sample, as `make run` does.
async fn serve(db: &TestDb) -> Served {
    serve_binary(db, &["--sample"]).await
}

/// Runs a script of `web/tests/` and returns the JSON it printed.
fn browse(script: &str, args: &[&str]) -> Value {
    let artefacts = root().join("target/browser-artefacts");
    let output = Command::new("node")
        .arg(root().join("web/tests").join(script))
        .args(args)
        .arg("--artefacts")
        .arg(&artefacts)
        .output()
        .expect("node (make test installs it with the front-end packages)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{script} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{script} printed {stdout}: {e}"))
}

async fn point_of(db: &TestDb, sql: &str) -> [f64; 2] {
    let (x, y): (f64, f64) = sqlx::query_as(sql)
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    [x, y]
}

#[tokio::test]
async fn the_public_map_draws_every_kind_of_feature_with_our_style_and_tiles() {
    let db = TestDb::new().await;
    let served = serve(&db).await;
    // The sample went in as the demo's, each of its uploads with its audit entry.
    assert!(db.store.is_sample().await.unwrap());
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log a JOIN uploads u ON a.entity_id = u.id::text \
         WHERE a.entity_type = 'boundaries' AND u.uploaded_by = 'sample data'",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(audited, 4, "one audit entry per sample upload");
    let zone = point_of(
        &db,
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM lockdown_zones \
         WHERE valid_to IS NULL AND status = 'active' ORDER BY level DESC, id LIMIT 1) z",
    )
    .await;
    let checkpoint = point_of(
        &db,
        "SELECT ST_X(geom), ST_Y(geom) FROM checkpoints WHERE valid_to IS NULL ORDER BY id LIMIT 1",
    )
    .await;
    let views = serde_json::json!([
        { "name": "province", "center": [104.95, 19.25], "zoom": 7.5 },
        { "name": "zone", "center": zone, "zoom": 13 },
        { "name": "checkpoint", "center": checkpoint, "zoom": 14 },
    ]);
    let result = browse(
        "map_renders.mjs",
        &[&served.base, "--views", &views.to_string()],
    );
    println!("{:#}", result["views"]);
    assert_eq!(result["problems"], serde_json::json!([]), "{result:#}");
    let statuses = result["tile_statuses"].as_array().unwrap();
    assert!(!statuses.is_empty(), "the map asked for no tiles");
    assert!(
        statuses.iter().all(|s| s == 200 || s == 204),
        "{statuses:?}"
    );
    let drawn = |view: &str, layer: &str| result["views"][view][layer].as_u64().unwrap_or(0);
    for layer in [
        "districts-fill",
        "districts-line",
        "commune-levels",
        "district-labels",
    ] {
        assert!(
            drawn("province", layer) > 0,
            "province view lacks {layer}: {result:#}"
        );
    }
    for layer in [
        "lockdown-zones-fill",
        "lockdown-zones-outline",
        "hamlets-line",
        "communes-line",
    ] {
        assert!(
            drawn("zone", layer) > 0,
            "zone view lacks {layer}: {result:#}"
        );
    }
    assert!(drawn("checkpoint", "checkpoints") > 0, "{result:#}");
    // Each district's name is written once, not once per tile it crosses.
    let names: Vec<&str> = result["labels"]["province"]["district-labels"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let distinct: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert!(names.len() >= 10, "{names:?}");
    assert_eq!(names.len(), distinct.len(), "{names:?}");
}

#[tokio::test]
async fn a_resident_on_a_phone_finds_an_address_and_their_position_in_a_zone() {
    let db = TestDb::new().await;
    let served = serve(&db).await;
    // A point inside an active zone, away from the others' edges.
    let zone = point_of(
        &db,
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM lockdown_zones \
         WHERE valid_to IS NULL AND status = 'active' ORDER BY ST_Area(geom) DESC, id LIMIT 1) z",
    )
    .await;
    let zone = serde_json::json!(zone).to_string();
    let result = browse("public_page.mjs", &[&served.base, "--zone", &zone]);
    println!("{result:#}");
    assert_eq!(result["problems"], serde_json::json!([]), "{result:#}");
    let suggestions = result["suggestions"].as_array().unwrap();
    assert!(
        suggestions
            .iter()
            .any(|s| s.as_str().unwrap().starts_with("Xóm 1, Xã Nghi Phong")),
        "{suggestions:?}"
    );
    let card = result["address_card"].as_str().unwrap();
    assert!(
        card.contains("Xóm 1, Xã Nghi Phong, Thành phố Vinh"),
        "{card}"
    );
    let former = result["former_card"].as_str().unwrap();
    assert!(
        former.contains("Phường Quang Trung")
            && former.contains("Phường Lê Mao đã sáp nhập vào Phường Quang Trung")
            && former.contains("Nghị quyết 1243/NQ-UBTVQH15"),
        "{former}"
    );
    let unsure = result["unsure_card"].as_str().unwrap();
    assert!(unsure.contains("Địa chỉ chưa chắc chắn"), "{unsure}");
    let location = result["location_card"].as_str().unwrap();
    assert!(location.contains("ĐANG PHONG TOẢ"), "{location}");
    // Served over the generated sample: the page says so.
    assert!(
        result["sample_band"]
            .as_str()
            .is_some_and(|b| b.contains("Dữ liệu mẫu") && b.contains("Sample data — not real")),
        "{result:#}"
    );
    assert_eq!(result["title_en"], "COVID-19 map – Tỉnh Nghệ An");
    assert!(
        result["updated"].as_str().unwrap().contains("20"),
        "{result:#}"
    );
    assert!(result["district_rows"].as_u64().unwrap() > 20, "{result:#}");
    // Each district's figures due now: the overdue ones marked, as the API says.
    let freshness: Value = reqwest::get(format!("{}/api/v1/freshness", served.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let due_day = freshness["figures"][0]["day"].as_str().unwrap();
    assert_eq!(result["reported_header"], format!("Reported {due_day}"));
    let mut overdue: Vec<&str> = freshness["figures"]
        .as_array()
        .unwrap()
        .iter()
        // The table lists the districts (a two-tier province has none).
        .filter(|d| {
            d["overdue"] == true
                && result["district_codes"]
                    .as_array()
                    .unwrap()
                    .contains(&d["code"])
        })
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    overdue.sort_unstable();
    let mut marked: Vec<&str> = result["overdue_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    marked.sort_unstable();
    assert_eq!(marked, overdue, "{result:#}");
    // When each layer last changed, as the API says, in the reader's language.
    let layer_times: Vec<&str> = result["layer_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let expected: Vec<String> = freshness["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("{}: ", l["title_en"].as_str().unwrap()))
        .collect();
    assert_eq!(layer_times.len(), expected.len(), "{result:#}");
    for (shown, title) in layer_times.iter().zip(&expected) {
        assert!(shown.starts_with(title.as_str()), "{shown} / {title}");
    }
    let checkpoints = layer_times
        .iter()
        .find(|l| l.starts_with("Checkpoints: "))
        .unwrap();
    let year = chrono::Utc::now().format("%Y").to_string();
    assert!(checkpoints.contains(&year), "{checkpoints}");
    let bytes = result["first_load_bytes"].as_u64().unwrap();
    println!("first load, tiles excluded: {bytes} bytes");
    assert!(bytes > 0);
}

#[tokio::test]
async fn a_district_keeps_its_zones_and_uploads_its_hamlets_from_the_admin_page() {
    let db = TestDb::new().await;
    let served = serve(&db).await;
    let (_, token) = db
        .store
        .create_token(
            "ubnd-412",
            covidmap_core::agency::Role::Editor,
            "browser test",
        )
        .await
        .unwrap();
    // A hamlet of Vinh with no lockdown over it, and one of another district.
    let free_hamlet = |district: &str| {
        format!(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(h.geom) AS p, h.code FROM admin_units_current h \
             JOIN admin_units_current c ON c.code = h.parent_code \
             WHERE h.level = 'hamlet' AND c.parent_code = '{district}') h \
             WHERE NOT EXISTS (SELECT 1 FROM lockdown_zones z WHERE z.valid_to IS NULL AND ST_DWithin(z.geom, h.p, 0.01)) \
             ORDER BY h.code LIMIT 1"
        )
    };
    let inside = point_of(&db, &free_hamlet("412")).await;
    let elsewhere = point_of(&db, &free_hamlet("429")).await;
    // Two more, of the district's last commune, to pick on the map.
    let picks: Vec<(f64, f64, String)> = sqlx::query_as(
        "SELECT ST_X(p), ST_Y(p), code FROM (SELECT ST_PointOnSurface(geom) AS p, code, parent_code FROM admin_units_current          WHERE level = 'hamlet') h          WHERE parent_code = (SELECT max(code) FROM admin_units_current WHERE level = 'commune' AND parent_code = '412')            AND NOT EXISTS (SELECT 1 FROM lockdown_zones z WHERE z.valid_to IS NULL AND ST_DWithin(z.geom, h.p, 0.003))          ORDER BY code LIMIT 2",
    )
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    assert_eq!(picks.len(), 2, "the sample has two free hamlets to pick");
    let hamlets: Vec<[f64; 2]> = picks.iter().map(|(x, y, _)| [*x, *y]).collect();
    // The hamlets of one Vinh commune, the first renamed: a file a committee would upload.
    let (parent, file): (String, String) = sqlx::query_as(
        "WITH c AS (SELECT min(code) AS code FROM admin_units_current WHERE level = 'commune' AND parent_code = '412'),
              h AS (SELECT * FROM admin_units_current WHERE parent_code = (SELECT code FROM c))
         SELECT (SELECT code FROM c), json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
             'type', 'Feature', 'geometry', ST_AsGeoJSON(geom)::json,
             'properties', json_build_object('code', code,
                 'name', CASE WHEN code = (SELECT min(code) FROM h) THEN 'Khối Đổi Tên' ELSE name END))))::text FROM h",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("khoi.geojson");
    std::fs::write(&path, file).unwrap();
    let result = browse(
        "admin_page.mjs",
        &[
            &served.base,
            "--token",
            &token,
            "--inside",
            &serde_json::json!(inside).to_string(),
            "--elsewhere",
            &serde_json::json!(elsewhere).to_string(),
            "--hamlets",
            &serde_json::json!(hamlets).to_string(),
            "--file",
            path.to_str().unwrap(),
            "--parent",
            &parent,
        ],
    );
    println!("{result:#}");
    assert_eq!(result["problems"], serde_json::json!([]), "{result:#}");
    let text = |key: &str| result[key].as_str().unwrap_or_default().to_owned();
    assert!(
        text("wrong_token").contains("unknown or has been revoked"),
        "{result:#}"
    );
    assert!(text("sample_band").contains("Dữ liệu mẫu"), "{result:#}");
    assert_eq!(text("who"), "UBND thành phố Vinh (editor)");
    assert_eq!(
        result["signin_visible"], false,
        "the sign-in form stays after signing in"
    );
    assert_eq!(
        result["sections"],
        serde_json::json!({"lockdown_zones": true, "lockdown_points": true, "epidemic_levels": false,
                           "boundaries": true, "facilities": false, "daily_figures": false})
    );
    assert!(
        text("saved").starts_with("Đã lưu vùng phong toả"),
        "{result:#}"
    );
    // The drawn zone, edited, lifted and restored: four versions, the last one the first's
    // outline, active again.
    assert_eq!(
        text("edit_name"),
        text("selected_zone")
            .split(" – ")
            .next()
            .unwrap_or_default()
    );
    assert_eq!(result["corner_found"], 1, "{result:#}");
    for (key, start) in [
        ("edited", "Đã lưu vùng phong toả"),
        ("lifted", "Đã dỡ phong toả"),
        ("restored", "Đã khôi phục phiên bản"),
    ] {
        assert!(text(key).starts_with(start), "{key}: {result:#}");
    }
    let (versions, status, first_outline, grew): (i64, String, bool, bool) = sqlx::query_as(
        "WITH v AS (SELECT *, row_number() OVER (ORDER BY version_id) AS n FROM lockdown_zones                     WHERE id = (SELECT id FROM lockdown_zones WHERE name LIKE 'Phong toả thử%' LIMIT 1))          SELECT (SELECT count(*) FROM v), (SELECT status FROM v WHERE valid_to IS NULL),                 (SELECT ST_Equals(a.geom, b.geom) FROM v a, v b WHERE a.valid_to IS NULL AND b.n = 1),                 (SELECT ST_Area(b.geom) > ST_Area(a.geom) * 1.2 FROM v a, v b WHERE a.n = 1 AND b.n = 2)",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(
        (versions, status.as_str(), first_outline, grew),
        (4, "active", true, true),
        "{result:#}"
    );
    let history: Vec<&str> = result["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(history.len(), 3, "{history:?}");
    for (entry, action) in history.iter().zip(["create", "update", "lift"]) {
        assert!(
            entry.contains(&format!("– {action} – ubnd-412")),
            "{history:?}"
        );
    }
    // The zone of picked hamlets is made of exactly those.
    for (_, _, code) in &picks {
        assert!(text("picked").contains(code.as_str()), "{result:#}");
    }
    assert!(
        text("picked_saved").starts_with("Đã lưu vùng phong toả"),
        "{result:#}"
    );
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(unit_codes) AS c FROM lockdown_zones WHERE valid_to IS NULL AND name LIKE 'Phong toả các xóm%' ORDER BY c",
    )
    .fetch_all(db.store.pool())
    .await
    .unwrap();
    let mut expected: Vec<String> = picks.into_iter().map(|(_, _, code)| code).collect();
    expected.sort();
    assert_eq!(codes, expected, "{result:#}");
    // The lockdown point placed by clicking, then lifted: two versions, the last lifted.
    assert!(
        text("point_saved").starts_with("Đã lưu điểm phong toả"),
        "{result:#}"
    );
    assert_eq!(
        result["point_buttons"],
        serde_json::json!({"edit-zone": false, "lift": true, "move": false, "show-history": true})
    );
    assert!(
        text("point_lifted").starts_with("Đã dỡ phong toả"),
        "{result:#}"
    );
    let (versions, status, radius, off_m): (i64, String, f32, f64) = sqlx::query_as(
        "SELECT count(*) OVER (), status, radius_m, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) \
         FROM lockdown_points WHERE name LIKE 'Điểm phong toả thử%' ORDER BY version_id DESC LIMIT 1",
    )
    .bind(hamlets[1][0])
    .bind(hamlets[1][1])
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!((versions, status.as_str(), radius), (2, "lifted", 150.0));
    assert!(off_m < 5.0, "placed {off_m} m from the click");
    assert!(text("elsewhere").starts_with("403"), "{result:#}");
    assert!(text("elsewhere").contains("Huyện Nghi Lộc"), "{result:#}");
    assert!(text("diff").contains("Thay đổi: 1"), "{result:#}");
    let drawn: Vec<&str> = result["preview_drawn"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        drawn.contains(&"changed Khối Đổi Tên"),
        "the preview draws the file's outline: {result:#}"
    );
    assert!(
        text("committed").starts_with("Đã cập nhật ranh giới"),
        "{result:#}"
    );
    assert!(
        text("undone").starts_with("Đã hoàn tác lần tải"),
        "{result:#}"
    );
    let renamed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM admin_units_current WHERE name = 'Khối Đổi Tên'")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
    assert_eq!(renamed, 0, "the undone upload's name is gone");
    println!(
        "zone drawn → on the public map: {} s",
        result["public_map_seconds"]
    );
}

#[tokio::test]
async fn agencies_keep_their_layers_by_clicking_on_the_admin_page() {
    let db = TestDb::new().await;
    let served = serve(&db).await;
    let (_, token) = db
        .store
        .create_token(
            "cong-an",
            covidmap_core::agency::Role::Editor,
            "browser test",
        )
        .await
        .unwrap();
    let (id, x, y): (String, f64, f64) = sqlx::query_as(
        "SELECT c.id, ST_X(c.geom), ST_Y(c.geom) FROM checkpoints c, admin_units_current p \
         WHERE c.valid_to IS NULL AND c.managed_by = 'police' AND p.level = 'province' \
           AND NOT ST_DWithin(c.geom, ST_Boundary(p.geom), 0.02) ORDER BY c.id LIMIT 1",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    let (_, viewer) = db
        .store
        .create_token("cdc", covidmap_core::agency::Role::Viewer, "browser test")
        .await
        .unwrap();
    let at = serde_json::json!([x, y]).to_string();
    let result = browse(
        "admin_move.mjs",
        &[
            &served.base,
            "--token",
            &token,
            "--viewer",
            &viewer,
            "--at",
            &at,
        ],
    );
    println!("{result:#}");
    assert_eq!(result["problems"], serde_json::json!([]), "{result:#}");
    assert!(
        result["selected"].as_str().unwrap().contains(&id),
        "{result:#}"
    );
    let (versions, moved_m): (i64, f64) = sqlx::query_as(
        "SELECT count(*), max(ST_Distance(c.geom::geography, ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography)) \
         FILTER (WHERE c.valid_to IS NULL) FROM checkpoints c WHERE id = $1",
    )
    .bind(&id)
    .bind(x)
    .bind(y)
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(versions, 2, "a move is a new version");
    assert!(moved_m > 10.0, "moved {moved_m} m");
    let buttons = |edit: bool, lift: bool, move_: bool| serde_json::json!({"edit-zone": edit, "lift": lift, "move": move_, "show-history": true});
    assert_eq!(result["police_buttons"], buttons(false, false, true));
    // A viewer sees the checkpoint where it went, and its history, with nothing to change.
    assert_eq!(result["viewer_sections"], 0, "{result:#}");
    assert!(
        result["viewer_selected"].as_str().unwrap().contains(&id),
        "{result:#}"
    );
    assert_eq!(result["viewer_buttons"], buttons(false, false, false));
    let history = result["viewer_history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.as_str().unwrap().contains("– update – cong-an")),
        "{result:#}"
    );
    assert_eq!(result["viewer_restore_buttons"], 0, "{result:#}");

    // Vinh's health centre: a day's figures for one of its communes, and a testing site.
    let (_, token) = db
        .store
        .create_token(
            "ttyt-412",
            covidmap_core::agency::Role::Editor,
            "browser test",
        )
        .await
        .unwrap();
    let (commune, x, y): (String, f64, f64) = sqlx::query_as(
        "SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM admin_units_current          WHERE level = 'commune' AND parent_code = '412' ORDER BY code DESC LIMIT 1",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    let at = serde_json::json!([x, y]).to_string();
    let result = browse(
        "admin_figures.mjs",
        &[
            &served.base,
            "--token",
            &token,
            "--commune",
            &commune,
            "--at",
            &at,
        ],
    );
    println!("{result:#}");
    assert_eq!(result["problems"], serde_json::json!([]), "{result:#}");
    // Its own duties, and nobody else's.
    let duties = result["duties"].as_array().unwrap();
    let mut kept: Vec<(&str, &str)> = duties
        .iter()
        .map(|d| (d[0].as_str().unwrap(), d[1].as_str().unwrap()))
        .collect();
    kept.sort_unstable();
    assert_eq!(
        kept,
        [("ttyt-412", "figures"), ("ttyt-412", "testing-sites")],
        "{result:#}"
    );
    assert_eq!(
        result["sections"],
        serde_json::json!({"lockdown_zones": false, "lockdown_points": false, "epidemic_levels": false,
                           "boundaries": false, "facilities": true, "daily_figures": true})
    );
    let communes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM admin_units_current WHERE level = 'commune' AND parent_code = '412'",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(
        result["communes"], communes,
        "the district's communes to choose from"
    );
    let text = |key: &str| result[key].as_str().unwrap_or_default().to_owned();
    assert_eq!(text("saved"), "Đã lưu số liệu ngày 2021-09-14.");
    assert!(text("future").starts_with("422"), "{result:#}");
    assert!(
        text("future").contains("• day: 2031-01-01 is in the future"),
        "{result:#}"
    );
    let figures: (i32, i32, i32, i32, i32) = sqlx::query_as(
        "SELECT new_cases, active, recovered, deaths, in_quarantine FROM daily_figures          WHERE valid_to IS NULL AND commune_code = $1 AND day = '2021-09-14'",
    )
    .bind(&commune)
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(figures, (7, 120, 30, 1, 250));
    assert!(
        text("placed").starts_with("Đã thêm Điểm xét nghiệm"),
        "{result:#}"
    );
    let placed_m: f64 = sqlx::query_scalar(
        "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography)          FROM testing_sites WHERE valid_to IS NULL AND name = 'Điểm xét nghiệm thử'",
    )
    .bind(x)
    .bind(y)
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert!(placed_m < 5.0, "placed {placed_m} m from the click");

    // The CDC sets the same commune's epidemic level with a click on it.
    let (_, token) = db
        .store
        .create_token("cdc", covidmap_core::agency::Role::Editor, "browser test")
        .await
        .unwrap();
    let result = browse(
        "admin_level.mjs",
        &[&served.base, "--token", &token, "--at", &at],
    );
    println!("{result:#}");
    assert_eq!(result["problems"], serde_json::json!([]), "{result:#}");
    assert_eq!(result["sections"]["epidemic_levels"], true, "{result:#}");
    assert!(
        result["set"].as_str().unwrap().contains(&commune),
        "{result:#}"
    );
    let level: (i16, i32, String) = sqlx::query_as(
        "SELECT level, active_cases, changed_by FROM commune_levels WHERE valid_to IS NULL AND id = $1",
    )
    .bind(&commune)
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(
        level,
        (
            3,
            17,
            "Trung tâm Kiểm soát bệnh tật (CDC) Nghệ An".to_owned()
        )
    );
}
