//! Side doors into other districts' and agencies' data, each tried over HTTP as an agency
//! would and each refused (403, naming the real reason) with nothing written; and the audit
//! entry of an upload written with the upload or not at all.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::agency::Role;
use covidmap_core::{AdminUnit, Level};
use covidmap_tests::api::{point_feature, zone_feature, Api};
use geo::{Distance, Haversine, InteriorPoint};
use serde_json::{json, Value};

/// A unit's outline as GeoJSON.
fn outline(unit: &AdminUnit) -> Value {
    serde_json::to_value(geojson::Geometry::new(geojson::Value::from(&unit.geometry))).unwrap()
}

/// Every version of every unit, every upload and every audit entry, as one hash.
async fn everything(api: &Api) -> String {
    let units = api.db.fingerprint().await;
    format!("{units:?} {}", api.state().await)
}

fn refused_naming(status: u16, answer: &Value, words: &str) {
    assert_eq!(status, 403, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains(words), "{message} should name {words}");
}

/// The units of `level` under `parent`.
fn children(api: &Api, level: Level, parent: &str) -> Vec<AdminUnit> {
    let snapshot = api.backend.snapshot();
    snapshot
        .units()
        .iter()
        .filter(|u| u.level == level && u.parent_code.as_deref() == Some(parent))
        .cloned()
        .collect()
}

fn district_name(api: &Api, code: &str) -> String {
    api.backend.snapshot().unit(code).unwrap().name.clone()
}

/// A boundary file of `units`, the first given `code` instead of its own.
fn file_recoding_first(units: &[AdminUnit], code: &str) -> Vec<u8> {
    let features: Vec<Value> = units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let code = if i == 0 { code } else { u.code.as_str() };
            json!({"type": "Feature", "geometry": outline(u), "properties": {"code": code, "name": u.name}})
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn an_upload_cannot_carry_another_districts_unit_into_ones_own() {
    let api = Api::start().await;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let own_commune = children(&api, Level::Commune, "412")[0].code.clone();
    let own_hamlets = children(&api, Level::Hamlet, &own_commune);
    let foreign_commune = children(&api, Level::Commune, "429")[0].clone();
    let foreign_hamlet = children(&api, Level::Hamlet, &foreign_commune.code)[0].clone();
    let nghi_loc = district_name(&api, "429");
    let before = everything(&api).await;

    // A hamlet of Nghi Lộc's, coded as it is, given one's own commune as parent (and an
    // outline inside it): before, the hamlet moved into Vinh.
    let file = file_recoding_first(&own_hamlets, &foreign_hamlet.code);
    let query = format!("level=hamlet&parent={own_commune}");
    let (status, answer) = api.upload(&query, &vinh, "xom.geojson", file).await;
    refused_naming(
        status,
        &answer,
        &format!("lies in {nghi_loc} (429), not in 412"),
    );
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains(&foreign_hamlet.code));

    // A new hamlet coded in Nghi Lộc's commune.
    let new_code = format!("{}-99", foreign_commune.code);
    let file = file_recoding_first(&own_hamlets, &new_code);
    let (status, answer) = api.upload(&query, &vinh, "xom.geojson", file).await;
    refused_naming(status, &answer, "not in 412");

    // The same at commune level: Nghi Lộc's commune coded in a file of Vinh's communes.
    let own_communes = children(&api, Level::Commune, "412");
    let file = file_recoding_first(&own_communes, &foreign_commune.code);
    let (status, answer) = api
        .upload("level=commune&parent=412", &vinh, "xa.geojson", file)
        .await;
    refused_naming(status, &answer, &format!("lies in {nghi_loc} (429)"));
    assert_eq!(
        everything(&api).await,
        before,
        "a refused upload wrote something"
    );
}

#[tokio::test]
async fn an_upload_cannot_draw_ones_own_commune_into_the_neighbours() {
    use geo::BooleanOps;
    let api = Api::start().await;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let snapshot = api.backend.snapshot();
    let district = snapshot.unit("412").unwrap();
    let centre = district.geometry.interior_point().unwrap();
    // A corner of the district's outline, and the commune just inside it.
    let (corner, commune) = district.geometry.0[0]
        .exterior()
        .points()
        .find_map(|corner| {
            let t = 20.0 / Haversine.distance(corner, centre);
            let inside = geo::Point::new(
                corner.x() + (centre.x() - corner.x()) * t,
                corner.y() + (centre.y() - corner.y()) * t,
            );
            let commune = snapshot.unit_at(Level::Commune, inside)?;
            Some((corner, commune.clone()))
        })
        .unwrap();
    // The commune with a square of about 110 m around that corner: a hectare or less, well
    // within what files from different offices may differ by, but some 80 m past the border.
    let h = 0.0005;
    let square = geo::MultiPolygon(vec![geo::Rect::new(
        geo::coord! { x: corner.x() - h, y: corner.y() - h },
        geo::coord! { x: corner.x() + h, y: corner.y() + h },
    )
    .to_polygon()]);
    let mut communes = children(&api, Level::Commune, "412");
    let grown = communes
        .iter_mut()
        .find(|c| c.code == commune.code)
        .unwrap();
    grown.geometry = grown.geometry.union(&square);
    let file = file_recoding_first(&communes, &communes[0].code.clone());
    let before = everything(&api).await;
    let (status, answer) = api
        .upload("level=commune&parent=412", &vinh, "xa.geojson", file)
        .await;
    refused_naming(
        status,
        &answer,
        &format!("commune {} reaches", commune.code),
    );
    assert_eq!(
        everything(&api).await,
        before,
        "a refused upload wrote something"
    );
}

#[tokio::test]
async fn a_zone_cannot_reach_into_another_district_however_large_it_is() {
    let api = Api::start().await;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let snapshot = api.backend.snapshot();
    let before = everything(&api).await;

    // All of Vinh's communes and one hamlet of the neighbour, by code.
    let mut codes: Vec<String> = children(&api, Level::Commune, "412")
        .into_iter()
        .map(|u| u.code)
        .collect();
    let neighbour_commune = children(&api, Level::Commune, "429")[0].code.clone();
    let neighbour_hamlet = children(&api, Level::Hamlet, &neighbour_commune)[0]
        .code
        .clone();
    codes.push(neighbour_hamlet.clone());
    let mut zone = zone_feature(Value::Null, "Phong toả toàn thành phố");
    zone["properties"]["unit_codes"] = json!(codes);
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&zone))
        .await;
    refused_naming(status, &answer, &neighbour_hamlet);
    refused_naming(status, &answer, &district_name(&api, "429"));

    // The whole district drawn, and a small square in the district farthest from it.
    let district = snapshot.unit("412").unwrap();
    let centre = district.geometry.interior_point().unwrap();
    let far = snapshot
        .units()
        .iter()
        .filter(|u| u.level == Level::District)
        .max_by(|a, b| {
            let d =
                |u: &AdminUnit| Haversine.distance(centre, u.geometry.interior_point().unwrap());
            d(a).total_cmp(&d(b))
        })
        .unwrap();
    let p = far.geometry.interior_point().unwrap();
    let mut parts = outline(district)["coordinates"].as_array().unwrap().clone();
    let h = 0.0005;
    parts.push(json!([[
        [p.x() - h, p.y() - h],
        [p.x() + h, p.y() - h],
        [p.x() + h, p.y() + h],
        [p.x() - h, p.y() + h],
        [p.x() - h, p.y() - h]
    ]]));
    let geometry = json!({"type": "MultiPolygon", "coordinates": parts});
    let zone = zone_feature(geometry, "Phong toả và một ô xa");
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&zone))
        .await;
    refused_naming(status, &answer, &format!("{} ({})", far.name, far.code));
    assert_eq!(
        everything(&api).await,
        before,
        "a refused zone wrote something"
    );
}

#[tokio::test]
async fn a_lockdown_point_is_checked_with_its_whole_circle() {
    let api = Api::start().await;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let snapshot = api.backend.snapshot();
    let district = snapshot.unit("412").unwrap();
    let centre = district.geometry.interior_point().unwrap();
    // About 130 m inside the border: from a corner of the outline, towards the middle.
    let near_border = district.geometry.0[0]
        .exterior()
        .points()
        .find_map(|corner| {
            let d = Haversine.distance(corner, centre);
            let t = 130.0 / d;
            let p = geo::Point::new(
                corner.x() + (centre.x() - corner.x()) * t,
                corner.y() + (centre.y() - corner.y()) * t,
            );
            (snapshot
                .unit_at(Level::District, p)
                .map(|u| u.code.as_str())
                == Some("412"))
            .then_some(p)
        })
        .unwrap();
    let before = everything(&api).await;
    let point = |radius: f64| {
        point_feature(
            near_border,
            json!({"name": "Chung cư", "level": 4, "reason": "ca mắc", "radius_m": radius,
                   "started_at": "2021-09-13T08:00:00+07:00"}),
        )
    };
    let (status, answer) = api
        .send(
            "POST",
            "/api/v1/lockdown-points",
            Some(&vinh),
            Some(&point(5_000.0)),
        )
        .await;
    refused_naming(status, &answer, "past its border");
    assert_eq!(
        everything(&api).await,
        before,
        "a refused point wrote something"
    );
    // The same centre with a radius that stays at home is taken.
    let (status, answer) = api
        .send(
            "POST",
            "/api/v1/lockdown-points",
            Some(&vinh),
            Some(&point(20.0)),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
}

/// A version of an entity, by SQL.
async fn a_version(api: &Api, sql: &str) -> (String, i64) {
    sqlx::query_as(sql)
        .fetch_one(api.db.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_revert_is_checked_as_the_write_it_makes() {
    let api = Api::start().await;
    let health = api.token("ttyt-412", Role::Editor).await;
    let police = api.token("cong-an", Role::Editor).await;
    let figures = "SELECT coalesce(md5(string_agg(to_jsonb(x)::text, ',' ORDER BY version_id)), '') FROM daily_figures x";
    let fingerprint = || async {
        let f: String = sqlx::query_scalar(figures)
            .fetch_one(api.db.store.pool())
            .await
            .unwrap();
        (f, everything(&api).await)
    };
    let before = fingerprint().await;

    // Another district's figures: they have no geometry, and were reverted before.
    let (id, version) = a_version(
        &api,
        "SELECT f.id, f.version_id FROM daily_figures f JOIN admin_units_current c ON c.code = f.commune_code \
         WHERE c.parent_code <> '412' AND f.valid_to IS NULL ORDER BY f.id LIMIT 1",
    )
    .await;
    let body = json!({"entity": "figures", "id": id, "version_id": version});
    let (status, answer) = api
        .send("POST", "/api/v1/revert", Some(&health), Some(&body))
        .await;
    refused_naming(status, &answer, "not in 412");

    // A checkpoint the military manage, by the police.
    let (id, version) = a_version(
        &api,
        "SELECT id, version_id FROM checkpoints WHERE managed_by = 'military' AND valid_to IS NULL ORDER BY id LIMIT 1",
    )
    .await;
    let body = json!({"entity": "checkpoints", "id": id, "version_id": version});
    let (status, answer) = api
        .send("POST", "/api/v1/revert", Some(&police), Some(&body))
        .await;
    refused_naming(status, &answer, "managed by military");
    assert_eq!(
        fingerprint().await,
        before,
        "a refused revert wrote something"
    );

    // URL names and table names both name what is reverted and whose history is read.
    let office = api.token("ubnd-tinh", Role::Editor).await;
    for entity in ["checkpoints", "lockdown_zones", "zones"] {
        let (status, answer) = api
            .send(
                "GET",
                &format!("/api/v1/history?entity={entity}&id={id}"),
                Some(&office),
                None,
            )
            .await;
        assert_eq!(status, 200, "{entity}: {answer}");
    }
    let (status, answer) = api
        .send("POST", "/api/v1/revert", Some(&office), Some(&body))
        .await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn an_upload_whose_audit_entry_fails_leaves_nothing() {
    let api = Api::start().await;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let commune = children(&api, Level::Commune, "412")[0].code.clone();
    let hamlets = children(&api, Level::Hamlet, &commune);
    let query = format!("level=hamlet&parent={commune}");
    let renamed = |name: &str| {
        let mut units = hamlets.clone();
        units[0].name = name.to_owned();
        file_recoding_first(&units, &units[0].code.clone())
    };
    // The audit log refuses uploads' entries (and only those).
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_upload_audit() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN IF NEW.action IN ('upload', 'revert_upload') THEN RAISE EXCEPTION 'audit refused'; END IF;
         RETURN NEW; END $$;
         CREATE TRIGGER refuse_upload_audit BEFORE INSERT ON audit_log
         FOR EACH ROW EXECUTE FUNCTION refuse_upload_audit();",
    )
    .execute(api.db.store.pool())
    .await
    .unwrap();
    let before = everything(&api).await;
    let (status, answer) = api
        .upload(&query, &vinh, "xom.geojson", renamed("Khối Kiểm Toán"))
        .await;
    assert!(status >= 500, "{status} {answer}");
    assert_eq!(
        everything(&api).await,
        before,
        "an upload without its audit entry was kept"
    );

    // An upload made while the log takes it, then undone while it does not.
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER refuse_upload_audit")
        .execute(api.db.store.pool())
        .await
        .unwrap();
    let (status, done) = api
        .upload(&query, &vinh, "xom.geojson", renamed("Khối Kiểm Toán"))
        .await;
    assert_eq!(status, 201, "{done}");
    let upload_id = done["report"]["applied"]["upload_id"].as_i64().unwrap();
    sqlx::query("ALTER TABLE audit_log ENABLE TRIGGER refuse_upload_audit")
        .execute(api.db.store.pool())
        .await
        .unwrap();
    let before = everything(&api).await;
    let (status, answer) = api
        .send(
            "POST",
            &format!("/api/v1/uploads/{upload_id}/revert"),
            Some(&vinh),
            None,
        )
        .await;
    assert!(status >= 500, "{status} {answer}");
    assert_eq!(
        everything(&api).await,
        before,
        "a revert without its audit entry was kept"
    );
}
