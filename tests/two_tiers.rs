//! The sample province moved to two tiers, as Nghệ An was on 1 July 2025 (Resolution
//! 1678/NQ-UBTVQH15: 412 communes into 130, the districts abolished), through the API as the
//! provincial office would: the new communes uploaded directly under the province, then the
//! changes. The new communes are the unions of the sample communes each merges (the real
//! mapping, `data/real/nghe_an_unit_changes_2025.csv`; the sample's outlines are generated).
//! Afterwards three-tier and two-tier addresses both resolve, a lockdown declared on a commune
//! merged away is shown on the commune it now lies in, no district layer is served, and the
//! structure of any earlier moment is still there to read.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::agency::Role;
use covidmap_core::{AdminUnit, Level};
use covidmap_tests::api::{commune_code, Api};
use covidmap_tests::poll_until;
use geo::InteriorPoint;
use serde_json::{json, Value};

const OFFICE: &str = "ubnd-tinh";

fn communes_file(communes: &[AdminUnit]) -> Vec<u8> {
    let features: Vec<Value> = communes
        .iter()
        .map(|u| {
            json!({
                "type": "Feature",
                "geometry": geojson::Geometry::new(geojson::Value::from(&u.geometry)),
                "properties": {"code": u.code, "name": u.name},
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
        .to_string()
        .into_bytes()
}

fn confidence(answer: &Value) -> f64 {
    answer["confidence"].as_f64().unwrap()
}

async fn units(api: &Api, query: &str) -> Vec<Value> {
    let (status, body) = api
        .send("GET", &format!("/api/v1/units?{query}"), None, None)
        .await;
    assert_eq!(status, 200, "{query}: {body}");
    body["features"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_sample_moves_to_two_tiers_and_old_and_new_addresses_both_resolve() {
    let api = Api::start().await;
    let before = api.backend.snapshot();
    let changes = covidmap_benches::province_unit_changes_2025();
    let new_communes = covidmap_demo::two_tier_communes(before.units(), &changes);
    assert_eq!(new_communes.len(), 130);
    let file = communes_file(&new_communes);
    let office = api.token(OFFICE, Role::Editor).await;
    let district = api.token("ubnd-424", Role::Editor).await;
    let three_tiers = api.state().await;
    let fingerprint = api.db.fingerprint().await;
    let query = "level=commune&parent=40&two_tier=true";
    // A moment of the three-tier structure, for reading it back later.
    let then: String = sqlx::query_scalar(
        "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
    )
    .fetch_one(api.db.store.pool())
    .await
    .unwrap();

    // Without saying it is the move, a province as the parent is refused, naming it.
    let (status, unsaid) = api
        .upload(
            "level=commune&parent=40",
            &office,
            "communes_2025.geojson",
            file.clone(),
        )
        .await;
    assert_eq!(status, 400, "{unsaid}");
    assert_eq!(unsaid["error"]["field"], "parent", "{unsaid}");
    assert!(unsaid.to_string().contains("two_tier"), "{unsaid}");

    // A district committee may not restructure the province.
    let (status, refused) = api
        .upload(query, &district, "communes_2025.geojson", file.clone())
        .await;
    assert_eq!(status, 403, "{refused}");

    // A file that leaves out part of the province: refused, naming a commune that would
    // have gone off the map.
    let without_anh_son: Vec<AdminUnit> = new_communes
        .iter()
        .filter(|u| u.code != "17329")
        .cloned()
        .collect();
    let (status, partial) = api
        .upload(
            query,
            &office,
            "communes_2025.geojson",
            communes_file(&without_anh_son),
        )
        .await;
    assert_eq!(status, 422, "{partial}");
    let said = partial.to_string();
    assert!(
        said.contains("of district 424 is removed, but 100.0% of it"),
        "{said}"
    );
    assert_eq!(api.db.fingerprint().await, fingerprint, "a refusal wrote");

    // The dry run says what the move does, and writes nothing.
    let (status, preview) = api
        .upload(
            &format!("{query}&dry_run=true"),
            &office,
            "communes_2025.geojson",
            file.clone(),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    let plan = &preview["report"]["plan"];
    assert_eq!(plan["closing"].as_array().unwrap().len(), 21, "{plan}");
    assert!(plan["moved_below"].as_u64().unwrap() > 3000, "{plan}");
    assert_eq!(
        plan["diff"]["removed"].as_array().unwrap().len(),
        412 - 130,
        "{plan}"
    );
    assert_eq!(api.db.fingerprint().await, fingerprint, "a dry run wrote");
    assert_eq!(api.state().await, three_tiers);

    let (status, done) = api
        .upload(query, &office, "communes_2025.geojson", file)
        .await;
    assert_eq!(status, 201, "{}", done["report"]["plan"]["notes"]);
    let csv = std::fs::read_to_string(covidmap_tests::data("real/nghe_an_unit_changes_2025.csv"))
        .unwrap();
    let (status, loaded) = api.import("/api/v1/unit-changes", &office, &csv).await;
    assert_eq!(status, 200, "{loaded}");
    assert_eq!(loaded["added"], 432, "{loaded}");
    poll_until(
        "the snapshot has two tiers and the 2025 changes",
        || async {
            let s = api.backend.snapshot();
            (!s.units().iter().any(|u| u.level == Level::District) && s.unit_changes().len() > 500)
                .then_some(())
        },
    )
    .await;
    let after = api.backend.snapshot();

    // The structure now, and as it was.
    assert!(units(&api, "level=district").await.is_empty());
    let communes = units(&api, "level=commune").await;
    assert_eq!(communes.len(), 130);
    assert!(communes
        .iter()
        .all(|c| c["properties"]["parent_code"] == "40"));
    let at = format!("at={then}");
    assert_eq!(units(&api, &format!("level=district&{at}")).await.len(), 21);
    assert_eq!(units(&api, &format!("level=commune&{at}")).await.len(), 412);
    // Every hamlet followed to the commune it lies in.
    let codes: std::collections::HashSet<&str> =
        new_communes.iter().map(|u| u.code.as_str()).collect();
    let hamlets: Vec<&AdminUnit> = after
        .units()
        .iter()
        .filter(|u| u.level == Level::Hamlet)
        .collect();
    assert_eq!(hamlets.len(), 5936);
    assert!(hamlets
        .iter()
        .all(|h| codes.contains(h.parent_code.as_deref().unwrap())));

    // Addresses of both structures.
    let old = api.address("Xã Đức Sơn, Huyện Anh Sơn, tỉnh Nghệ An").await;
    assert_eq!(commune_code(&old), "17329", "{old}");
    assert!(confidence(&old) >= 0.6, "{old}");
    let said: Vec<&str> = old["former_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["explanation"].as_str().unwrap())
        .collect();
    assert!(
        said.iter()
            .any(|s| s
                .starts_with("Xã Đức Sơn — merged into Xã Anh Sơn by Resolution 1678/NQ-UBTVQH15")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|s| s.starts_with("Huyện Anh Sơn — abolished by")
                && s.ends_with("its communes are directly under Tỉnh Nghệ An")),
        "{said:?}"
    );
    assert!(old["units"].get("district").is_none(), "{old}");
    for text in [
        "Xã Anh Sơn, tỉnh Nghệ An",
        "xa anh son nghe an",
        "Xã Anh Sơn, huyện Anh Sơn",
        "Thị trấn Kim Nhan, Anh Sơn",
    ] {
        let answer = api.address(text).await;
        assert_eq!(commune_code(&answer), "17329", "{text}: {answer}");
        assert!(confidence(&answer) >= 0.6, "{text}: {answer}");
    }
    // Two generations back: Lê Mao went into Quang Trung in 2024, Quang Trung into Thành Vinh.
    let le_mao = api.address("Phường Lê Mao, TP Vinh").await;
    assert_eq!(commune_code(&le_mao), "16681", "{le_mao}");
    assert_eq!(le_mao["units"]["commune"]["name"], "Phường Thành Vinh");
    assert!(
        le_mao["former_names"][0]["explanation"]
            .as_str()
            .unwrap()
            .ends_with("; now Phường Thành Vinh"),
        "{le_mao}"
    );
    // A commune under a district it never lay in is a guess, not an answer.
    let contradictory = api.address("Xã Anh Sơn, Huyện Diễn Châu").await;
    assert!(confidence(&contradictory) < 0.6, "{contradictory}");

    // A lockdown declared on a commune merged away, shown on the commune it lies in now.
    let zone = before
        .layers()
        .zones
        .iter()
        .find(|z| {
            z.declaration.active
                && z.unit_codes.len() == 1
                && before
                    .unit(&z.unit_codes[0])
                    .is_some_and(|u| u.level == Level::Commune)
                && after.unit(&z.unit_codes[0]).is_none()
        })
        .expect("a sample zone on a commune merged away");
    let inside = zone.area.interior_point().unwrap();
    let status = api.status_at(inside).await;
    let now = after.unit_at(Level::Commune, inside).unwrap();
    assert_eq!(
        status["units"]["commune"]["code"],
        now.code.as_str(),
        "{status}"
    );
    assert!(status["inside_province"].as_bool().unwrap(), "{status}");
    assert!(status["units"].get("district").is_none(), "{status}");
    assert_eq!(status["lockdown"]["in_lockdown"], true, "{status}");
    let covers: Vec<&str> = status["lockdown"]["covered_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(covers.contains(&zone.id.as_str()), "{covers:?}");
    // The commune's own answer says it is partly locked down.
    let by_name = api.address(&now.name).await;
    assert_eq!(commune_code(&by_name), now.code, "{by_name}");
    assert!(
        by_name["lockdown"]["partial"].as_bool().unwrap(),
        "{by_name}"
    );

    // No district layer where there are no districts; communes drawn under the province.
    let (_, tilejson) = api.send("GET", "/tiles.json", None, None).await;
    let layers: Vec<&str> = tilejson["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert!(
        !layers.contains(&"districts") && !layers.contains(&"district_labels"),
        "{layers:?}"
    );
    assert!(layers.contains(&"communes"), "{layers:?}");
    let tile = api.tile_features(inside, 10).await.unwrap();
    assert!(!tile.contains_key("districts"), "{:?}", tile.keys());
    let drawn = &tile["communes"];
    assert!(drawn
        .iter()
        .any(|f| f.fields.get("code").map(String::as_str) == Some(now.code.as_str())));
    assert!(drawn
        .iter()
        .all(|f| f.fields.get("parent_code").map(String::as_str) == Some("40")));

    // Search finds the new commune, and no district.
    let (status, found) = api
        .send("GET", "/api/v1/search?q=Anh%20S%C6%A1n", None, None)
        .await;
    assert_eq!(status, 200, "{found}");
    let results = found["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["code"] == "17329"), "{found}");
    assert!(results.iter().all(|r| r["level"] != "district"), "{found}");

    // The move undone in one call: the three tiers back, hamlets under their communes again.
    let upload_id = done["report"]["applied"]["upload_id"].as_i64().unwrap();
    let (status, undone) = api
        .send(
            "POST",
            &format!("/api/v1/uploads/{upload_id}/revert"),
            Some(&office),
            None,
        )
        .await;
    assert_eq!(status, 200, "{undone}");
    poll_until("the three tiers back", || async {
        let s = api.backend.snapshot();
        (s.units()
            .iter()
            .filter(|u| u.level == Level::District)
            .count()
            == 21)
            .then_some(())
    })
    .await;
    assert_eq!(units(&api, "level=commune").await.len(), 412);
    let back = api.backend.snapshot();
    assert!(before.units().iter().all(|u| back
        .unit(&u.code)
        .is_some_and(|b| b.parent_code == u.parent_code && b.name == u.name)));
}
