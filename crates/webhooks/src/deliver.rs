//! Deliveries: every node runs them; a subscription is leased by one node at a time, which
//! posts its changes batch by batch, in log order, and moves its position on only after the
//! receiver answered 2xx.

use crate::target::{check_url, Target};
use covidmap_core::callback::Loopback;
use covidmap_live::LiveData;
use covidmap_ogc::events::cloud_event;
use covidmap_store::webhooks::Hook;
use covidmap_store::FeatureChange;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The header carrying a delivery's signature: `sha256=` and the hex HMAC-SHA256 of the body
/// with the subscription's secret.
pub const SIGNATURE_HEADER: &str = "covidmap-signature-256";

/// Events in one delivery at most.
const BATCH: usize = 100;
/// Changes read at once while a batch is filled.
const READ: usize = 1_000;
/// How long a lease lasts without being renewed; each delivered batch renews it.
const LEASE_S: f64 = 60.0;
/// How long one call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// Retries go on this long, then the subscription fails until resumed.
const GIVE_UP_AFTER_S: f64 = 24.0 * 3600.0;
/// The longest wait between two attempts.
const MAX_BACKOFF_S: f64 = 300.0;

/// The signature of `body` with `secret`, as the header carries it.
#[must_use]
pub fn sign(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// How deliveries run.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// This node's name, which its leases carry.
    pub node: String,
    /// The service's public URL, which events' sources are made absolute with.
    pub public_url: String,
    /// Whether receivers on loopback are called.
    pub loopback: Loopback,
    /// The server's own listening addresses, never called.
    pub own: Vec<SocketAddr>,
}

/// A hook being delivered by this node, until dropped.
struct Busy {
    deliveries: Arc<Deliveries>,
    id: String,
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.deliveries
            .busy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.id);
    }
}

/// Why a delivery stopped short.
enum Stopped {
    /// The receiver, or the way to it, failed: retried after a while.
    Failed(String),
    /// The changes it still had to deliver were dropped by the log's retention: it fails at
    /// once (its organisation reloads, then resumes it).
    Trimmed(String),
}

/// The deliveries of a node.
pub struct Deliveries {
    live: Arc<LiveData>,
    settings: DeliverySettings,
    busy: Mutex<HashSet<String>>,
}

impl Deliveries {
    /// Deliveries from `live`'s applied changes.
    #[must_use]
    pub fn new(live: Arc<LiveData>, settings: DeliverySettings) -> Arc<Self> {
        Arc::new(Deliveries {
            live,
            settings,
            busy: Mutex::new(HashSet::new()),
        })
    }

    /// Runs until the process ends: each time changes are applied, and every second (for
    /// retries that come due), leases the subscriptions behind and delivers each on a task
    /// of its own.
    pub fn run(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut applied = self.live.subscribe();
            loop {
                let through = applied.borrow_and_update().through;
                if let Err(e) = self.start_due(through).await {
                    tracing::warn!(error = %e, "webhook deliveries could not be leased; retrying");
                }
                tokio::select! {
                    changed = applied.changed() => if changed.is_err() { return },
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        })
    }

    async fn start_due(self: &Arc<Self>, through: i64) -> Result<(), covidmap_store::StoreError> {
        let store = self.live.store();
        for hook in store
            .lease_due_hooks(&self.settings.node, through, LEASE_S)
            .await?
        {
            let fresh = self
                .busy
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(hook.spec.id.clone());
            if !fresh {
                continue;
            }
            let this = Arc::clone(self);
            tokio::spawn(async move {
                // Let go of the hook however the delivery ends (a panic included).
                let _busy = Busy {
                    deliveries: Arc::clone(&this),
                    id: hook.spec.id.clone(),
                };
                this.deliver(hook).await;
            });
        }
        Ok(())
    }

    /// Delivers `hook`'s changes until it is caught up, a call fails or the lease is lost.
    async fn deliver(&self, hook: Hook) {
        let node = &self.settings.node;
        let store = self.live.store();
        let mut attempts = hook.attempts;
        let outcome = self.deliver_batches(&hook, &mut attempts).await;
        let recorded = match outcome {
            Ok(()) => store.release_hook(&hook.spec.id, node).await,
            Err(stopped) => {
                metrics::counter!("covidmap_webhook_failures_total").increment(1);
                let (reason, wait, give_up) = match stopped {
                    Stopped::Failed(reason) => (reason, backoff(attempts), GIVE_UP_AFTER_S),
                    Stopped::Trimmed(reason) => (reason, 0.0, -1.0),
                };
                tracing::info!(hook = %hook.spec.id, %reason, retry_in_s = wait, "webhook delivery failed");
                store
                    .hook_failed(&hook.spec.id, node, &reason, wait, give_up)
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(hook = %hook.spec.id, error = %e, "webhook state not recorded; the lease runs out and another attempt follows");
        }
    }

    /// Posts batch after batch; `attempts` is the failures in a row so far (none once a batch
    /// got through).
    async fn deliver_batches(&self, hook: &Hook, attempts: &mut i32) -> Result<(), Stopped> {
        let store = self.live.store();
        let node = &self.settings.node;
        let target = check_url(&hook.spec.url, self.settings.loopback, &self.settings.own)
            .await
            .map_err(|e| Stopped::Failed(e.to_string()))?;
        let client = client(&target).map_err(Stopped::Failed)?;
        let filter = hook.spec.filter();
        let recorded =
            |e: covidmap_store::StoreError| Stopped::Failed(format!("recording the delivery: {e}"));
        let mut after = hook.delivered_through;
        loop {
            let read = match self.live.changes_after(after, READ).await {
                Ok(read) => read,
                Err(covidmap_store::StoreError::Trimmed { through }) => {
                    return Err(Stopped::Trimmed(format!("the changes after {after} up to {through} were dropped by the change log's retention before they could be delivered; resume to go on from the changes kept")));
                }
                Err(e) => return Err(Stopped::Failed(format!("reading the change log: {e}"))),
            };
            if read.is_empty() {
                return Ok(());
            }
            let mut batch: Vec<&FeatureChange> = Vec::new();
            let mut scanned = after;
            for c in &read {
                scanned = c.change.id;
                if filter.takes(&c.change) {
                    batch.push(c);
                    if batch.len() == BATCH {
                        break;
                    }
                }
            }
            if !batch.is_empty() {
                // Still this node's to deliver (a lease run out while a call hung is not).
                if !store
                    .renew_hook_lease(&hook.spec.id, node, LEASE_S)
                    .await
                    .map_err(recorded)?
                {
                    return Ok(());
                }
                self.post(hook, &client, &target, &batch)
                    .await
                    .map_err(Stopped::Failed)?;
                *attempts = 0;
            }
            if !store
                .hook_delivered(&hook.spec.id, node, scanned, LEASE_S)
                .await
                .map_err(recorded)?
            {
                // Paused, deleted or taken over meanwhile: stop here.
                return Ok(());
            }
            after = scanned;
        }
    }

    async fn post(
        &self,
        hook: &Hook,
        client: &reqwest::Client,
        target: &Target,
        batch: &[&FeatureChange],
    ) -> Result<(), String> {
        let events: Vec<String> = batch
            .iter()
            .map(|c| cloud_event(&c.change, c.feature.as_deref(), &self.settings.public_url))
            .collect();
        let body = format!("[{}]", events.join(","));
        let signature = sign(&hook.spec.secret, body.as_bytes());
        let answer = client
            .post(target.url.clone())
            .header("content-type", "application/cloudevents-batch+json")
            .header(SIGNATURE_HEADER, signature)
            .header("covidmap-subscription", &hook.spec.id)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("calling {}: {e}", target.url))?;
        let status = answer.status();
        if status.is_success() {
            metrics::counter!("covidmap_webhook_events_delivered_total")
                .increment(batch.len() as u64);
            Ok(())
        } else {
            Err(format!("{} answered {status}", target.url))
        }
    }
}

/// A client that calls the target's checked addresses only, follows no redirects and gives
/// each call so long.
fn client(target: &Target) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .resolve_to_addrs(&target.host, &target.addresses)
        .redirect(reqwest::redirect::Policy::none())
        // A proxy from the environment would connect elsewhere than the address checked.
        .no_proxy()
        .timeout(CALL_TIMEOUT)
        .user_agent(concat!("covidmap/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("the HTTP client could not be made: {e}"))
}

/// Seconds to wait after `attempts` failures in a row: 1, 2, 4 … up to five minutes, ±20 %
/// so that subscriptions failing together do not retry together.
fn backoff(attempts: i32) -> f64 {
    let base = 2_f64.powi(attempts.clamp(0, 16)).min(MAX_BACKOFF_S);
    let mut byte = [0_u8; 1];
    let jitter = if getrandom::fill(&mut byte).is_ok() {
        0.8 + 0.4 * f64::from(byte[0]) / 255.0
    } else {
        1.0
    };
    base * jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_the_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retries_back_off_to_five_minutes() {
        assert!((0.8..=1.2).contains(&backoff(0)));
        assert!((3.2..=4.8).contains(&backoff(2)));
        assert!(backoff(30) <= MAX_BACKOFF_S * 1.2);
    }
}
