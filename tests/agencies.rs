//! Organisations, tokens, and versioned edits with their audit trail, against PostGIS.

#![allow(clippy::unwrap_used)] // helpers of tests: a failed step fails the test

use chrono::Utc;
use covidmap_core::agency::{OrgKind, Organisation, Role};
use covidmap_core::layers::{Declaration, LockdownZone};
use covidmap_core::Entity;
use covidmap_store::{Author, StoreError, Write};
use covidmap_tests::TestDb;
use geo::{polygon, MultiPolygon};

fn vinh() -> Organisation {
    Organisation {
        id: "ubnd-412".into(),
        name: "UBND thành phố Vinh".into(),
        kind: OrgKind::DistrictCommittee,
        district_code: Some("412".into()),
    }
}

fn author(token_id: Option<i64>) -> Author {
    Author {
        org_id: "ubnd-412".into(),
        org_name: "UBND thành phố Vinh".into(),
        token_id,
    }
}

fn zone(id: &str, name: &str, x: f64, y: f64) -> LockdownZone {
    LockdownZone {
        id: id.into(),
        name: name.into(),
        declaration: Declaration {
            level: 4,
            active: true,
            reason: "ca mắc trong cộng đồng".into(),
            declared_by: "UBND thành phố Vinh".into(),
            started_at: Utc::now(),
            planned_end: None,
            lifted_at: None,
        },
        unit_codes: vec![],
        area: MultiPolygon(vec![polygon![
            (x: x, y: y), (x: x + 0.002, y: y), (x: x + 0.002, y: y + 0.002), (x: x, y: y + 0.002)
        ]]),
    }
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_stop_working_when_revoked() {
    let db = TestDb::new().await;
    db.store.add_organisation(&vinh()).await.unwrap();
    let (info, secret) = db
        .store
        .create_token("ubnd-412", Role::Editor, "trực ban")
        .await
        .unwrap();
    assert!(secret.starts_with("cm_") && secret.len() == 67, "{secret}");
    // Only the hash is kept: its SHA-256 is there, the secret itself in no column.
    let (hashed, plain): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE secret_hash = sha256(convert_to($1, 'UTF8'))), \
                count(*) FILTER (WHERE to_jsonb(t)::text LIKE '%' || substr($1, 4) || '%') \
         FROM api_tokens t",
    )
    .bind(&secret)
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!((hashed, plain), (1, 0));
    assert_eq!(info.last_used_at, None);

    let caller = db.store.authenticate(&secret).await.unwrap().unwrap();
    assert_eq!((caller.token_id, caller.role), (info.id, Role::Editor));
    assert_eq!(caller.org, vinh());
    let listed = db.store.tokens(Some("ubnd-412")).await.unwrap();
    assert!(listed[0].last_used_at.is_some(), "use is noted");

    assert_eq!(db.store.authenticate("cm_0000").await.unwrap(), None);
    assert_eq!(db.store.authenticate("Bearer x").await.unwrap(), None);
    assert!(db.store.revoke_token(info.id).await.unwrap());
    assert!(
        !db.store.revoke_token(info.id).await.unwrap(),
        "revoked once"
    );
    assert_eq!(db.store.authenticate(&secret).await.unwrap(), None);

    let unknown = db.store.create_token("nobody", Role::Viewer, "").await;
    assert!(matches!(unknown, Err(StoreError::NoSuchOrganisation(_))));
}

#[tokio::test]
async fn every_edit_is_a_version_with_its_audit_entry_and_can_be_reverted() {
    let db = TestDb::with_districts().await;
    db.store.add_organisation(&vinh()).await.unwrap();
    let p = db.interior_point("412").await;
    let first = db
        .store
        .put_zone(
            &zone("z1", "Phong toả khối 3", p.x(), p.y()),
            Write::Create,
            &author(None),
        )
        .await
        .unwrap();
    assert_eq!(first.before, None);
    assert_eq!(first.after["name"], "Phong toả khối 3");
    assert_eq!(first.after["geometry"]["type"], "MultiPolygon");

    let renamed = zone("z1", "Phong toả khối 3 và 4", p.x(), p.y());
    let second = db
        .store
        .put_zone(&renamed, Write::Update, &author(None))
        .await
        .unwrap();
    assert_eq!(second.before.as_ref().unwrap()["name"], "Phong toả khối 3");
    let lifted = db
        .store
        .lift(Entity::LockdownZones, "z1", None, &author(None))
        .await
        .unwrap();
    assert_eq!(lifted.after["status"], "lifted");
    assert_eq!(lifted.after["name"], "Phong toả khối 3 và 4");
    let twice = db
        .store
        .lift(Entity::LockdownZones, "z1", None, &author(None))
        .await;
    assert!(matches!(twice, Err(StoreError::AlreadyLifted { .. })));
    let again = db
        .store
        .put_zone(&renamed, Write::Create, &author(None))
        .await;
    assert!(matches!(again, Err(StoreError::Exists { .. })));
    let missing = zone("nope", "x", p.x(), p.y());
    let update = db
        .store
        .put_zone(&missing, Write::Update, &author(None))
        .await;
    assert!(matches!(update, Err(StoreError::NotCurrent { .. })));

    let reverted = db
        .store
        .revert(
            Entity::LockdownZones,
            "z1",
            first.version_id,
            Some(lifted.version_id),
            &author(None),
        )
        .await
        .unwrap();
    assert_eq!(reverted.after["name"], "Phong toả khối 3");
    assert_eq!(reverted.after["status"], "active");
    assert_ne!(
        reverted.version_id, first.version_id,
        "a revert is a new version"
    );

    let history = db.store.history(Entity::LockdownZones, "z1").await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "lift", "revert"]);
    assert!(history.iter().all(|e| e.org_id == "ubnd-412"));
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM lockdown_zones WHERE id = 'z1'")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(versions, 4, "every version is kept");

    let missing = db
        .store
        .revert(Entity::LockdownZones, "z1", 999_999, None, &author(None))
        .await;
    assert!(matches!(missing, Err(StoreError::NoSuchVersion { .. })));
    // The audit log cannot be rewritten.
    let rewrite = sqlx::query("UPDATE audit_log SET action = 'nothing'")
        .execute(db.store.pool())
        .await;
    assert!(rewrite.is_err());
}

#[tokio::test]
async fn two_creations_of_one_zone_at_once_end_with_one_zone_and_a_conflict() {
    let db = TestDb::with_districts().await;
    db.store.add_organisation(&vinh()).await.unwrap();
    let p = db.interior_point("412").await;
    let (a, b) = (
        zone("same", "first", p.x(), p.y()),
        zone("same", "second", p.x(), p.y()),
    );
    let (author_a, author_b) = (author(None), author(None));
    let (ra, rb) = tokio::join!(
        db.store.put_zone(&a, Write::Create, &author_a),
        db.store.put_zone(&b, Write::Create, &author_b)
    );
    let results = [ra, rb];
    let current: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM lockdown_zones WHERE id = 'same' AND valid_to IS NULL",
    )
    .fetch_one(db.store.pool())
    .await
    .unwrap();
    assert_eq!(current, 1);
    let audits: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE entity_id = 'same'")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        audits,
        i64::try_from(ok).unwrap(),
        "one audit entry per write that stood"
    );
    for r in &results {
        if let Err(e) = r {
            assert!(
                matches!(e, StoreError::Conflict { .. } | StoreError::Exists { .. }),
                "{e}"
            );
        }
    }
}
