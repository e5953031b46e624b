//! The agencies' write API over real HTTP against PostGIS: tokens, roles, districts, field
//! checks, and every write reaching status answers and tiles through the change feed.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::agency::Role;
use covidmap_core::Level;
use covidmap_tests::api::{actions, hamlets_file, point_feature, square, zone_feature, Api};
use covidmap_tests::poll_until;
use serde_json::{json, Value};

#[tokio::test]
async fn writes_need_a_valid_token_and_a_refused_one_changes_nothing() {
    let api = Api::start().await;
    let (_, p) = api.hamlet_in("412");
    let body = zone_feature(square(p, 0.001), "x");
    let before = api.state().await;
    let (status, answer) = api.send("POST", "/api/v1/zones", None, Some(&body)).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["error"]["code"], "unauthorized");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Authorization: Bearer"));
    let (status, _) = api
        .send("POST", "/api/v1/zones", Some("cm_not-a-token"), Some(&body))
        .await;
    assert_eq!(status, 401);
    let token = api.token("ubnd-412", Role::Editor).await;
    let revoked = api.db.store.tokens(Some("ubnd-412")).await.unwrap()[0].id;
    api.db.store.revoke_token(revoked).await.unwrap();
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&token), Some(&body))
        .await;
    assert_eq!(status, 401, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
    let raw = reqwest::Client::new()
        .post(format!("{}/api/v1/zones", api.base))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 401);
    assert_eq!(raw.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        api.state().await,
        before,
        "a refused request wrote something"
    );
}

#[tokio::test]
async fn roles_layers_and_districts_are_enforced_and_named() {
    let api = Api::start().await;
    let (_, in_vinh) = api.hamlet_in("412");
    let (foreign, other_district) = api.foreign_zone("412");
    let (_, elsewhere_point) = api.hamlet_in(&other_district);
    let other_name = api
        .backend
        .snapshot()
        .unit(&other_district)
        .unwrap()
        .name
        .clone();
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let viewer = api.token("ubnd-412", Role::Viewer).await;
    let police = api.token("cong-an", Role::Editor).await;
    let before = api.state().await;

    let zone = zone_feature(square(in_vinh, 0.001), "Phong toả");
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&viewer), Some(&zone))
        .await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("viewer"));

    let checkpoint = point_feature(in_vinh, json!({"name": "Chốt", "status": "active"}));
    let (status, answer) = api
        .send(
            "POST",
            "/api/v1/checkpoints",
            Some(&vinh),
            Some(&checkpoint),
        )
        .await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(
        answer["error"]["message"],
        "UBND thành phố Vinh (district_committee) may not write checkpoints: it is kept by police, military and the provincial office"
    );

    let elsewhere = zone_feature(square(elsewhere_point, 0.001), "Phong toả");
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&elsewhere))
        .await;
    assert_eq!(status, 403, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("{other_name} ({other_district})")),
        "{message}"
    );

    let (status, _) = api
        .send("POST", "/api/v1/zones", Some(&police), Some(&zone))
        .await;
    assert_eq!(status, 403);

    // A zone of another district cannot be changed or lifted by Vinh.
    let (status, answer) = api
        .send(
            "POST",
            &format!("/api/v1/zones/{foreign}/lift"),
            Some(&vinh),
            None,
        )
        .await;
    assert_eq!(status, 403, "{answer}");
    let (status, _) = api
        .send(
            "PUT",
            &format!("/api/v1/zones/{foreign}"),
            Some(&vinh),
            Some(&zone),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        api.state().await,
        before,
        "a refused request wrote something"
    );
}

#[tokio::test]
async fn bad_bodies_are_refused_field_by_field_and_change_nothing() {
    let api = Api::start().await;
    let (_, p) = api.hamlet_in("412");
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let military = api.token("quan-su", Role::Editor).await;
    let before = api.state().await;
    let fields = |answer: &Value| -> Vec<String> {
        answer["error"]["fields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| f["field"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };

    // A bow tie is not a valid polygon.
    let (x, y) = (p.x(), p.y());
    let bow_tie = json!({"type": "Polygon", "coordinates": [[[x, y], [x + 0.002, y + 0.002], [x + 0.002, y], [x, y + 0.002], [x, y]]]});
    let (status, answer) = api
        .send(
            "POST",
            "/api/v1/zones",
            Some(&vinh),
            Some(&zone_feature(bow_tie, "x")),
        )
        .await;
    assert_eq!(
        (status, fields(&answer)),
        (422, vec!["geometry".to_owned()]),
        "{answer}"
    );

    let mut backwards = zone_feature(square(p, 0.001), "x");
    backwards["properties"]["planned_end"] = json!("2021-09-01T00:00:00+07:00");
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&backwards))
        .await;
    assert_eq!(
        (status, fields(&answer)),
        (422, vec!["properties.planned_end".to_owned()])
    );

    let mut by_codes = zone_feature(Value::Null, "x");
    by_codes["properties"]["unit_codes"] = json!(["99999-99"]);
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&by_codes))
        .await;
    assert_eq!(
        (status, fields(&answer)),
        (422, vec!["properties.unit_codes[0]".to_owned()])
    );

    let far = zone_feature(square(geo::Point::new(106.8, 10.8), 0.001), "Sài Gòn");
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&far))
        .await;
    assert_eq!(
        (status, fields(&answer)),
        (422, vec!["geometry".to_owned()]),
        "{answer}"
    );

    let camp = |capacity: i64, occupancy: i64| {
        point_feature(
            p,
            json!({"name": "Khu cách ly", "status": "open", "capacity": capacity, "occupancy": occupancy}),
        )
    };
    let (status, answer) = api
        .send(
            "POST",
            "/api/v1/quarantine-camps",
            Some(&military),
            Some(&camp(100, 150)),
        )
        .await;
    assert_eq!(
        (status, fields(&answer)),
        (422, vec!["properties.occupancy".to_owned()])
    );
    let (status, answer) = api
        .send(
            "POST",
            "/api/v1/quarantine-camps",
            Some(&military),
            Some(&camp(-5, 0)),
        )
        .await;
    assert_eq!(
        (status, fields(&answer)),
        (422, vec!["properties.capacity".to_owned()])
    );

    let raw = |body: Vec<u8>| {
        reqwest::Client::new()
            .post(format!("{}/api/v1/zones", api.base))
            .bearer_auth(&vinh)
            .header("content-type", "application/json")
            .body(body)
    };
    let not_json = raw(b"{\"type\": \"Feature\",".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status().as_u16(), 400);
    let answer: Value = not_json.json().await.unwrap();
    assert_eq!(answer["error"]["field"], "body");
    let huge = raw(vec![b' '; 3 << 20]).send().await.unwrap();
    assert_eq!(huge.status().as_u16(), 413);
    let answer: Value = huge.json().await.unwrap();
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("larger than"));

    assert_eq!(
        api.state().await,
        before,
        "a refused request wrote something"
    );
}

#[tokio::test]
async fn a_declared_zone_reaches_answers_and_tiles_and_can_be_lifted_and_reverted() {
    let api = Api::start().await;
    let (hamlet, p) = api.hamlet_in("412");
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let name = "Phong toả <b>khối 3</b>'); DROP TABLE lockdown_zones;--";
    let mut body = zone_feature(Value::Null, name);
    body["properties"]["unit_codes"] = json!([hamlet]);
    let (status, answer) = api
        .send("POST", "/api/v1/zones", Some(&vinh), Some(&body))
        .await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    assert_eq!(answer["after"]["name"], name, "text is stored as sent");
    assert_eq!(answer["after"]["declared_by"], "UBND thành phố Vinh");
    let first_version = answer["version_id"].as_i64().unwrap();

    let covered = |want: bool| {
        let api = &api;
        let id = &id;
        move || async move {
            let s = api.status_at(p).await;
            let ids: Vec<&str> = s["lockdown"]["covered_by"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap())
                .collect();
            (ids.contains(&id.as_str()) == want).then(|| s["lockdown"]["covered_by"].clone())
        }
    };
    let (took, covers) = poll_until("the declared zone", covered(true)).await;
    println!("declared zone in status answers after {took:?}");
    assert!(covers.to_string().contains("DROP TABLE"), "{covers}");

    // The tile over the point carries the zone with its name.
    let n = f64::from(1_u32 << 14);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (x, y) = (
        ((p.x() + 180.0) / 360.0 * n) as u32,
        ((1.0 - p.y().to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n) as u32,
    );
    let tile = reqwest::get(format!("{}/tiles/14/{x}/{y}.mvt", api.base))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        tile.windows(id.len()).any(|w| w == id.as_bytes()),
        "zone not in the tile"
    );

    let mut renamed = zone_feature(square(p, 0.0005), "Phong toả khối 3, thu hẹp");
    renamed["properties"]["level"] = json!(3);
    let (status, answer) = api
        .send(
            "PUT",
            &format!("/api/v1/zones/{id}"),
            Some(&vinh),
            Some(&renamed),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["before"]["name"], name);

    let (status, answer) = api
        .send(
            "POST",
            &format!("/api/v1/zones/{id}/lift"),
            Some(&vinh),
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (took, _) = poll_until("the lifted zone", covered(false)).await;
    println!("lifted zone gone from status answers after {took:?}");
    let (status, _) = api
        .send(
            "POST",
            &format!("/api/v1/zones/{id}/lift"),
            Some(&vinh),
            None,
        )
        .await;
    assert_eq!(status, 409, "lifting twice");

    let revert = json!({"entity": "lockdown_zones", "id": id, "version_id": first_version});
    let (status, answer) = api
        .send("POST", "/api/v1/revert", Some(&vinh), Some(&revert))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["after"]["name"], name);
    poll_until("the reverted zone", covered(true)).await;

    let (status, history) = api
        .send(
            "GET",
            &format!("/api/v1/history?entity=lockdown_zones&id={id}"),
            Some(&vinh),
            None,
        )
        .await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(actions(&history), ["create", "update", "lift", "revert"]);
    assert!(history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["org_id"] == "ubnd-412"));
    let (status, _) = api
        .send(
            "GET",
            &format!("/api/v1/history?entity=lockdown_zones&id={id}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 401, "history needs a token");
}

#[tokio::test]
async fn each_agency_keeps_its_layer_and_answers_follow_within_a_second() {
    let api = Api::start().await;
    let (_, p) = api.hamlet_in("412");
    let near = geo::Point::new(p.x() + 0.0002, p.y());
    let commune = api
        .backend
        .snapshot()
        .locate(p)
        .commune
        .map(|c| c.code.clone())
        .unwrap();
    let mut timings = Vec::new();

    // Police: a checkpoint right next to the point becomes the nearest.
    let police = api.token("cong-an", Role::Editor).await;
    let body = point_feature(
        near,
        json!({"name": "Chốt kiểm soát thử", "status": "active"}),
    );
    let (status, answer) = api
        .send("POST", "/api/v1/checkpoints", Some(&police), Some(&body))
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["after"]["managed_by"], "police");
    let id = answer["id"].as_str().unwrap().to_owned();
    let (took, ()) = poll_until("the checkpoint", || async {
        (api.status_at(p).await["nearest"]["checkpoint"]["id"] == id.as_str()).then_some(())
    })
    .await;
    timings.push(("checkpoint", took));

    // A checkpoint the military manage is not the police's to change.
    let military_checkpoint = api.facility_managed_by("military");
    let moved = point_feature(
        military_checkpoint.1,
        json!({"name": "Chốt", "status": "active"}),
    );
    let (status, answer) = api
        .send(
            "PUT",
            &format!("/api/v1/checkpoints/{}", military_checkpoint.0),
            Some(&police),
            Some(&moved),
        )
        .await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("managed by military"));

    // CDC: a testing site, and the commune's epidemic level.
    let cdc = api.token("cdc", Role::Editor).await;
    let body = point_feature(
        near,
        json!({"name": "Điểm xét nghiệm thử", "status": "open"}),
    );
    let (status, answer) = api
        .send("POST", "/api/v1/testing-sites", Some(&cdc), Some(&body))
        .await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    let (took, ()) = poll_until("the testing site", || async {
        (api.status_at(p).await["nearest"]["testing_site"]["id"] == id.as_str()).then_some(())
    })
    .await;
    timings.push(("testing site", took));
    let (status, answer) = api
        .send(
            "PUT",
            &format!("/api/v1/communes/{commune}/level"),
            Some(&cdc),
            Some(&json!({"level": 4, "active_cases": 321})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (took, ()) = poll_until("the epidemic level", || async {
        (api.status_at(p).await["epidemic_level"]["active_cases"] == 321).then_some(())
    })
    .await;
    timings.push(("epidemic level", took));

    // Military: a camp, then its occupancy.
    let military = api.token("quan-su", Role::Editor).await;
    let body = point_feature(
        near,
        json!({"name": "Khu cách ly thử", "status": "open", "capacity": 200, "occupancy": 10}),
    );
    let (status, answer) = api
        .send(
            "POST",
            "/api/v1/quarantine-camps",
            Some(&military),
            Some(&body),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["after"]["managed_by"], "military");
    let id = answer["id"].as_str().unwrap().to_owned();
    let mut fuller = body.clone();
    fuller["properties"]["occupancy"] = json!(150);
    let (status, _) = api
        .send(
            "PUT",
            &format!("/api/v1/quarantine-camps/{id}"),
            Some(&military),
            Some(&fuller),
        )
        .await;
    assert_eq!(status, 200);
    let (took, ()) = poll_until("the camp's occupancy", || async {
        let s = api.status_at(p).await;
        (s["nearest"]["quarantine_camp"]["id"] == id.as_str()
            && s["nearest"]["quarantine_camp"]["occupancy"] == 150)
            .then_some(())
    })
    .await;
    timings.push(("quarantine camp", took));

    // Trade: an essential service, in the tiles' layers.
    let trade = api.token("so-cong-thuong", Role::Editor).await;
    let body = point_feature(
        near,
        json!({"name": "Chợ thử", "status": "open", "category": "market"}),
    );
    let (status, answer) = api
        .send(
            "POST",
            "/api/v1/essential-services",
            Some(&trade),
            Some(&body),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    let (took, ()) = poll_until("the service", || async {
        api.backend
            .snapshot()
            .layers()
            .facilities
            .iter()
            .any(|f| f.id == id)
            .then_some(())
    })
    .await;
    timings.push(("essential service", took));

    // The district: a lockdown point over the place.
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let body = point_feature(
        p,
        json!({"name": "Điểm phong toả thử", "level": 3, "reason": "F0",
                                        "started_at": "2021-09-13T08:00:00+07:00", "radius_m": 50}),
    );
    let (status, answer) = api
        .send("POST", "/api/v1/lockdown-points", Some(&vinh), Some(&body))
        .await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    let (took, ()) = poll_until("the lockdown point", || async {
        let s = api.status_at(p).await;
        s["lockdown"]["covered_by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str())
            .then_some(())
    })
    .await;
    timings.push(("lockdown point", took));

    // Tests check that every write arrives; how fast is measured by the commit → visible
    // bench (benches/README.md).
    println!("write → visible in answers: {timings:?}");

    // And in the tiles: every new feature, the commune's level with its cases.
    let tiles = api.tile_features(near, 14).await.unwrap();
    let has = |layer: &str, key: &str, value: &str| {
        tiles.get(layer).is_some_and(|fs| {
            fs.iter()
                .any(|f| f.fields.get(key).map(String::as_str) == Some(value))
        })
    };
    for (layer, name) in [
        ("checkpoints", "Chốt kiểm soát thử"),
        ("testing_sites", "Điểm xét nghiệm thử"),
        ("quarantine_camps", "Khu cách ly thử"),
        ("essential_services", "Chợ thử"),
        ("lockdown_points", "Điểm phong toả thử"),
    ] {
        assert!(has(layer, "name", name), "{layer} lacks {name}");
    }
    assert!(has("quarantine_camps", "occupancy", "150"));
    assert!(
        tiles["commune_levels"]
            .iter()
            .any(|f| f.fields["code"] == commune && f.fields["active_cases"] == "321"),
        "the commune's new level is not in the tile"
    );
}

#[tokio::test]
async fn health_centres_report_figures_for_their_district_and_everyone_reads_the_sums() {
    let api = Api::start().await;
    let snapshot = api.backend.snapshot();
    let communes: Vec<&covidmap_core::AdminUnit> = snapshot
        .units()
        .iter()
        .filter(|u| u.level == Level::Commune && u.parent_code.as_deref() == Some("412"))
        .take(2)
        .collect();
    let elsewhere = snapshot
        .units()
        .iter()
        .find(|u| u.level == Level::Commune && u.parent_code.as_deref() != Some("412"))
        .unwrap();
    let health = api.token("ttyt-412", Role::Editor).await;
    let labour = api.token("so-lao-dong", Role::Editor).await;
    let police = api.token("cong-an", Role::Editor).await;
    let day = "2021-09-14";
    let counts =
        json!({"new_cases": 7, "active": 40, "recovered": 2, "deaths": 0, "in_quarantine": 120});
    let before = api.state().await;

    let refused = [
        (
            format!("/api/v1/figures/{}/{day}", elsewhere.code),
            &health,
            counts.clone(),
            403,
        ),
        (
            format!("/api/v1/figures/{}/{day}", communes[0].code),
            &police,
            counts.clone(),
            403,
        ),
        (
            format!("/api/v1/figures/{}/2999-01-01", communes[0].code),
            &health,
            counts.clone(),
            422,
        ),
        (
            format!("/api/v1/figures/{}/{day}", communes[0].code),
            &health,
            json!({"new_cases": -1, "active": 0, "recovered": 0, "deaths": 0, "in_quarantine": 0}),
            422,
        ),
        (
            format!("/api/v1/figures/99999/{day}"),
            &health,
            counts.clone(),
            404,
        ),
        (
            format!("/api/v1/returning-workers/{}/{day}", communes[0].code),
            &health,
            json!({"arrived": 3}),
            403,
        ),
    ];
    for (path, token, body, expected) in &refused {
        let (status, answer) = api.send("PUT", path, Some(token), Some(body)).await;
        assert_eq!(status, *expected, "{path}: {answer}");
    }
    let (_, answer) = api
        .send(
            "PUT",
            &format!("/api/v1/figures/{}/2999-01-01", communes[0].code),
            Some(&health),
            Some(&counts),
        )
        .await;
    assert_eq!(answer["error"]["fields"][0]["field"], "day");
    assert_eq!(
        api.state().await,
        before,
        "a refused request wrote something"
    );

    for commune in &communes {
        let (status, answer) = api
            .send(
                "PUT",
                &format!("/api/v1/figures/{}/{day}", commune.code),
                Some(&health),
                Some(&counts),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
    }
    // A correction is a new version.
    let mut corrected = counts.clone();
    corrected["new_cases"] = json!(8);
    let (status, answer) = api
        .send(
            "PUT",
            &format!("/api/v1/figures/{}/{day}", communes[0].code),
            Some(&health),
            Some(&corrected),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["before"]["new_cases"], 7);
    let (status, _) = api
        .send(
            "PUT",
            &format!("/api/v1/returning-workers/{}/{day}", communes[1].code),
            Some(&labour),
            Some(&json!({"arrived": 25})),
        )
        .await;
    assert_eq!(status, 200);

    let (status, series) = api
        .send(
            "GET",
            &format!("/api/v1/figures?unit=412&from={day}&to={day}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{series}");
    let d = &series["days"][0];
    assert_eq!(
        (d["new_cases"].as_i64(), d["active"].as_i64()),
        (Some(15), Some(80)),
        "{series}"
    );
    assert_eq!(d["returning_workers"], 25);
    assert_eq!(series["totals"]["new_cases"], 15);
    let (_, commune_series) = api
        .send(
            "GET",
            &format!(
                "/api/v1/figures?unit={}&from={day}&to={day}",
                communes[0].code
            ),
            None,
            None,
        )
        .await;
    assert_eq!(commune_series["days"][0]["new_cases"], 8);
    let (status, by_district) = api
        .send(
            "GET",
            &format!("/api/v1/figures/districts?day={day}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let vinh = by_district["districts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "412")
        .unwrap();
    assert_eq!(vinh["totals"]["new_cases"], 15);
    assert_eq!(
        by_district["province"]["new_cases"], 15,
        "only Vinh reported that day"
    );

    // The sample's two weeks are there for the province.
    let (_, province) = api
        .send(
            "GET",
            "/api/v1/figures?from=2021-09-01&to=2021-09-13",
            None,
            None,
        )
        .await;
    assert_eq!(province["unit"]["level"], "province", "{province}");
    assert_eq!(province["days"].as_array().unwrap().len(), 13, "{province}");
    let (status, answer) = api
        .send("GET", "/api/v1/figures?unit=nowhere", None, None)
        .await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("unit"))
    );
}

#[tokio::test]
async fn a_district_uploads_its_hamlets_dry_run_first_then_exactly_that_change() {
    let api = Api::start().await;
    let snapshot = api.backend.snapshot();
    let commune_of = |district: &str| {
        snapshot
            .units()
            .iter()
            .find(|u| u.level == Level::Commune && u.parent_code.as_deref() == Some(district))
            .unwrap()
            .code
            .clone()
    };
    let vinh_commune = commune_of("412");
    let other = snapshot
        .units()
        .iter()
        .find(|u| u.level == Level::District && u.code != "412" && u.code != "413")
        .unwrap()
        .code
        .clone();
    let other_commune = commune_of(&other);
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let health = api.token("ttyt-412", Role::Editor).await;
    let fingerprint = api.db.fingerprint().await;
    let file = hamlets_file(&api, &vinh_commune, "Khối Đổi Tên");
    let query = format!("level=hamlet&parent={vinh_commune}");

    let (status, preview) = api
        .upload(
            &format!("{query}&dry_run=true"),
            &vinh,
            "khoi.geojson",
            file.clone(),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    let changed = &preview["report"]["applied"]["diff"]["changed"];
    assert_eq!(changed.as_array().unwrap().len(), 1, "{preview}");
    // The file's outline of the changed hamlet, to draw before committing.
    let outlines = preview["report"]["preview"]["features"].as_array().unwrap();
    assert_eq!(outlines.len(), 1, "{preview}");
    assert_eq!(outlines[0]["properties"]["change"], "changed");
    assert_eq!(outlines[0]["properties"]["code"], changed[0]["code"]);
    assert_eq!(outlines[0]["properties"]["name"], "Khối Đổi Tên");
    assert_eq!(outlines[0]["geometry"]["type"], "MultiPolygon");
    assert_eq!(
        api.db.fingerprint().await,
        fingerprint,
        "a dry run wrote something"
    );
    let digest = preview["report"]["diff_digest"]
        .as_str()
        .unwrap()
        .to_owned();

    // Refusals first, each leaving the database as it was.
    let refusals = [
        (
            api.upload(&query, &health, "khoi.geojson", file.clone())
                .await,
            403,
        ),
        (
            api.upload(
                &format!("level=hamlet&parent={other_commune}"),
                &vinh,
                "khac.geojson",
                hamlets_file(&api, &other_commune, "X"),
            )
            .await,
            403,
        ),
        (
            api.upload(&query, &vinh, "khoi.exe", file.clone()).await,
            422,
        ),
        (
            api.upload(
                &query,
                &vinh,
                "khoi.geojson",
                b"{\"type\": \"Feature".to_vec(),
            )
            .await,
            422,
        ),
        (
            api.upload(
                &format!("{query}&expect_diff=0000"),
                &vinh,
                "khoi.geojson",
                file.clone(),
            )
            .await,
            409,
        ),
        (
            api.upload("level=province", &vinh, "khoi.geojson", file.clone())
                .await,
            400,
        ),
        (
            api.upload(&query, &vinh, "big.geojson", vec![b' '; 51 << 20])
                .await,
            413,
        ),
    ];
    for (i, ((status, answer), expected)) in refusals.iter().enumerate() {
        assert_eq!(status, expected, "refusal {i}: {answer}");
    }
    let outside = &refusals[1].0 .1["error"]["message"];
    assert!(
        outside.as_str().unwrap().contains("not in 412"),
        "{outside}"
    );
    assert_eq!(
        api.db.fingerprint().await,
        fingerprint,
        "a refused upload wrote something"
    );

    let (status, done) = api
        .upload(
            &format!("{query}&expect_diff={digest}"),
            &vinh,
            "khoi.geojson",
            file,
        )
        .await;
    assert_eq!(status, 201, "{done}");
    assert!(
        done["report"].get("preview").is_none(),
        "only a dry run carries outlines"
    );
    assert_eq!(
        done["report"]["applied"]["diff"],
        preview["report"]["applied"]["diff"]
    );
    let upload_id = done["report"]["applied"]["upload_id"].as_i64().unwrap();
    let audit: (String, String) = sqlx::query_as(
        "SELECT org_id, action FROM audit_log WHERE entity_type = 'boundaries' AND entity_id = $1",
    )
    .bind(upload_id.to_string())
    .fetch_one(api.db.store.pool())
    .await
    .unwrap();
    assert_eq!(audit, ("ubnd-412".to_owned(), "upload".to_owned()));
    let (took, ()) = poll_until("the renamed hamlet", || async {
        api.backend
            .snapshot()
            .units()
            .iter()
            .any(|u| u.name == "Khối Đổi Tên")
            .then_some(())
    })
    .await;
    println!("renamed hamlet in the snapshot after {took:?}");

    // The whole upload undone in one call, by the district, not by another.
    let other_committee = api.token(&format!("ubnd-{other}"), Role::Editor).await;
    let revert = format!("/api/v1/uploads/{upload_id}/revert");
    let (status, answer) = api
        .send("POST", &revert, Some(&other_committee), None)
        .await;
    assert_eq!(status, 403, "{answer}");
    let (status, answer) = api.send("POST", &revert, Some(&vinh), None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["restored"].as_array().unwrap().len(), 1, "{answer}");
    poll_until("the old hamlet name", || async {
        (!api
            .backend
            .snapshot()
            .units()
            .iter()
            .any(|u| u.name == "Khối Đổi Tên"))
        .then_some(())
    })
    .await;
    let (status, _) = api.send("POST", &revert, Some(&vinh), None).await;
    assert_eq!(status, 409, "reverting twice");
    let (status, _) = api
        .send("POST", "/api/v1/uploads/999999/revert", Some(&vinh), None)
        .await;
    assert_eq!(status, 404);
    let (_, history) = api
        .send(
            "GET",
            "/api/v1/history?entity=boundaries&id=1",
            Some(&vinh),
            None,
        )
        .await;
    assert!(history["entries"].is_array(), "{history}");
}

#[tokio::test]
async fn two_uploads_for_one_district_at_once_end_consistent() {
    let api = Api::start().await;
    let commune = api
        .backend
        .snapshot()
        .units()
        .iter()
        .find(|u| u.level == Level::Commune && u.parent_code.as_deref() == Some("412"))
        .unwrap()
        .code
        .clone();
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let query = format!("level=hamlet&parent={commune}");
    let (a, b) = (
        hamlets_file(&api, &commune, "Khối Thử A"),
        hamlets_file(&api, &commune, "Khối Thử B"),
    );
    let ((sa, ra), (sb, rb)) = tokio::join!(
        api.upload(&query, &vinh, "a.geojson", a),
        api.upload(&query, &vinh, "b.geojson", b)
    );
    assert!(
        [sa, sb].iter().all(|s| *s == 201 || *s == 409),
        "{ra}\n{rb}"
    );
    assert!(sa == 201 || sb == 201);
    // Exactly one current version of each hamlet, and the last upload's name on it.
    let (current, names): (i64, Vec<String>) = sqlx::query_as(
        "SELECT count(*), array_agg(DISTINCT name) FILTER (WHERE name LIKE 'Khối Thử _') FROM admin_units_current WHERE parent_code = $1",
    )
    .bind(&commune)
    .fetch_one(api.db.store.pool())
    .await
    .unwrap();
    let hamlets = api
        .backend
        .snapshot()
        .units()
        .iter()
        .filter(|u| u.parent_code.as_deref() == Some(commune.as_str()))
        .count();
    assert_eq!(current, i64::try_from(hamlets).unwrap());
    assert_eq!(names.len(), 1, "{names:?}");
}

#[tokio::test]
async fn the_office_publishes_directives_and_labour_support_policies_with_their_pdf() {
    let api = Api::start().await;
    let office = api.token("ubnd-tinh", Role::Editor).await;
    let labour = api.token("so-lao-dong", Role::Editor).await;
    let directive = json!({"kind": "directive", "number": "15/CT-UBND", "title": "Về việc giãn cách xã hội <script>",
        "issued_on": "2021-09-10", "issuer": "UBND tỉnh Nghệ An", "summary": "Giãn cách theo Chỉ thị 16 tại TP Vinh",
        "link": "https://nghean.gov.vn/chi-thi-15"});
    let before = api.state().await;
    let (status, answer) = api
        .send("POST", "/api/v1/documents", Some(&labour), Some(&directive))
        .await;
    assert_eq!(status, 403, "{answer}");
    let mut bad = directive.clone();
    bad["link"] = json!("javascript:alert(1)");
    let (status, answer) = api
        .send("POST", "/api/v1/documents", Some(&office), Some(&bad))
        .await;
    assert_eq!(
        (status, answer["error"]["fields"][0]["field"].as_str()),
        (422, Some("link"))
    );
    assert_eq!(api.state().await, before);

    let (status, answer) = api
        .send("POST", "/api/v1/documents", Some(&office), Some(&directive))
        .await;
    assert_eq!(status, 201, "{answer}");
    let id = answer["id"].as_str().unwrap().to_owned();
    let policy = json!({"kind": "support_policy", "number": "68/NQ-CP", "title": "Hỗ trợ người lao động",
        "issued_on": "2021-07-01", "issuer": "Chính phủ"});
    let (status, _) = api
        .send("POST", "/api/v1/documents", Some(&labour), Some(&policy))
        .await;
    assert_eq!(status, 201);

    let put_pdf = |token: String, bytes: Vec<u8>| {
        let url = format!("{}/api/v1/documents/{id}/pdf", api.base);
        async move {
            let r = reqwest::Client::new()
                .put(url)
                .bearer_auth(token)
                .header("content-type", "application/pdf")
                .header("x-file-name", "ct15.pdf")
                .body(bytes)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    };
    assert_eq!(
        put_pdf(office.clone(), b"<html>not a pdf</html>".to_vec()).await,
        422
    );
    assert_eq!(
        put_pdf(labour.clone(), b"%PDF-1.4\n%%EOF\n".to_vec()).await,
        403
    );
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    assert_eq!(put_pdf(office.clone(), pdf.clone()).await, 200);
    let fetched = reqwest::get(format!("{}/api/v1/documents/{id}/pdf", api.base))
        .await
        .unwrap();
    assert_eq!(fetched.headers()["content-type"], "application/pdf");
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), pdf);

    let (status, list) = api.send("GET", "/api/v1/documents", None, None).await;
    assert_eq!(status, 200);
    let numbers: Vec<&str> = list["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["15/CT-UBND", "68/NQ-CP"], "newest first");
    assert_eq!(list["documents"][0]["has_pdf"], true);
    assert_eq!(
        list["documents"][0]["title"], "Về việc giãn cách xã hội <script>",
        "text as sent"
    );
    let (_, policies) = api
        .send("GET", "/api/v1/documents?kind=support_policy", None, None)
        .await;
    assert_eq!(policies["matched"], 1);

    // A correction keeps the PDF; the history shows every step; a revert brings the old title back.
    let mut corrected = directive.clone();
    corrected["title"] = json!("Về việc giãn cách xã hội");
    let (status, answer) = api
        .send(
            "PUT",
            &format!("/api/v1/documents/{id}"),
            Some(&office),
            Some(&corrected),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["after"]["pdf_bytes"].as_i64().unwrap() > 0,
        "the PDF stays: {answer}"
    );
    let (_, history) = api
        .send(
            "GET",
            &format!("/api/v1/history?entity=documents&id={id}"),
            Some(&office),
            None,
        )
        .await;
    let entries = history["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "attach_pdf", "update"]);
    let first = entries[0]["after"]["version_id"].as_i64().unwrap();
    let (status, answer) = api
        .send(
            "POST",
            "/api/v1/revert",
            Some(&office),
            Some(&json!({"entity": "documents", "id": id, "version_id": first})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["after"]["title"],
        "Về việc giãn cách xã hội <script>"
    );
}

#[tokio::test]
async fn testing_sites_import_from_csv_by_coordinates_or_address() {
    let api = Api::start().await;
    let (_, in_vinh) = api.hamlet_in("412");
    let (_, elsewhere) = api.hamlet_in(&api.foreign_zone("412").1);
    let cdc = api.token("cdc", Role::Editor).await;
    let health = api.token("ttyt-412", Role::Editor).await;
    let csv = format!(
        "name,status,lon,lat,address\n\
         Điểm xét nghiệm A,open,{},{},\n\
         Điểm xét nghiệm B,open,,,\"xom 1, nghi phong, tp vinh\"\n\
         Điểm xét nghiệm C,open,,,\"xóm 99, phường Không Có, Hà Nội\"\n",
        in_vinh.x(),
        in_vinh.y()
    );
    let before = api.state().await;
    let (status, preview) = api
        .import("/api/v1/testing-sites/import?dry_run=true", &cdc, &csv)
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["rows"].as_array().unwrap().len(), 2, "{preview}");
    assert!(
        preview["rows"][1]["placed_in"]
            .as_str()
            .unwrap()
            .contains("Nghi Phong"),
        "{preview}"
    );
    assert_eq!(preview["unresolved"][0]["line"], 4);

    let bad = "name,status,lon,lat\nA,maybe,105.6,18.7\n";
    let (status, answer) = api.import("/api/v1/testing-sites/import", &cdc, bad).await;
    assert_eq!(status, 422);
    assert_eq!(answer["error"]["fields"][0]["field"], "line 2, status");
    let outside = format!(
        "name,status,lon,lat\nA,open,{},{}\n",
        elsewhere.x(),
        elsewhere.y()
    );
    let (status, answer) = api
        .import("/api/v1/testing-sites/import", &health, &outside)
        .await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 2"));
    assert_eq!(
        api.state().await,
        before,
        "dry runs and refusals wrote something"
    );

    let (status, done) = api.import("/api/v1/testing-sites/import", &cdc, &csv).await;
    assert_eq!(status, 201, "{done}");
    let ids: Vec<String> = done["imported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    poll_until("the imported sites", || async {
        let snapshot = api.backend.snapshot();
        ids.iter()
            .all(|id| snapshot.layers().facilities.iter().any(|f| &f.id == id))
            .then_some(())
    })
    .await;
}
