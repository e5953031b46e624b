//! OGC API – Features Part 4 against the sample: QGIS edits a checkpoint with a police token
//! and cannot with a district committee's; entity tags refuse stale edits; the write policy
//! refuses writes elsewhere; every refused write leaves every row as it was.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use covidmap_core::agency::Role;
use covidmap_core::layers::FacilityKind;
use covidmap_tests::api::{actions, point_feature, square, zone_feature, Api};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};

/// A request with a token (empty: none) and headers; the status, headers and JSON answer.
async fn ogc(
    api: &Api,
    method: &str,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> (u16, HeaderMap, Value) {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", api.base));
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, headers, body)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map_or("", |v| v.to_str().unwrap_or_default())
}

/// A police-managed checkpoint of the sample and where it is.
fn police_checkpoint(api: &Api) -> (String, geo::Point<f64>) {
    api.backend
        .snapshot()
        .layers()
        .facilities
        .iter()
        .find(|f| f.kind == FacilityKind::Checkpoint && f.managed_by.as_deref() == Some("police"))
        .map(|f| (f.id.clone(), f.location))
        .unwrap()
}

/// QGIS's OAPIF provider changes a feature's name with a token and commits.
async fn qgis_edit(landing: &str, collection: &str, token: &str, id: &str, name: &str) -> Value {
    covidmap_tests::qgis("qgis_edit.py", &[landing, collection, token, id, name]).await
}

#[tokio::test]
async fn qgis_edits_a_checkpoint_with_a_police_token_and_not_with_a_districts() {
    let api = Api::start().await;
    let landing = format!("{}/ogc", api.base);
    let (id, _) = police_checkpoint(&api);
    let police = api.token("cong-an", Role::Editor).await;
    let vinh = api.token("ubnd-412", Role::Editor).await;

    // A district committee does not keep checkpoints: OPTIONS offers it no write, QGIS
    // opens the layer read only, and nothing changes.
    let before = api.state().await;
    let refused = qgis_edit(&landing, "checkpoints", &vinh, &id, "Chốt do huyện sửa").await;
    assert_eq!(refused["valid"], true, "{refused}");
    let version = refused["version"].as_i64().unwrap();
    assert!(
        version >= 33_200,
        "QGIS {version} has no OGC API – Features editing; make test installs 3.32 or later (Debian 12: from bookworm-backports)"
    );
    assert_eq!(refused["can_change"], false, "{refused}");
    assert_eq!(refused["can_add"], false, "{refused}");
    assert_ne!(refused["committed"], true, "{refused}");
    assert_eq!(
        api.state().await,
        before,
        "QGIS's refused edit changed nothing"
    );

    // The police: editable, committed, in the history with the police as its author.
    let edited = qgis_edit(
        &landing,
        "checkpoints",
        &police,
        &id,
        "Chốt Cầu Bến Thuỷ (QGIS)",
    )
    .await;
    assert_eq!(edited["can_change"], true, "{edited}");
    assert_eq!(edited["found"], 1, "{edited}");
    assert_eq!(edited["committed"], true, "{edited}");
    let (status, history) = api
        .send(
            "GET",
            &format!("/api/v1/history?entity=checkpoints&id={id}"),
            Some(&police),
            None,
        )
        .await;
    assert_eq!(status, 200, "{history}");
    let last = history["entries"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["org_id"], "cong-an", "{last}");
    assert_eq!(last["action"], "update", "{last}");
    assert_eq!(last["after"]["name"], "Chốt Cầu Bến Thuỷ (QGIS)", "{last}");
    assert_eq!(
        last["after"]["changed_by"], "Công an tỉnh Nghệ An",
        "{last}"
    );
    let (_, _, item) = ogc(
        &api,
        "GET",
        &format!("/ogc/collections/checkpoints/items/{id}"),
        "",
        &[],
        None,
    )
    .await;
    assert_eq!(item["properties"]["name"], "Chốt Cầu Bến Thuỷ (QGIS)");
    let logged: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM change_log WHERE entity = 'checkpoints' AND feature_id = $1 AND operation = 'update' AND org_id = 'cong-an'",
    )
    .bind(&id)
    .fetch_one(api.db.store.pool())
    .await
    .unwrap();
    assert_eq!(logged, 1, "the edit is in the change log");
}

#[tokio::test]
async fn options_say_what_this_caller_may_do() {
    let api = Api::start().await;
    let police = api.token("cong-an", Role::Editor).await;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let viewer = api.token("cong-an", Role::Viewer).await;
    let allow = |h: &HeaderMap| header(h, "allow").to_owned();

    let (status, h, body) = ogc(
        &api,
        "OPTIONS",
        "/ogc/collections/checkpoints/items",
        "",
        &[],
        None,
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS", "anyone reads");
    assert_eq!(
        header(&h, "access-control-allow-origin"),
        "*",
        "readable from a page elsewhere"
    );
    let (_, h, _) = ogc(
        &api,
        "OPTIONS",
        "/ogc/collections/checkpoints/items",
        &police,
        &[],
        None,
    )
    .await;
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS, POST");
    let (_, h, _) = ogc(
        &api,
        "OPTIONS",
        "/ogc/collections/checkpoints/items",
        &vinh,
        &[],
        None,
    )
    .await;
    assert_eq!(
        allow(&h),
        "GET, HEAD, OPTIONS",
        "a district keeps no checkpoints"
    );
    let (_, h, _) = ogc(
        &api,
        "OPTIONS",
        "/ogc/collections/zones/items",
        &vinh,
        &[],
        None,
    )
    .await;
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS, POST", "but declares zones");
    let (_, h, _) = ogc(
        &api,
        "OPTIONS",
        "/ogc/collections/checkpoints/items",
        &viewer,
        &[],
        None,
    )
    .await;
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS", "a viewer writes nothing");
    let (_, h, _) = ogc(
        &api,
        "OPTIONS",
        "/ogc/collections/communes/items",
        &police,
        &[],
        None,
    )
    .await;
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS", "units change by upload");

    let (mine, _) = police_checkpoint(&api);
    let path = format!("/ogc/collections/checkpoints/items/{mine}");
    let (_, h, _) = ogc(&api, "OPTIONS", &path, &police, &[], None).await;
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS, PUT, PATCH, DELETE");
    assert_eq!(header(&h, "accept-patch"), "application/merge-patch+json");
    let (military, _) = api.facility_managed_by("military");
    // An item's methods are the collection's for this caller (QGIS decides for a whole
    // layer from one item); whether this one is the caller's, the write says.
    let military_path = format!("/ogc/collections/checkpoints/items/{military}");
    let (_, h, _) = ogc(&api, "OPTIONS", &military_path, &police, &[], None).await;
    assert_eq!(allow(&h), "GET, HEAD, OPTIONS, PUT, PATCH, DELETE");
    let before = api.state().await;
    let patch = json!({"properties": {"name": "Chốt"}});
    let (status, _, body) = ogc(&api, "PATCH", &military_path, &police, &[], Some(&patch)).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("managed by military"),
        "{body}"
    );
    let (_, h, _) = ogc(&api, "OPTIONS", &path, &vinh, &[], None).await;
    assert_eq!(
        allow(&h),
        "GET, HEAD, OPTIONS",
        "a district changes no checkpoint"
    );
    assert_eq!(api.state().await, before);

    // A token sent and refused is named, not taken for anonymous.
    let (status, _, body) = ogc(&api, "OPTIONS", &path, "cm_not-a-token", &[], None).await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn writes_carry_entity_tags_and_refused_ones_change_nothing() {
    let api = Api::start().await;
    let police = api.token("cong-an", Role::Editor).await;
    let vinh = api.token("ubnd-412", Role::Editor).await;
    let (_, near) = police_checkpoint(&api);
    let geojson = [("content-type", "application/geo+json")];

    // Created: 201, where it is, its version's tag; what the server writes is not taken.
    let mut feature = point_feature(
        near,
        json!({"name": "Chốt OGC", "status": "active", "changed_by": "someone else", "valid_from": "2000-01-01T00:00:00Z"}),
    );
    feature["properties"]["id"] = json!("checkpoint-ogc-1");
    let (status, h, body) = ogc(
        &api,
        "POST",
        "/ogc/collections/checkpoints/items",
        &police,
        &geojson,
        Some(&feature),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let location = header(&h, "location").to_owned();
    assert!(
        location.ends_with("/ogc/collections/checkpoints/items/checkpoint-ogc-1"),
        "{location}"
    );
    let created_tag = header(&h, "etag").to_owned();
    assert_eq!(created_tag, format!("\"{}\"", body["version_id"]));
    assert_eq!(body["after"]["changed_by"], "Công an tỉnh Nghệ An");
    let path = "/ogc/collections/checkpoints/items/checkpoint-ogc-1";
    let (status, h, item) = ogc(&api, "GET", path, "", &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "etag"), created_tag, "GET tags the same version");
    assert_eq!(item["properties"]["managed_by"], "police");
    let (status, _, _) = ogc(
        &api,
        "GET",
        path,
        "",
        &[("if-none-match", &created_tag)],
        None,
    )
    .await;
    assert_eq!(status, 304);

    // Patched on the version read: a new version, a new tag.
    let patch = json!({"properties": {"status": "closed"}});
    let merge = [
        ("content-type", "application/merge-patch+json"),
        ("if-match", created_tag.as_str()),
    ];
    let (status, h, body) = ogc(&api, "PATCH", path, &police, &merge, Some(&patch)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["after"]["status"], "closed");
    assert_eq!(body["after"]["name"], "Chốt OGC", "the rest as it was");
    let patched_tag = header(&h, "etag").to_owned();
    assert_ne!(patched_tag, created_tag);

    // Every refusal below leaves every row, the audit log and the change log as they were.
    let before = api.state().await;
    let stale = [
        ("content-type", "application/merge-patch+json"),
        ("if-match", created_tag.as_str()),
    ];
    let (status, _, body) = ogc(
        &api,
        "PATCH",
        path,
        &police,
        &stale,
        Some(&json!({"properties": {"name": "x"}})),
    )
    .await;
    assert_eq!(status, 412, "{body}");
    assert_eq!(body["error"]["field"], "If-Match");
    let mut replaced = point_feature(near, json!({"name": "Chốt OGC", "status": "active"}));
    let (status, _, body) = ogc(
        &api,
        "PUT",
        path,
        &police,
        &[("if-match", created_tag.as_str())],
        Some(&replaced),
    )
    .await;
    assert_eq!(status, 412, "a stale PUT: {body}");
    let (status, _, body) = ogc(
        &api,
        "DELETE",
        path,
        &police,
        &[("if-match", created_tag.as_str())],
        None,
    )
    .await;
    assert_eq!(status, 412, "a stale DELETE: {body}");
    let (status, _, body) = ogc(
        &api,
        "PUT",
        path,
        &police,
        &[("if-match", "\"not-a-version\"")],
        Some(&replaced),
    )
    .await;
    assert_eq!(status, 412, "{body}");
    let (status, _, body) = ogc(&api, "PATCH", path, &vinh, &[], Some(&patch)).await;
    assert_eq!(status, 403, "a district's edit of a checkpoint: {body}");
    let (status, _, body) = ogc(&api, "DELETE", path, &vinh, &[], None).await;
    assert_eq!(status, 403, "{body}");
    let (status, _, body) = ogc(&api, "DELETE", path, "", &[], None).await;
    assert_eq!(status, 401, "{body}");
    let (foreign, other) = api.foreign_zone("412");
    let (_, elsewhere) = api.hamlet_in(&other);
    let zone = zone_feature(square(elsewhere, 0.001), "Phong toả ngoài huyện");
    let (status, _, body) = ogc(
        &api,
        "POST",
        "/ogc/collections/zones/items",
        &vinh,
        &geojson,
        Some(&zone),
    )
    .await;
    assert_eq!(status, 403, "a zone in another district: {body}");
    let (status, _, body) = ogc(
        &api,
        "PATCH",
        &format!("/ogc/collections/zones/items/{foreign}"),
        &vinh,
        &[],
        Some(&json!({"properties": {"name": "x"}})),
    )
    .await;
    assert_eq!(status, 403, "another district's zone: {body}");
    let (status, h, body) = ogc(
        &api,
        "POST",
        "/ogc/collections/communes/items",
        &police,
        &geojson,
        Some(&feature),
    )
    .await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(header(&h, "allow"), "GET, HEAD, OPTIONS");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("upload"),
        "{body}"
    );
    let mercator = [(
        "content-crs",
        "<http://www.opengis.net/def/crs/EPSG/0/3857>",
    )];
    let (status, _, body) = ogc(&api, "PUT", path, &police, &mercator, Some(&replaced)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "Content-Crs");
    replaced["properties"]["capacity"] = json!(10);
    let (status, _, body) = ogc(&api, "PUT", path, &police, &[], Some(&replaced)).await;
    assert_eq!(status, 422, "a checkpoint has no capacity: {body}");
    assert!(body.to_string().contains("properties.capacity"), "{body}");
    let (status, _, body) = ogc(&api, "PATCH", path, &police, &[], Some(&json!([1, 2]))).await;
    assert_eq!(status, 400, "{body}");
    let (status, _, body) = ogc(
        &api,
        "PATCH",
        "/ogc/collections/checkpoints/items/no-such-checkpoint",
        &police,
        &[],
        Some(&patch),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _, body) = ogc(
        &api,
        "POST",
        "/ogc/collections/checkpoints/items",
        &police,
        &geojson,
        Some(&feature),
    )
    .await;
    assert_eq!(status, 409, "the id is taken: {body}");
    assert_eq!(api.state().await, before, "refused writes changed nothing");

    // Latitude first, as EPSG:4326 says, is put back; the token as a Basic password works.
    let mut swapped = point_feature(
        geo::Point::new(near.y(), near.x()),
        json!({"name": "Chốt 4326", "status": "active"}),
    );
    swapped["properties"]["id"] = json!("checkpoint-ogc-2");
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/ogc/collections/checkpoints/items", api.base))
        .basic_auth("token", Some(&police))
        .header("content-type", "application/geo+json")
        .header(
            "content-crs",
            "<http://www.opengis.net/def/crs/EPSG/0/4326>",
        )
        .body(swapped.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let (_, _, item) = ogc(
        &api,
        "GET",
        "/ogc/collections/checkpoints/items/checkpoint-ogc-2",
        "",
        &[],
        None,
    )
    .await;
    let coordinates = item["geometry"]["coordinates"].as_array().unwrap();
    assert!(
        (coordinates[0].as_f64().unwrap() - near.x()).abs() < 1e-6,
        "{item}"
    );

    // Deleted on its current version: gone from the collection, its history kept, the
    // deletion logged; a revert brings it back.
    let deleting = [("if-match", patched_tag.as_str())];
    let (status, _, _) = ogc(&api, "DELETE", path, &police, &deleting, None).await;
    assert_eq!(status, 204);
    let (status, _, _) = ogc(&api, "GET", path, "", &[], None).await;
    assert_eq!(status, 404);
    let (_, history) = api
        .send(
            "GET",
            "/api/v1/history?entity=checkpoints&id=checkpoint-ogc-1",
            Some(&police),
            None,
        )
        .await;
    assert_eq!(
        actions(&history),
        ["create", "update", "delete"],
        "{history}"
    );
    let operations: Vec<String> = sqlx::query_scalar(
        "SELECT operation FROM change_log WHERE entity = 'checkpoints' AND feature_id = 'checkpoint-ogc-1' ORDER BY id",
    )
    .fetch_all(api.db.store.pool())
    .await
    .unwrap();
    assert_eq!(operations, ["create", "update", "delete"]);
    let first_version = history["entries"][0]["after"]["version_id"].clone();
    let (status, body) = api
        .send("POST", "/api/v1/revert", Some(&police), Some(&json!({"entity": "checkpoints", "id": "checkpoint-ogc-1", "version_id": first_version})))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, item) = ogc(&api, "GET", path, "", &[], None).await;
    assert_eq!(status, 200);
    assert_eq!(item["properties"]["status"], "active", "as first created");

    // A district's own zone, declared and then lifted by DELETE.
    let (_, in_vinh) = api.hamlet_in("412");
    let own = zone_feature(square(in_vinh, 0.001), "Phong toả OGC");
    let (status, h, body) = ogc(
        &api,
        "POST",
        "/ogc/collections/zones/items",
        &vinh,
        &geojson,
        Some(&own),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let zone_path = header(&h, "location")
        .split("/ogc")
        .nth(1)
        .map(|p| format!("/ogc{p}"))
        .unwrap();
    let (status, _, body) = ogc(
        &api,
        "PATCH",
        &zone_path,
        &vinh,
        &[],
        Some(&json!({"properties": {"level": 3}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["after"]["level"], 3);
    let (status, _, _) = ogc(&api, "DELETE", &zone_path, &vinh, &[], None).await;
    assert_eq!(status, 204);
    let (status, _, _) = ogc(&api, "GET", &zone_path, "", &[], None).await;
    assert_eq!(status, 404, "no longer in force");
    let zone_id = zone_path.rsplit('/').next().unwrap();
    let (_, history) = api
        .send(
            "GET",
            &format!("/api/v1/history?entity=zones&id={zone_id}"),
            Some(&vinh),
            None,
        )
        .await;
    assert_eq!(actions(&history), ["create", "update", "lift"], "{history}");
    let before = api.state().await;
    let (status, _, body) = ogc(&api, "PUT", &zone_path, &vinh, &geojson, Some(&own)).await;
    assert_eq!(
        status, 404,
        "a lifted zone is not replaced (declared again): {body}"
    );
    let (status, _, body) = ogc(&api, "DELETE", &zone_path, &vinh, &[], None).await;
    assert_eq!(status, 404, "nor lifted twice: {body}");
    assert_eq!(api.state().await, before);

    // What a GET answers can be sent back with PUT: its links are not written, and a zone
    // of whole units stays its units (the outline read back is theirs).
    let (hamlet, _) = api.hamlet_in("412");
    let mut of_units = zone_feature(Value::Null, "Phong toả xóm");
    of_units["properties"]["unit_codes"] = json!([hamlet]);
    let (status, h, body) = ogc(
        &api,
        "POST",
        "/ogc/collections/zones/items",
        &vinh,
        &geojson,
        Some(&of_units),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let units_path = format!(
        "/ogc{}",
        header(&h, "location").split("/ogc").nth(1).unwrap()
    );
    let (_, h, mut read) = ogc(&api, "GET", &units_path, "", &[], None).await;
    assert_eq!(read["geometry"]["type"], "MultiPolygon");
    read["properties"]["name"] = json!("Phong toả xóm (sửa)");
    let tag = header(&h, "etag").to_owned();
    let (status, _, body) = ogc(
        &api,
        "PUT",
        &units_path,
        &vinh,
        &[("if-match", tag.as_str())],
        Some(&read),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["after"]["unit_codes"], json!([hamlet]));
    assert_eq!(body["after"]["name"], "Phong toả xóm (sửa)");

    // Basic credentials, which a browser would send with a form from elsewhere, write only
    // a body that says it is JSON.
    let before = api.state().await;
    let response = client
        .post(format!("{}/ogc/collections/checkpoints/items", api.base))
        .basic_auth("token", Some(&police))
        .header("content-type", "text/plain")
        .body(feature.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
    assert_eq!(api.state().await, before);
}
