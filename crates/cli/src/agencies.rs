//! `covidmap org …`, `covidmap token …` and `covidmap duties …`: the agencies, their API
//! tokens, and what each kind must keep current.

use crate::args::{DutiesAction, DutiesArgs, Global, OrgAction, OrgArgs, TokenAction, TokenArgs};
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

pub async fn duties(global: &Global, args: DutiesArgs) -> anyhow::Result<()> {
    use covidmap_core::duties::Duty;
    let db = database::open(global).await?;
    let result = match args.action {
        DutiesAction::List => db
            .store
            .duties()
            .await
            .map_err(anyhow::Error::from)
            .map(|set| {
                for s in set {
                    println!(
                        "{:<20} {:<24} {:<12} set {}",
                        s.duty.entity.name(),
                        s.duty.kind.as_str(),
                        s.duty.every,
                        s.set_at.format("%Y-%m-%d %H:%M UTC")
                    );
                }
            }),
        DutiesAction::Set {
            entity,
            kind,
            every,
        } => match Duty::parse(&entity, &kind, &every) {
            Ok(duty) => db
                .store
                .set_duty(&duty)
                .await
                .map_err(anyhow::Error::from)
                .map(|()| {
                    println!(
                        "{} keep {} current: {}",
                        duty.kind,
                        duty.entity.name(),
                        duty.every
                    );
                }),
            Err(e) => Err(anyhow::anyhow!("duty {entity} {kind} {every}: {e}")),
        },
        DutiesAction::Remove { entity, kind } => match covidmap_core::Entity::parse(&entity) {
            Err(e) => Err(anyhow::anyhow!("entity: {e}")),
            Ok(e) => match db.store.remove_duty(e, &kind).await {
                Ok(true) => {
                    println!("duty of {kind} to keep {} removed", e.name());
                    Ok(())
                }
                Ok(false) => Err(anyhow::anyhow!(
                    "no duty of {kind} to keep {}; `covidmap duties list` shows them",
                    e.name()
                )),
                Err(e) => Err(e.into()),
            },
        },
    };
    db.store.close().await;
    result
}
