//! `covidmap org …` and `covidmap token …`: the agencies and their API tokens.

use crate::args::{Global, OrgAction, OrgArgs, TokenAction, TokenArgs};
use crate::database;
use anyhow::bail;
use covidmap_core::agency::Organisation;

pub async fn org(global: &Global, args: OrgArgs) -> anyhow::Result<()> {
    let db = database::open(global).await?;
    let result = match args.action {
        OrgAction::List => {
            for o in db.store.organisations().await? {
                let district = o.district_code.as_deref().unwrap_or("-");
                println!(
                    "{:<16} {:<24} {:<8} {}",
                    o.id,
                    o.kind.as_str(),
                    district,
                    o.name
                );
            }
            Ok(())
        }
        OrgAction::Add {
            id,
            name,
            kind,
            district,
        } => {
            if kind.is_per_district() != district.is_some() {
                bail!(
                    "--district: a {kind} {}",
                    if kind.is_per_district() {
                        "belongs to one district; give its code"
                    } else {
                        "works province-wide; leave --district out"
                    }
                );
            }
            let org = Organisation {
                id,
                name,
                kind,
                district_code: district,
            };
            db.store.add_organisation(&org).await?;
            println!("organisation {} ({}) added", org.id, org.kind);
            Ok(())
        }
    };
    db.store.close().await;
    result
}

pub async fn token(global: &Global, args: TokenArgs) -> anyhow::Result<()> {
    let db = database::open(global).await?;
    let result = match args.action {
        TokenAction::Create { org, role, label } => {
            let (info, secret) = db.store.create_token(&org, role, &label).await?;
            eprintln!(
                "token {} for {} ({}); it is shown this once, keep it safe:",
                info.id, info.org_id, info.role
            );
            println!("{secret}");
            Ok(())
        }
        TokenAction::List { org } => {
            let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(
                    || "-".to_owned(),
                    |t| t.format("%Y-%m-%d %H:%M").to_string(),
                )
            };
            println!(
                "{:>5} {:<16} {:<7} {:<16} {:<16} {:<16} label",
                "id", "org", "role", "created", "last used", "revoked"
            );
            for t in db.store.tokens(org.as_deref()).await? {
                println!(
                    "{:>5} {:<16} {:<7} {:<16} {:<16} {:<16} {}",
                    t.id,
                    t.org_id,
                    t.role.as_str(),
                    when(Some(t.created_at)),
                    when(t.last_used_at),
                    when(t.revoked_at),
                    t.label
                );
            }
            Ok(())
        }
        TokenAction::Revoke { id } => {
            if db.store.revoke_token(id).await? {
                println!("token {id} revoked");
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "no token {id} to revoke (unknown, or revoked already); `covidmap token list` lists them"
                ))
            }
        }
    };
    db.store.close().await;
    result
}
