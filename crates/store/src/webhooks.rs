//! Webhook subscriptions (migration 0012): registered, listed, paused, resumed and deleted by
//! their organisation; leased by one node at a time for delivery, which moves their position
//! in the change log on, or records why it could not.

use crate::changes::bounds_from_row;
use crate::{Result, Store};
use chrono::{DateTime, Utc};
use covidmap_core::change_log::Bounds;
use covidmap_ogc::events::ChangeFilter;
use sqlx::Row as _;

/// A subscription's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HookState {
    /// Delivering.
    Active,
    /// Paused by its organisation.
    Paused,
    /// Given up after failing for the longest time retries go on; resuming retries.
    Failed,
}

impl HookState {
    fn as_str(self) -> &'static str {
        match self {
            HookState::Active => "active",
            HookState::Paused => "paused",
            HookState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> HookState {
        match s {
            "active" => HookState::Active,
            "failed" => HookState::Failed,
            // The table's CHECK allows no other; anything else is not delivered.
            _ => HookState::Paused,
        }
    }
}

/// What a subscription asks for: made by its organisation, kept as it was (its `Debug`
/// leaves the secret out).
#[derive(Clone, PartialEq)]
pub struct HookSpec {
    /// Its id.
    pub id: String,
    /// The organisation it is for.
    pub org_id: String,
    /// Where events are posted.
    pub url: String,
    /// The collections wanted (none: all).
    pub collections: Vec<String>,
    /// Only changes touching this.
    pub bbox: Option<Bounds>,
    /// The key its deliveries are signed with (shown only when it is made).
    pub secret: String,
}

impl HookSpec {
    /// The changes it wants.
    #[must_use]
    pub fn filter(&self) -> ChangeFilter {
        ChangeFilter {
            topics: self.collections.clone(),
            bbox: self.bbox,
        }
    }
}

impl std::fmt::Debug for HookSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookSpec")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("url", &self.url)
            .field("collections", &self.collections)
            .field("bbox", &self.bbox)
            .finish_non_exhaustive()
    }
}

/// A subscription and how far its deliveries have come.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// What it asks for.
    pub spec: HookSpec,
    /// Its state.
    pub state: HookState,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// The last change delivered (or passed over as not wanted).
    pub delivered_through: i64,
    /// When a delivery last succeeded.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Failed attempts in a row.
    pub attempts: i32,
    /// Since when deliveries fail.
    pub failing_since: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, org_id, url, collections, west, south, east, north, secret, state, created_at, \
     delivered_through, delivered_at, attempts, failing_since, last_error, next_attempt_at";

fn hook_from_row(r: &sqlx::postgres::PgRow) -> Result<Hook> {
    let state: String = r.try_get("state")?;
    Ok(Hook {
        spec: HookSpec {
            id: r.try_get("id")?,
            org_id: r.try_get("org_id")?,
            url: r.try_get("url")?,
            collections: r.try_get("collections")?,
            bbox: bounds_from_row(r)?,
            secret: r.try_get("secret")?,
        },
        state: HookState::parse(&state),
        created_at: r.try_get("created_at")?,
        delivered_through: r.try_get("delivered_through")?,
        delivered_at: r.try_get("delivered_at")?,
        attempts: r.try_get("attempts")?,
        failing_since: r.try_get("failing_since")?,
        last_error: r.try_get("last_error")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
    })
}

impl Store {
    /// Registers a subscription, delivering from the latest change on.
    ///
    /// # Errors
    /// The database fails.
    pub async fn create_hook(&self, hook: &HookSpec) -> Result<Hook> {
        let b = hook.bbox;
        let row = sqlx::query(&format!(
            "INSERT INTO webhook_subscriptions (id, org_id, url, collections, west, south, east, north, secret, delivered_through) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce((SELECT max(id) FROM change_log), 0)) RETURNING {COLUMNS}"
        ))
        .bind(&hook.id)
        .bind(&hook.org_id)
        .bind(&hook.url)
        .bind(&hook.collections)
        .bind(b.map(|b| b[0]))
        .bind(b.map(|b| b[1]))
        .bind(b.map(|b| b[2]))
        .bind(b.map(|b| b[3]))
        .bind(&hook.secret)
        .fetch_one(&self.pool)
        .await?;
        hook_from_row(&row)
    }

    /// The subscriptions of `org_id` (`None`: every organisation's), oldest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn hooks(&self, org_id: Option<&str>) -> Result<Vec<Hook>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhook_subscriptions WHERE $1::text IS NULL OR org_id = $1 ORDER BY created_at, id"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(hook_from_row).collect()
    }

    /// One subscription.
    ///
    /// # Errors
    /// The database fails.
    pub async fn hook(&self, id: &str) -> Result<Option<Hook>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(hook_from_row).transpose()
    }

    /// Pauses a subscription, or resumes it (at once, from where it was, its failures
    /// forgotten).
    ///
    /// # Errors
    /// The database fails.
    pub async fn set_hook_state(&self, id: &str, state: HookState) -> Result<Option<Hook>> {
        let row = sqlx::query(&format!(
            "UPDATE webhook_subscriptions SET state = $2, \
                 attempts = CASE WHEN $2 = 'active' THEN 0 ELSE attempts END, \
                 failing_since = CASE WHEN $2 = 'active' THEN NULL ELSE failing_since END, \
                 next_attempt_at = now() \
             WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .bind(id)
        .bind(state.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(hook_from_row).transpose()
    }

    /// Deletes a subscription; whether there was one.
    ///
    /// # Errors
    /// The database fails.
    pub async fn delete_hook(&self, id: &str) -> Result<bool> {
        Ok(
            sqlx::query("DELETE FROM webhook_subscriptions WHERE id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }

    /// Leases, for `node`, for `seconds`, the active subscriptions that are behind `through`,
    /// whose next attempt is due and that no other node holds.
    ///
    /// # Errors
    /// The database fails.
    pub async fn lease_due_hooks(
        &self,
        node: &str,
        through: i64,
        seconds: f64,
    ) -> Result<Vec<Hook>> {
        let rows = sqlx::query(&format!(
            "UPDATE webhook_subscriptions SET leased_by = $1, leased_until = now() + make_interval(secs => $2) \
             WHERE state = 'active' AND next_attempt_at <= now() AND delivered_through < $3 \
               AND (leased_until IS NULL OR leased_until < now()) \
             RETURNING {COLUMNS}"
        ))
        .bind(node)
        .bind(seconds)
        .bind(through)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(hook_from_row).collect()
    }

    /// Records that everything up to `through` was delivered (or not wanted), keeping the
    /// lease for `seconds` more; `false` when the lease is lost (it ran out, another node
    /// holds it now, or the subscription is paused or gone): this node stops delivering it.
    ///
    /// # Errors
    /// The database fails.
    pub async fn hook_delivered(
        &self,
        id: &str,
        node: &str,
        through: i64,
        seconds: f64,
    ) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE webhook_subscriptions SET delivered_through = greatest(delivered_through, $3), delivered_at = now(), \
                 attempts = 0, failing_since = NULL, last_error = NULL, leased_until = now() + make_interval(secs => $4) \
             WHERE id = $1 AND leased_by = $2 AND leased_until > now() AND state = 'active'",
        )
        .bind(id)
        .bind(node)
        .bind(through)
        .bind(seconds)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// Keeps the lease for `seconds` more; `false` when it is lost (as for
    /// [`Store::hook_delivered`]).
    ///
    /// # Errors
    /// The database fails.
    pub async fn renew_hook_lease(&self, id: &str, node: &str, seconds: f64) -> Result<bool> {
        Ok(sqlx::query(
            "UPDATE webhook_subscriptions SET leased_until = now() + make_interval(secs => $3) \
             WHERE id = $1 AND leased_by = $2 AND leased_until > now() AND state = 'active'",
        )
        .bind(id)
        .bind(node)
        .bind(seconds)
        .execute(&self.pool)
        .await?
        .rows_affected()
            > 0)
    }

    /// Records a failed attempt: the next one after `retry_in_s`, or, once deliveries have
    /// failed for `give_up_after_s` (a negative time: at once), none (the subscription fails
    /// until resumed). The lease is let go.
    ///
    /// # Errors
    /// The database fails.
    pub async fn hook_failed(
        &self,
        id: &str,
        node: &str,
        error: &str,
        retry_in_s: f64,
        give_up_after_s: f64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE webhook_subscriptions SET attempts = attempts + 1, last_error = $3, \
                 failing_since = coalesce(failing_since, now()), \
                 next_attempt_at = now() + make_interval(secs => $4), \
                 state = CASE WHEN coalesce(failing_since, now()) < now() - make_interval(secs => $5) THEN 'failed' ELSE state END, \
                 leased_by = NULL, leased_until = NULL \
             WHERE id = $1 AND leased_by = $2 AND state = 'active'",
        )
        .bind(id)
        .bind(node)
        .bind(error)
        .bind(retry_in_s)
        .bind(give_up_after_s)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Lets a lease go (nothing more to deliver now).
    ///
    /// # Errors
    /// The database fails.
    pub async fn release_hook(&self, id: &str, node: &str) -> Result<()> {
        sqlx::query(
            "UPDATE webhook_subscriptions SET leased_by = NULL, leased_until = NULL WHERE id = $1 AND leased_by = $2",
        )
        .bind(id)
        .bind(node)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
