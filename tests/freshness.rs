//! Who is late (`GET /api/v1/freshness`, `covidmap duties`): the figures due now per district,
//! each organisation's standing with its duties, seen by whom, and duties set from the
//! command line, bad ones refused.

#![allow(clippy::unwrap_used)] // a failed step fails the test

use covidmap_core::agency::Role;
use covidmap_core::duties::day_due;
use covidmap_core::Level;
use covidmap_tests::api::{point_feature, Api};
use covidmap_tests::binary::run;
use serde_json::{json, Value};

fn standings<'a>(answer: &'a Value, org: &str, collection: &str) -> Vec<&'a Value> {
    answer["duties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["org_id"] == org && d["collection"] == collection)
        .collect()
}

#[tokio::test]
async fn who_is_late_is_shown_to_those_who_oversee_and_each_its_own() {
    let api = Api::start().await;
    let settings = covidmap_server::Settings::default();
    let five = chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap();
    let centre = api.token("ttyt-412", Role::Editor).await;
    let communes: Vec<String> = api
        .backend
        .snapshot()
        .units()
        .iter()
        .filter(|u| u.level == Level::Commune && u.parent_code.as_deref() == Some("412"))
        .map(|u| u.code.clone())
        .collect();
    assert!(communes.len() > 1);

    // Vinh's health centre sends every commune's figures for the day due now (again, if
    // the clock passed 17:00 in Vinh meanwhile).
    let figures =
        json!({"new_cases": 1, "active": 2, "recovered": 0, "deaths": 0, "in_quarantine": 3});
    let mut answer = Value::Null;
    let before = chrono::Utc::now();
    for _ in 0..2 {
        let (day, _) = day_due(five, chrono::Utc::now(), settings.utc_offset);
        for code in &communes {
            let (status, body) = api
                .send(
                    "PUT",
                    &format!("/api/v1/figures/{code}/{day}"),
                    Some(&centre),
                    Some(&figures),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, body) = api
            .send("GET", "/api/v1/freshness", Some(&centre), None)
            .await;
        assert_eq!(status, 200, "{body}");
        answer = body;
        if answer["figures"][0]["day"] == day.to_string() {
            break;
        }
    }
    // Its own duties only, the daily one done.
    let orgs: Vec<&str> = answer["duties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["org_id"].as_str().unwrap())
        .collect();
    assert!(
        !orgs.is_empty() && orgs.iter().all(|o| *o == "ttyt-412"),
        "{answer}"
    );
    let daily = standings(&answer, "ttyt-412", "figures");
    assert_eq!(daily.len(), 1, "{answer}");
    assert_eq!(daily[0]["state"], "on_time", "{answer}");
    assert_eq!(daily[0]["every"], "daily@17:00");
    let n = communes.len();
    assert_eq!(
        daily[0]["detail"].as_str().unwrap(),
        format!(
            "{n} of {n} communes have figures for {}",
            answer["figures"][0]["day"].as_str().unwrap()
        )
    );
    assert!(daily[0]["last_changed"].is_string(), "{answer}");
    // Every district's reporting, overdue exactly when communes are missing.
    let districts = answer["figures"].as_array().unwrap();
    let vinh = districts.iter().find(|d| d["code"] == "412").unwrap();
    assert_eq!(vinh["reported"], vinh["communes"]);
    assert_eq!(vinh["overdue"], false);
    for d in districts {
        assert_eq!(
            d["overdue"].as_bool().unwrap(),
            d["reported"].as_u64() < d["communes"].as_u64(),
            "{d}"
        );
    }
    // The layers' last changes: the figures just now.
    let layer = |answer: &Value, c: &str| {
        answer["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["collection"] == c)
            .cloned()
            .unwrap()
    };
    let figures_changed: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(layer(&answer, "figures")["last_changed"].clone()).unwrap();
    assert!(figures_changed >= before, "{answer}");

    // The public sees layers and districts, no organisation's duties.
    let (status, public) = api.send("GET", "/api/v1/freshness", None, None).await;
    assert_eq!(status, 200, "{public}");
    assert_eq!(public["duties"], json!([]));
    assert_eq!(public["figures"], answer["figures"]);

    // The provincial office sees everyone's: the military, which has never touched a
    // checkpoint, is late a week after the duty was set.
    sqlx::query("UPDATE duties SET set_at = now() - interval '8 days' WHERE org_kind = 'military'")
        .execute(api.db.store.pool())
        .await
        .unwrap();
    let office = api.token("ubnd-tinh", Role::Viewer).await;
    let (status, all) = api
        .send("GET", "/api/v1/freshness", Some(&office), None)
        .await;
    assert_eq!(status, 200, "{all}");
    let military = standings(&all, "quan-su", "checkpoints");
    assert_eq!(military.len(), 1, "{all}");
    assert_eq!(military[0]["state"], "late", "{all}");
    assert_eq!(military[0]["last_changed"], Value::Null);
    assert_eq!(all["duties"][0]["state"], "late", "late ones first: {all}");
    assert!(
        !standings(&all, "ttyt-412", "testing-sites").is_empty(),
        "{all}"
    );
    // Each other health centre stands as its district's reports say: late with communes
    // missing, on time with none; one whose district has no communes owes nothing.
    let mut late = 0;
    for d in all["figures"].as_array().unwrap() {
        let centre = format!("ttyt-{}", d["code"].as_str().unwrap());
        let duty = standings(&all, &centre, "figures");
        assert_eq!(duty.len(), 1, "{centre}: {all}");
        let expected = if d["reported"].as_u64() < d["communes"].as_u64() {
            "late"
        } else {
            "on_time"
        };
        assert_eq!(duty[0]["state"], expected, "{centre}: {all}");
        assert_eq!(
            duty[0]["detail"].as_str().unwrap(),
            format!(
                "{} of {} communes have figures for {}",
                d["reported"],
                d["communes"],
                d["day"].as_str().unwrap()
            )
        );
        late += usize::from(expected == "late");
    }
    assert!(late > 0, "the sample's figures stop before today: {all}");
    let snapshot = api.backend.snapshot();
    let empty = snapshot
        .units()
        .iter()
        .find(|u| {
            u.level == Level::District
                && !snapshot.units().iter().any(|c| {
                    c.parent_code.as_deref() == Some(u.code.as_str()) && c.level == Level::Commune
                })
        })
        .expect("a district without sample communes (Cửa Lò)");
    let none = standings(&all, &format!("ttyt-{}", empty.code), "figures");
    assert_eq!(none[0]["state"], "no_communes", "{all}");
    assert_eq!(none[0]["due"], Value::Null, "{all}");
    // The CDC sees everyone's too.
    let cdc = api.token("cdc", Role::Viewer).await;
    let (_, seen) = api.send("GET", "/api/v1/freshness", Some(&cdc), None).await;
    assert_eq!(
        seen["duties"].as_array().unwrap().len(),
        all["duties"].as_array().unwrap().len()
    );
    // Another organisation's own: the police see theirs only.
    let police_viewer = api.token("cong-an", Role::Viewer).await;
    let (_, own) = api
        .send("GET", "/api/v1/freshness", Some(&police_viewer), None)
        .await;
    assert!(
        own["duties"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["org_id"] == "cong-an"),
        "{own}"
    );
    // The police write a checkpoint: their last change is now.
    let police = api.token("cong-an", Role::Editor).await;
    let checkpoint = point_feature(
        geo::Point::new(105.68, 18.67),
        json!({"name": "Chốt kiểm tra hạn", "status": "active"}),
    );
    let (status, body) = api
        .send(
            "POST",
            "/api/v1/checkpoints",
            Some(&police),
            Some(&checkpoint),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, all) = api
        .send("GET", "/api/v1/freshness", Some(&office), None)
        .await;
    let police_duty = standings(&all, "cong-an", "checkpoints");
    assert_eq!(police_duty[0]["state"], "on_time", "{all}");
    assert!(police_duty[0]["last_changed"].is_string(), "{all}");

    // Bad requests.
    let (status, body) = api.send("GET", "/api/v1/freshness?org=x", None, None).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("org"),
        "{body}"
    );
    let (status, _) = api
        .send("GET", "/api/v1/freshness", Some("cm_not-a-token"), None)
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn duties_are_set_from_the_command_line_and_bad_ones_change_nothing() {
    let api = Api::start().await;
    let listed = |api: &Api| String::from_utf8(run(&api.db, &["duties", "list"]).stdout).unwrap();
    let before = listed(&api);
    assert!(
        before.contains("daily_figures") && before.contains("daily@17:00"),
        "{before}"
    );
    for (args, expected) in [
        (
            vec!["duties", "set", "checkpoints", "labour", "7d"],
            "labour organisations do not keep checkpoints",
        ),
        (
            vec!["duties", "set", "checkpoints", "police", "0d"],
            "cadence \"0d\"",
        ),
        (
            vec!["duties", "set", "checkpoints", "police", "weekly"],
            "daily@HH:MM",
        ),
        (
            vec!["duties", "set", "testing_sites", "cdc", "daily@17:00"],
            "only daily_figures",
        ),
        (
            vec!["duties", "set", "vaccinations", "cdc", "7d"],
            "vaccinations",
        ),
        (
            vec!["duties", "set", "checkpoints", "sheriff", "7d"],
            "sheriff",
        ),
        (
            vec!["duties", "remove", "checkpoints", "cdc"],
            "no duty of cdc",
        ),
    ] {
        let out = run(&api.db, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(listed(&api), before, "{args:?} changed the duties");
    }
    let out = run(&api.db, &["duties", "set", "checkpoints", "police", "3d"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &api.db,
        &[
            "duties",
            "set",
            "essential_services",
            "industry_trade",
            "30d",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = listed(&api);
    assert!(
        after.contains("3d") && after.contains("industry_trade") && after.contains("30d"),
        "{after}"
    );
    let office = api.token("ubnd-tinh", Role::Viewer).await;
    let (_, all) = api
        .send("GET", "/api/v1/freshness", Some(&office), None)
        .await;
    assert_eq!(
        standings(&all, "cong-an", "checkpoints")[0]["every"],
        "3d",
        "{all}"
    );
    assert_eq!(
        standings(&all, "so-cong-thuong", "essential-services")[0]["every"],
        "30d",
        "{all}"
    );
    let out = run(
        &api.db,
        &["duties", "remove", "essential_services", "industry_trade"],
    );
    assert!(out.status.success());
    assert!(!listed(&api).contains("industry_trade"));
}
