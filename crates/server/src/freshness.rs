//! Who is late: when each layer last changed, whether each district's figures due now are
//! in, and each organisation's standing with its duties (`covidmap_core::duties`).

use crate::auth::MaybeAuthenticated;
use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::{known, Params};
use crate::router::Settings;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Utc};
use covidmap_core::agency::{Caller, Organisation};
use covidmap_core::duties::{self, Every, Standing};
use covidmap_core::policy::Policy;
use covidmap_core::Entity;
use covidmap_messages::answers::{DistrictReporting, DutyStanding, Freshness, LayerFreshness};
use covidmap_store::{Coverage, SetDuty};
use std::collections::HashMap;
use std::sync::Arc;

known!(FreshnessQuery:);

/// The layers whose last change the public page shows.
const SHOWN: [Entity; 10] = [
    Entity::LockdownZones,
    Entity::LockdownPoints,
    Entity::Checkpoints,
    Entity::QuarantineCamps,
    Entity::TestingSites,
    Entity::EssentialServices,
    Entity::CommuneLevels,
    Entity::DailyFigures,
    Entity::ReturningWorkers,
    Entity::Directives,
];

/// The freshness route.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new().route("/api/v1/freshness", get(freshness::<B>))
}

/// `GET /api/v1/freshness`: each layer's last change, the figures due now per district, and
/// the duties the caller may see.
#[utoipa::path(get, path = "/api/v1/freshness", tag = "figures",
    responses((status = 200, description = "Layers, districts' figures and duties; late ones first", body = Freshness),
              (status = 401, description = "A token was sent but is unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 503, description = "The database does not answer", body = crate::error::ErrorAnswer)))]
pub(crate) async fn freshness<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    _params: Params<FreshnessQuery>,
) -> Result<Response, ApiError> {
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let now = Utc::now();
    let snapshot = backend.snapshot();
    let set = store.duties().await?;
    let by = set.iter().find_map(|s| match s.duty.every {
        Every::DailyBy(by) if s.duty.entity == Entity::DailyFigures => Some(by),
        _ => None,
    });
    let coverage = match by {
        Some(by) => {
            let (day, due) = duties::day_due(by, now, settings.utc_offset);
            Some((day, due, store.figures_coverage(day).await?))
        }
        None => None,
    };
    let last = store.layers_last_changed(&SHOWN).await?;
    let layers = SHOWN
        .iter()
        .map(|e| LayerFreshness {
            collection: e.url(),
            title: e.title_vi(),
            title_en: e.title_en(),
            last_changed: last.get(e).copied(),
        })
        .collect();
    let figures = coverage
        .as_ref()
        .map(|(day, due, by_unit)| {
            let mut rows: Vec<DistrictReporting> = by_unit
                .iter()
                .map(|(code, c)| DistrictReporting {
                    code: code.clone(),
                    name: snapshot.unit(code).map(|u| u.name.clone()),
                    day: *day,
                    due: *due,
                    communes: c.communes,
                    reported: c.reported,
                    overdue: c.reported < c.communes,
                })
                .collect();
            rows.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.code.cmp(&b.code)));
            rows
        })
        .unwrap_or_default();
    let orgs = match &caller {
        None => Vec::new(),
        Some(_) => store.organisations().await?,
    };
    let owed = caller
        .as_ref()
        .map(|caller| seen_duties(caller, &orgs, &set))
        .unwrap_or_default();
    let pairs: Vec<(String, Entity)> = owed
        .iter()
        .map(|(org, s)| (org.id.clone(), s.duty.entity))
        .collect();
    let last_by = store.last_changed_by(&pairs).await?;
    // A district's organisation answers for its communes, a province-wide one for all.
    let coverage_of = |org: &Organisation| -> Coverage {
        let Some((_, _, by_unit)) = &coverage else {
            return Coverage::default();
        };
        match &org.district_code {
            Some(district) => by_unit.get(district).copied().unwrap_or_default(),
            None => by_unit
                .values()
                .fold(Coverage::default(), |sum, c| Coverage {
                    communes: sum.communes + c.communes,
                    reported: sum.reported + c.reported,
                }),
        }
    };
    let mut standings: Vec<DutyStanding> = owed
        .iter()
        .map(|(org, s)| {
            let last_changed = last_by.get(&(org.id.clone(), s.duty.entity)).copied();
            standing(
                org,
                s,
                last_changed,
                now,
                &settings,
                coverage_of(org),
                &coverage,
            )
        })
        .collect();
    standings.sort_by(|a, b| {
        (a.state != "late")
            .cmp(&(b.state != "late"))
            .then(a.org_id.cmp(&b.org_id))
            .then(a.collection.cmp(b.collection))
    });
    Ok(Json(Freshness {
        now,
        layers,
        figures,
        duties: standings,
    })
    .into_response())
}

/// The duties `caller` sees, with whom they fall on: every organisation's for those who
/// oversee them, else its own organisation's.
fn seen_duties<'a>(
    caller: &Caller,
    orgs: &'a [Organisation],
    set: &'a [SetDuty],
) -> Vec<(&'a Organisation, &'a SetDuty)> {
    let everyone = Policy::oversees_duties(caller);
    orgs.iter()
        .filter(|o| everyone || o.id == caller.org.id)
        .flat_map(|o| {
            set.iter()
                .filter(|s| s.duty.kind == o.kind)
                .map(move |s| (o, s))
        })
        .collect()
}

/// One organisation's standing with one duty.
fn standing(
    org: &Organisation,
    set: &SetDuty,
    last_changed: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    settings: &Settings,
    coverage: Coverage,
    due_day: &Option<(chrono::NaiveDate, DateTime<Utc>, HashMap<String, Coverage>)>,
) -> DutyStanding {
    let (judged, detail) = match set.duty.every {
        Every::DailyBy(by) => {
            let judged = duties::daily(
                by,
                now,
                settings.utc_offset,
                coverage.reported,
                coverage.communes,
            );
            let day = due_day
                .as_ref()
                .map(|(d, _, _)| d.to_string())
                .unwrap_or_default();
            let detail = format!(
                "{} of {} communes have figures for {day}",
                coverage.reported, coverage.communes
            );
            (judged, Some(detail))
        }
        Every::Days(days) => (duties::by_days(days, last_changed, set.set_at, now), None),
    };
    let (state, due) = match judged {
        Standing::Late { since } => ("late", since),
        Standing::OnTime { next_due } => ("on_time", next_due),
    };
    DutyStanding {
        org_id: org.id.clone(),
        org_name: org.name.clone(),
        collection: set.duty.entity.url(),
        every: set.duty.every.to_string(),
        last_changed,
        state,
        due,
        detail,
    }
}
