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
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use covidmap_core::agency::{Caller, OrgKind, Organisation};
use covidmap_core::duties::{self, Every, Standing};
use covidmap_core::policy::Policy;
use covidmap_core::Entity;
use covidmap_lookup::Snapshot;
use covidmap_messages::answers::{
    DistrictReporting, DutyStanding, DutyState, Freshness, LayerFreshness,
};
use covidmap_store::{Coverage, SetDuty, Store};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Arc;

known!(FreshnessQuery:);

/// What the public page shows the last change of, beside the operational layers.
const SHOWN_BESIDE_LAYERS: [Entity; 3] = [
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
              (status = 400, description = "A query parameter was given (there are none)", body = crate::error::ErrorAnswer),
              (status = 401, description = "A token was sent but is unknown or revoked", body = crate::error::ErrorAnswer),
              (status = 503, description = "The database does not answer", body = crate::error::ErrorAnswer)))]
pub(crate) async fn freshness<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    MaybeAuthenticated(caller): MaybeAuthenticated,
    _params: Params<FreshnessQuery>,
) -> Result<Response, ApiError> {
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let mut judge = Judge {
        store,
        now: Utc::now(),
        settings: &settings,
        coverage: HashMap::new(),
    };
    let set = store.duties().await?;
    let shown: Vec<Entity> = Entity::LAYERS
        .into_iter()
        .chain(SHOWN_BESIDE_LAYERS)
        .collect();
    let last = store.layers_last_changed(&shown).await?;
    let layers = shown
        .iter()
        .map(|e| LayerFreshness {
            collection: e.url(),
            title: e.title_vi(),
            title_en: e.title_en(),
            last_changed: last.get(e).copied(),
        })
        .collect();
    let figures = judge.districts(&backend.snapshot(), &set).await?;
    let duties = match &caller {
        None => Vec::new(),
        Some(caller) => judge.duties(caller, &set).await?,
    };
    Ok(Json(Freshness {
        now: judge.now,
        layers,
        figures,
        duties,
    })
    .into_response())
}

/// What the standings are worked out from: the time, the store, and each due day's
/// coverage once read.
struct Judge<'a> {
    store: &'a Store,
    now: DateTime<Utc>,
    settings: &'a Settings,
    coverage: HashMap<NaiveDate, HashMap<String, Coverage>>,
}

impl Judge<'_> {
    /// The day a daily duty due by `by` asks for now, with its communes and reports per
    /// unit (read once per day).
    async fn due(
        &mut self,
        by: NaiveTime,
    ) -> Result<(NaiveDate, DateTime<Utc>, &HashMap<String, Coverage>), ApiError> {
        let (day, deadline) = duties::day_due(by, self.now, self.settings.utc_offset);
        let coverage = match self.coverage.entry(day) {
            Entry::Occupied(read) => read.into_mut(),
            Entry::Vacant(unread) => unread.insert(self.store.figures_coverage(day).await?),
        };
        Ok((day, deadline, coverage))
    }

    /// Each district's figures due now, as the health centres' daily duty asks for them
    /// (or another kind's, if only that is set); overdue ones first.
    async fn districts(
        &mut self,
        snapshot: &Snapshot,
        set: &[SetDuty],
    ) -> Result<Vec<DistrictReporting>, ApiError> {
        let daily = |s: &&SetDuty| match s.duty.every {
            Every::DailyBy(by) if s.duty.entity == Entity::DailyFigures => Some((s.duty.kind, by)),
            _ => None,
        };
        let by = set
            .iter()
            .filter_map(|s| daily(&s))
            .min_by_key(|(kind, _)| *kind != OrgKind::DistrictHealthCentre)
            .map(|(_, by)| by);
        let Some(by) = by else {
            return Ok(Vec::new());
        };
        let (now, offset) = (self.now, self.settings.utc_offset);
        let (day, deadline, coverage) = self.due(by).await?;
        let mut rows: Vec<DistrictReporting> = coverage
            .iter()
            .map(|(code, c)| DistrictReporting {
                code: code.clone(),
                name: snapshot.unit(code).map(|u| u.name.clone()),
                day,
                due: deadline,
                communes: c.communes,
                reported: c.reported,
                overdue: duties::daily(by, now, offset, c.reported, c.communes).is_late(),
            })
            .collect();
        rows.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.code.cmp(&b.code)));
        Ok(rows)
    }

    /// The standings `caller` sees (everyone's for those who oversee duties, else its own
    /// organisation's), late ones first.
    async fn duties(
        &mut self,
        caller: &Caller,
        set: &[SetDuty],
    ) -> Result<Vec<DutyStanding>, ApiError> {
        let everyone = Policy::oversees_duties(caller);
        let orgs = self.store.organisations().await?;
        let owed: Vec<(&Organisation, &SetDuty)> = orgs
            .iter()
            .filter(|o| everyone || o.id == caller.org.id)
            .flat_map(|o| {
                set.iter()
                    .filter(|s| s.duty.kind == o.kind)
                    .map(move |s| (o, s))
            })
            .collect();
        let pairs: Vec<(String, Entity)> = owed
            .iter()
            .map(|(org, s)| (org.id.clone(), s.duty.entity))
            .collect();
        let last = self.store.last_changed_by(&pairs).await?;
        let mut standings = Vec::with_capacity(owed.len());
        for (org, s) in owed {
            let last_changed = last.get(&(org.id.clone(), s.duty.entity)).copied();
            standings.push(self.standing(org, s, last_changed).await?);
        }
        standings.sort_by(|a, b| {
            (a.state, &a.org_id, a.collection).cmp(&(b.state, &b.org_id, b.collection))
        });
        Ok(standings)
    }

    /// One organisation's standing with one duty.
    async fn standing(
        &mut self,
        org: &Organisation,
        set: &SetDuty,
        last_changed: Option<DateTime<Utc>>,
    ) -> Result<DutyStanding, ApiError> {
        let (now, offset) = (self.now, self.settings.utc_offset);
        let (judged, detail) = match set.duty.every {
            Every::DailyBy(by) => {
                let (day, _, coverage) = self.due(by).await?;
                let c = answered_for(org, coverage);
                let judged = duties::daily(by, now, offset, c.reported, c.communes);
                let detail = format!(
                    "{} of {} communes have figures for {day}",
                    c.reported, c.communes
                );
                (judged, Some(detail))
            }
            Every::Days(days) => (duties::by_days(days, last_changed, set.set_at, now), None),
        };
        let (state, due) = match judged {
            Standing::Late { since } => (DutyState::Late, Some(since)),
            Standing::OnTime { next_due } => (DutyState::OnTime, Some(next_due)),
            Standing::NoCommunes => (DutyState::NoCommunes, None),
        };
        Ok(DutyStanding {
            org_id: org.id.clone(),
            org_name: org.name.clone(),
            collection: set.duty.entity.url(),
            every: set.duty.every.to_string(),
            last_changed,
            state,
            due,
            detail,
        })
    }
}

/// The communes an organisation answers for, and how many have the day's figures: its
/// district's, or every unit's for a province-wide one.
fn answered_for(org: &Organisation, coverage: &HashMap<String, Coverage>) -> Coverage {
    match &org.district_code {
        Some(district) => coverage.get(district).copied().unwrap_or_default(),
        None => coverage
            .values()
            .fold(Coverage::default(), |sum, c| Coverage {
                communes: sum.communes + c.communes,
                reported: sum.reported + c.reported,
            }),
    }
}
