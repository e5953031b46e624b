//! Organisations and their API tokens.
//!
//! A token is `cm_` and 64 hex digits from the operating system's random source; it is shown
//! once, when it is made, and only its SHA-256 is stored (a token carries 256 bits of chance,
//! so a fast hash is enough: there is nothing to guess from it). Tokens are revoked, never
//! deleted, so the audit log can always say which token wrote what.

use crate::{Result, Store, StoreError};
use chrono::{DateTime, Utc};
use covidmap_core::agency::{Caller, OrgKind, Organisation, Role};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// What begins every token.
pub const TOKEN_PREFIX: &str = "cm_";

/// A token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its number.
    pub id: i64,
    /// Its organisation.
    pub org_id: String,
    /// What it may do.
    pub role: Role,
    /// A note saying what it is for.
    pub label: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was last accepted.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn new_secret() -> Result<String> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{TOKEN_PREFIX}{hex}"))
}

fn organisation(row: &sqlx::postgres::PgRow) -> Result<Organisation> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let kind = kind.parse::<OrgKind>().map_err(|_| StoreError::Unknown {
        code: id.clone(),
        what: "organisation kind",
        value: kind,
    })?;
    Ok(Organisation {
        id,
        name: row.try_get("name")?,
        kind,
        district_code: row.try_get("district_code")?,
    })
}

fn role(id: i64, value: String) -> Result<Role> {
    value.parse::<Role>().map_err(|_| StoreError::Unknown {
        code: format!("token {id}"),
        what: "role",
        value,
    })
}

fn token(row: &sqlx::postgres::PgRow) -> Result<TokenInfo> {
    let id: i64 = row.try_get("id")?;
    Ok(TokenInfo {
        id,
        org_id: row.try_get("org_id")?,
        role: role(id, row.try_get("role")?)?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Adds an organisation, or leaves it as it is when one with its id exists.
    ///
    /// # Errors
    /// The database refuses it (a bad id, or a district missing for a per-district kind).
    pub async fn add_organisation(&self, org: &Organisation) -> Result<()> {
        sqlx::query(
            "INSERT INTO organisations (id, name, kind, district_code) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&org.id)
        .bind(&org.name)
        .bind(org.kind.as_str())
        .bind(&org.district_code)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Every organisation, by id.
    ///
    /// # Errors
    /// The database fails.
    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        let rows =
            sqlx::query("SELECT id, name, kind, district_code FROM organisations ORDER BY id")
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(organisation).collect()
    }

    /// Makes a token for an organisation; returns it with its secret, which is not kept.
    ///
    /// # Errors
    /// No organisation has that id, or the database fails.
    pub async fn create_token(
        &self,
        org_id: &str,
        role: Role,
        label: &str,
    ) -> Result<(TokenInfo, String)> {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM organisations WHERE id = $1)")
                .bind(org_id)
                .fetch_one(self.pool())
                .await?;
        if !exists {
            return Err(StoreError::NoSuchOrganisation(org_id.to_owned()));
        }
        let secret = new_secret()?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (org_id, role, secret_hash, label) VALUES ($1, $2, $3, $4) \
             RETURNING id, org_id, role, label, created_at, last_used_at, revoked_at",
        )
        .bind(org_id)
        .bind(role.as_str())
        .bind(hash(&secret))
        .bind(label)
        .fetch_one(self.pool())
        .await?;
        Ok((token(&row)?, secret))
    }

    /// Every token (of one organisation, when given), newest first.
    ///
    /// # Errors
    /// The database fails.
    pub async fn tokens(&self, org_id: Option<&str>) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT id, org_id, role, label, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE $1::text IS NULL OR org_id = $1 ORDER BY id DESC",
        )
        .bind(org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(token).collect()
    }

    /// Revokes a token; `false` when there is no such token or it was revoked already.
    ///
    /// # Errors
    /// The database fails.
    pub async fn revoke_token(&self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The caller a presented token stands for, noting its use; `None` when the token is
    /// unknown or revoked.
    ///
    /// # Errors
    /// The database fails.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Caller>> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let row = sqlx::query(
            "UPDATE api_tokens t SET last_used_at = now() FROM organisations o \
             WHERE t.secret_hash = $1 AND t.revoked_at IS NULL AND o.id = t.org_id \
             RETURNING t.id AS token_id, t.role, o.id, o.name, o.kind, o.district_code",
        )
        .bind(hash(secret))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let token_id: i64 = row.try_get("token_id")?;
        Ok(Some(Caller {
            token_id,
            role: role(token_id, row.try_get("role")?)?,
            org: organisation(&row)?,
        }))
    }
}
