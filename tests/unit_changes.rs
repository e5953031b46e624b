//! Administrative changes over HTTP, against PostGIS: the sample's changes name former units
//! in status answers; the provincial office adds changes that addresses then follow; every
//! bad file is refused naming the row and the field, and changes nothing.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::agency::Role;
use covidmap_tests::api::{commune_code, Api};
use covidmap_tests::poll_until;
use serde_json::{json, Value};

const HEADER: &str = "effective,act,kind,predecessor_code,predecessor_name,predecessor_parent_code,successor_code,successor_name,source";
const OFFICE: &str = "ubnd-tinh";

async fn post_csv(api: &Api, token: Option<&str>, csv: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/v1/unit-changes", api.base))
        .header("content-type", "text/csv")
        .body(csv.to_owned());
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The changes and their audit entries, as one hash.
async fn changes_state(api: &Api) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('|', (SELECT count(*) FROM audit_log)::text, \
         (SELECT coalesce(md5(string_agg(to_jsonb(c)::text, ',' ORDER BY version_id)), '') FROM unit_changes c))",
    )
    .fetch_one(api.db.store.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn former_names_resolve_to_the_unit_they_became_and_the_answer_says_so() {
    let api = Api::start().await;
    let (status, list) = api.send("GET", "/api/v1/unit-changes", None, None).await;
    assert_eq!(status, 200);
    assert!(list["count"].as_u64().unwrap() >= 90, "{}", list["count"]);

    let le_mao = api.address("Phường Lê Mao, TP Vinh").await;
    assert_eq!(commune_code(&le_mao), "16681", "{le_mao}");
    assert!(le_mao["confidence"].as_f64().unwrap() >= 0.6, "{le_mao}");
    let said = le_mao["former_names"][0]["explanation"].as_str().unwrap();
    assert!(
        said.starts_with(
            "Phường Lê Mao — merged into Phường Quang Trung by Resolution 1243/NQ-UBTVQH15"
        ),
        "{said}"
    );
    // A commune under the district it left names the district it is in now.
    let moved = api.address("xã Nghi Phong, huyện Nghi Lộc").await;
    assert_eq!(commune_code(&moved), "17902", "{moved}");
    let said = moved["former_names"][0]["explanation"].as_str().unwrap();
    assert!(said.contains("moved to Thành phố Vinh"), "{said}");
    for (text, now) in [
        ("Thị trấn Diễn Châu", "17464"),
        ("Thị trấn Hòa Bình, Tương Dương", "16876"),
        ("Thị trấn Yên Thành", "17506"),
        ("Thị trấn Con Cuông", "17254"),
        ("Xã Hưng Xá, Hưng Nguyên", "18043"),
        ("Phường Nghi Hải, Thị xã Cửa Lò", "16729"),
    ] {
        let answer = api.address(text).await;
        assert_eq!(commune_code(&answer), now, "{text}: {answer}");
        assert!(answer["confidence"].as_f64().unwrap() >= 0.6, "{answer}");
        assert!(
            !answer["former_names"].as_array().unwrap().is_empty(),
            "{answer}"
        );
    }
    // A name one letter off, in the district it was in: a guess, never a sure answer.
    let guess = api.address("xã Nghi Phongg, huyện Nghi Lộc").await;
    assert!(guess["confidence"].as_f64().unwrap() <= 0.5, "{guess}");
}

#[tokio::test]
async fn the_provincial_office_adds_changes_that_addresses_then_follow() {
    let api = Api::start().await;
    let office = api.token(OFFICE, Role::Editor).await;
    // A synthetic old name of Xã Nghi Thái (17926, Vinh since 2024) under Nghi Lộc.
    let csv = format!(
        "{HEADER}\n2019-06-01,Resolution 0/TEST,rename,,Xã Thử Nghiệm,429,17926,Xã Nghi Thái,the test\n"
    );
    let before = api.address("xã Thử Nghiệm, huyện Nghi Lộc").await;
    assert_ne!(commune_code(&before), "17926", "{before}");
    let (status, body) = post_csv(&api, Some(&office), &csv).await;
    assert_eq!(
        (status, &body),
        (200, &json!({"added": 1, "changed": 0, "unchanged": 0}))
    );
    let (_, answer) = poll_until("the new former name", || async {
        let a = api.address("xã Thử Nghiệm, huyện Nghi Lộc").await;
        (commune_code(&a) == "17926").then_some(a)
    })
    .await;
    let said = answer["former_names"][0]["explanation"].as_str().unwrap();
    assert!(
        said.starts_with("Xã Thử Nghiệm — renamed Xã Nghi Thái"),
        "{said}"
    );
    // Each change has its audit entry, under the office.
    let (org, action): (String, String) = sqlx::query_as(
        "SELECT org_id, action FROM audit_log WHERE entity_type = 'unit_changes' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(api.db.store.pool())
    .await
    .unwrap();
    assert_eq!((org.as_str(), action.as_str()), (OFFICE, "create"));
    // The same file again changes nothing; a corrected act is a new version.
    let (status, body) = post_csv(&api, Some(&office), &csv).await;
    assert_eq!(
        (status, &body),
        (200, &json!({"added": 0, "changed": 0, "unchanged": 1}))
    );
    let corrected = csv.replace("Resolution 0/TEST", "Resolution 1/TEST");
    let (status, body) = post_csv(&api, Some(&office), &corrected).await;
    assert_eq!(
        (status, &body),
        (200, &json!({"added": 0, "changed": 1, "unchanged": 0}))
    );
    let versions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM unit_changes WHERE predecessor_name = 'Xã Thử Nghiệm'",
    )
    .fetch_one(api.db.store.pool())
    .await
    .unwrap();
    assert_eq!(versions, 2);
    // JSON says the same.
    let one = json!({"changes": [{
        "effective": "2019-06-01", "act": "Resolution 1/TEST", "kind": "rename",
        "predecessor_name": "Xã Thử Nghiệm", "predecessor_parent_code": "429",
        "successor_code": "17926", "successor_name": "Xã Nghi Thái", "source": "the test"
    }]});
    let (status, body) = api
        .send("POST", "/api/v1/unit-changes", Some(&office), Some(&one))
        .await;
    assert_eq!(
        (status, &body),
        (200, &json!({"added": 0, "changed": 0, "unchanged": 1}))
    );
}

#[tokio::test]
async fn every_bad_change_file_is_refused_naming_row_and_field_and_changes_nothing() {
    let api = Api::start().await;
    let office = api.token(OFFICE, Role::Editor).await;
    let row = |cells: &str| format!("{HEADER}\n{cells}\n");
    let good = "2024-12-01,Resolution 1243/NQ-UBTVQH15,merge,,Phường Thử,412,16681,Phường Quang Trung,the test";
    let cases: Vec<(String, &str, &str)> = vec![
        (format!("{HEADER},colour\n{good},red\n"), "line 1, colour", "is not a column"),
        ("effective,act\n2024-12-01,x\n".into(), "line 1, header", "needs a kind column"),
        (row(&good.replace("2024-12-01", "01/12/2024")), "line 2, effective", "YYYY-MM-DD"),
        (row(&good.replace("merge", "merged")), "line 2, kind", "district_abolished"),
        (row(&good.replace(",the test", ",")), "line 2, source", "is required"),
        (row(&good.replace("16681,", "99999,")), "line 2, successor_code", "neither a current unit"),
        (row(&good.replace("Phường Quang Trung", "Phường Lê Lợi")), "line 2, successor_name", "is Phường Quang Trung, not Phường Lê Lợi"),
        (row(&good.replace(",412,", ",499,")), "line 2, predecessor_parent_code", "499 is neither"),
        (row(&good.replace("Phường Thử", "Thử")), "line 2, predecessor_name", "no type word"),
        (row(&good.replace("merge", "split")), "line 2, kind", "a split with one successor"),
        (row(&good.replace("Phường Quang Trung", "Thành phố Vinh").replace("16681", "412")), "line 2, successor_code", "a change keeps the level"),
        (format!("{HEADER}\n{good}\n{good}\n"), "line 3, predecessor_name", "repeats change 1"),
        (
            format!(
                "{HEADER}\n2024-12-01,R,merge,,Xã Beta,429,99001,Xã Alpha,t\n2020-01-01,R,merge,99001,Xã Alpha,429,17926,Xã Nghi Thái,t\n"
            ),
            "line 2, effective",
            "dates out of order",
        ),
        (format!("{HEADER}\n{good}\n\"unclosed,row\n"), "line 3, row", "unreadable"),
    ];
    let before = changes_state(&api).await;
    for (csv, field, says) in &cases {
        let (status, body) = post_csv(&api, Some(&office), csv).await;
        assert_eq!(status, 422, "{csv}: {body}");
        let errors = body["error"]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert!(
            errors
                .iter()
                .any(|e| e["field"] == *field
                    && e["message"].as_str().is_some_and(|m| m.contains(says))),
            "{csv}: expected {field}: {says}, got {body}"
        );
    }
    // JSON: wrong types and unknown keys, by index; not JSON at all.
    let bad = json!({"changes": [{"effective": 2024, "colour": "red"}]});
    let (status, body) = api
        .send("POST", "/api/v1/unit-changes", Some(&office), Some(&bad))
        .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for field in [
        "changes[0].colour",
        "changes[0].effective",
        "changes[0].kind",
    ] {
        assert!(fields.contains(&field), "{field}: {body}");
    }
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/unit-changes", api.base))
        .bearer_auth(&office)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    // Only the provincial office keeps them; a token is needed.
    let district = api.token("ubnd-412", Role::Editor).await;
    let (status, body) = post_csv(&api, Some(&district), &row(good)).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = post_csv(&api, None, &row(good)).await;
    assert_eq!(status, 401);
    assert_eq!(
        changes_state(&api).await,
        before,
        "a refused file changed something"
    );
}
