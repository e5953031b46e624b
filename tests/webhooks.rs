//! Webhooks against a real receiver: every change delivered once it is back up, in order,
//! signed; subscriptions paused, resumed, deleted; callbacks that must not be called refused.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use covidmap_core::agency::Role;
use covidmap_core::callback::Loopback;
use covidmap_tests::api::Api;
use covidmap_tests::changes::{assert_in_log_order, insert_checkpoint};
use covidmap_tests::poll_until;
use covidmap_webhooks::{sign, Deliveries, DeliverySettings, SIGNATURE_HEADER};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A node over the sample with webhooks delivering to loopback receivers.
struct Node {
    api: Api,
    _deliveries: tokio::task::JoinHandle<()>,
}

impl Node {
    async fn start() -> Node {
        let api = Api::start_with(|own| covidmap_server::Settings {
            webhook_loopback: Loopback::Allowed,
            own_address: Some(own),
            ..covidmap_server::Settings::default()
        })
        .await;
        let deliveries = Deliveries::new(
            Arc::clone(&api.backend),
            DeliverySettings {
                node: "test-node".to_owned(),
                public_url: api.base.clone(),
                loopback: Loopback::Allowed,
                own: vec![],
            },
        )
        .run();
        Node {
            api,
            _deliveries: deliveries,
        }
    }

    async fn token(&self, org: &str, role: Role) -> String {
        self.api.token(org, role).await
    }

    /// A request with `token` (empty: none).
    async fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let token = (!token.is_empty()).then_some(token);
        self.api.send(method, path, token, body.as_ref()).await
    }

    async fn write_checkpoints(&self, from: usize, to: usize) {
        for i in from..to {
            sqlx::query(&insert_checkpoint(
                &format!("hooked-{i}"),
                105.68,
                18.67,
                "Công an tỉnh Nghệ An",
            ))
            .execute(self.api.db.store.pool())
            .await
            .unwrap();
        }
    }
}

/// What the receiver was sent: each delivery's body and signature.
#[derive(Default)]
struct Received {
    deliveries: Mutex<Vec<(String, Bytes)>>,
    refusing: AtomicBool,
}

async fn receive(
    State(received): State<Arc<Received>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if received.refusing.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    received.deliveries.lock().unwrap().push((signature, body));
    StatusCode::NO_CONTENT
}

/// A receiver on `port` (0: any), until `stop` is sent; returns its port.
async fn receiver(
    received: Arc<Received>,
    port: u16,
) -> (
    u16,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(received);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (port, stop, task)
}

/// The events delivered so far, de-duplicated by id in the order first received, each
/// delivery's signature checked with `secret`.
fn delivered(received: &Received, secret: &str) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    let mut events = Vec::new();
    for (signature, body) in received.deliveries.lock().unwrap().iter() {
        assert_eq!(signature, &sign(secret, body), "a delivery's signature");
        let batch: Vec<Value> = serde_json::from_slice(body).unwrap();
        for event in batch {
            if seen.insert(event["id"].as_str().unwrap().to_owned()) {
                events.push(event);
            }
        }
    }
    events
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_every_change_once_in_order_and_signed() {
    let node = Node::start().await;
    let police = node.token("cong-an", Role::Editor).await;
    let received = Arc::new(Received::default());
    let (port, stop, task) = receiver(Arc::clone(&received), 0).await;
    let (status, hook) = node
        .send(
            "POST",
            "/api/v1/webhooks",
            &police,
            Some(json!({"url": format!("http://127.0.0.1:{port}/hook"), "collections": ["checkpoints"]})),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let (id, secret) = (
        hook["id"].as_str().unwrap(),
        hook["secret"].as_str().unwrap(),
    );
    assert_eq!(secret.len(), 64);

    node.write_checkpoints(0, 150).await;
    // A zone is not a checkpoint: this subscription does not want it.
    sqlx::query(
        "INSERT INTO lockdown_zones (id, name, level, status, reason, geom, declared_by, started_at, changed_by) \
         VALUES ('hook-zone', 'Vùng', 3, 'active', 'ca mắc', ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(105.68, 18.67), 4326), 0.001)), 'UBND', now(), 'test')",
    )
    .execute(node.api.db.store.pool())
    .await
    .unwrap();
    // Down: first answering 503, then not listening at all.
    received.refusing.store(true, Ordering::SeqCst);
    node.write_checkpoints(150, 250).await;
    let (_, failing) = poll_until("the failure recorded", || async {
        let (_, state) = node
            .send("GET", &format!("/api/v1/webhooks/{id}"), &police, None)
            .await;
        state["last_error"].is_string().then_some(state)
    })
    .await;
    assert!(
        failing["last_error"].as_str().unwrap().contains("503"),
        "{failing}"
    );
    assert!(failing["backlog"].as_u64().unwrap() > 0, "{failing}");
    stop.send(()).unwrap();
    task.await.unwrap();
    received.refusing.store(false, Ordering::SeqCst);
    node.write_checkpoints(250, 400).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Back up, on the same port.
    let (_, _stop, _task) = receiver(Arc::clone(&received), port).await;
    node.write_checkpoints(400, 500).await;

    let (_, events) = poll_until("all 500 changes delivered", || async {
        let events = delivered(&received, secret);
        (events.len() >= 500).then_some(events)
    })
    .await;
    let expected: Vec<String> = (0..500).map(|i| format!("hooked-{i}")).collect();
    assert_in_log_order(&events, &expected);
    let last: i64 = events[499]["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(events[0]["type"], "org.ogc.api.collection.item.create");
    assert_eq!(events[0]["organisation"], "cong-an");
    assert_eq!(events[0]["data"]["properties"]["managed_by"], "police");
    // A body changed on the way no longer matches its signature.
    let (signature, body) = received.deliveries.lock().unwrap()[0].clone();
    let mut tampered = body.to_vec();
    tampered[10] ^= 1;
    assert_ne!(signature, sign(secret, &tampered));
    let (_, state) = poll_until("the state caught up", || async {
        let (_, state) = node
            .send("GET", &format!("/api/v1/webhooks/{id}"), &police, None)
            .await;
        (state["backlog"] == 0 && state["last_error"].is_null()).then_some(state)
    })
    .await;
    assert!(state["delivered_through"].as_i64().unwrap() >= last);
    assert_eq!(state["state"], "active");

    // Paused: changes wait; resumed: they come.
    let (status, _) = node
        .send(
            "POST",
            &format!("/api/v1/webhooks/{id}/pause"),
            &police,
            None,
        )
        .await;
    assert_eq!(status, 200);
    node.write_checkpoints(500, 505).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        delivered(&received, secret).len(),
        500,
        "nothing delivered while paused"
    );
    let (_, paused) = node
        .send("GET", &format!("/api/v1/webhooks/{id}"), &police, None)
        .await;
    assert_eq!(paused["state"], "paused");
    assert_eq!(paused["backlog"], 5, "{paused}");
    let (status, _) = node
        .send(
            "POST",
            &format!("/api/v1/webhooks/{id}/resume"),
            &police,
            None,
        )
        .await;
    assert_eq!(status, 200);
    poll_until("the paused changes delivered", || async {
        (delivered(&received, secret).len() == 505).then_some(())
    })
    .await;
    let (status, _) = node
        .send("DELETE", &format!("/api/v1/webhooks/{id}"), &police, None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = node
        .send("GET", &format!("/api/v1/webhooks/{id}"), &police, None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn callbacks_that_must_not_be_called_and_other_organisations_subscriptions_are_refused() {
    let node = Node::start().await;
    let police = node.token("cong-an", Role::Editor).await;
    let viewer = node.token("cong-an", Role::Viewer).await;
    let military = node.token("quan-su", Role::Editor).await;
    let office = node.token("ubnd-tinh", Role::Editor).await;
    let hooks = || async {
        let all: (i64,) = sqlx::query_as("SELECT count(*) FROM webhook_subscriptions")
            .fetch_one(node.api.db.store.pool())
            .await
            .unwrap();
        all.0
    };
    let own = node.api.base.clone();
    for (body, field, words) in [
        (
            json!({"url": "http://169.254.169.254/latest/meta-data/"}),
            "url",
            "link-local",
        ),
        (json!({"url": "http://[fd00:ec2::254]/"}), "url", "metadata"),
        (
            json!({"url": format!("{own}/api/v1/zones")}),
            "url",
            "server itself",
        ),
        (json!({"url": "file:///etc/passwd"}), "url", "http or https"),
        (
            json!({"url": "http://no-such-host.invalid/hook"}),
            "url",
            "does not resolve",
        ),
        (
            json!({"url": "http://127.0.0.1:9/hook", "collections": ["vaccination-sites"]}),
            "collections[0]",
            "no collection",
        ),
        (
            json!({"url": "http://127.0.0.1:9/hook", "bbox": [106, 19, 105, 18]}),
            "bbox",
            "bbox",
        ),
        (
            json!({"url": "http://127.0.0.1:9/hook", "secret": "mine"}),
            "body",
            "unknown field",
        ),
        (json!({"collections": []}), "body", "url"),
    ] {
        let (status, answer) = node
            .send("POST", "/api/v1/webhooks", &police, Some(body.clone()))
            .await;
        assert_eq!(status, 422, "{body}: {answer}");
        let error = &answer["error"];
        assert_eq!(error["fields"][0]["field"], field, "{body}: {answer}");
        assert!(
            error["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains(words),
            "{body}: {answer}"
        );
    }
    let (status, _) = node
        .send(
            "POST",
            "/api/v1/webhooks",
            &viewer,
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _) = node
        .send(
            "POST",
            "/api/v1/webhooks",
            "",
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(status, 401);
    assert_eq!(hooks().await, 0, "a refused subscription writes nothing");

    // One organisation's subscription is not another's to see or change; the provincial
    // office oversees them all.
    let (status, hook) = node
        .send(
            "POST",
            "/api/v1/webhooks",
            &police,
            Some(json!({"url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    let id = hook["id"].as_str().unwrap();
    for (method, path) in [
        ("GET", format!("/api/v1/webhooks/{id}")),
        ("POST", format!("/api/v1/webhooks/{id}/pause")),
        ("DELETE", format!("/api/v1/webhooks/{id}")),
    ] {
        let (status, _) = node.send(method, &path, &military, None).await;
        assert_eq!(status, 404, "{method} {path}");
    }
    let (_, theirs) = node.send("GET", "/api/v1/webhooks", &military, None).await;
    assert_eq!(theirs["webhooks"], json!([]));
    let (_, all) = node.send("GET", "/api/v1/webhooks", &office, None).await;
    assert_eq!(all["webhooks"][0]["id"], id);
    assert!(
        all["webhooks"][0]["secret"].is_null(),
        "a secret is shown once"
    );
    let (status, _) = node
        .send("GET", &format!("/api/v1/webhooks/{id}"), &office, None)
        .await;
    assert_eq!(status, 200);
}
