//! The one answer to "may this organisation write this, here?", for every way in: the JSON
//! API, boundary uploads and their reverts, history reverts, CSV imports. Its rules are the
//! two tables below ([`KEEPS`], [`MANAGES`]) and the reach of each kind of organisation
//! ([`Organisation::scope`]); they read as the README's table of organisations.
//!
//! A change is checked as every write it makes: a new entity as it will be; an update or a
//! revert both as the entity stands and as it will stand, so nobody edits, lifts or restores
//! their way into what is another's.

mod places;
pub mod reach;

pub use places::{described, Places};

use crate::agency::{Caller, OrgKind, Role, Scope};
use crate::{Entity, Level};
use geo::{MultiPolygon, Point};

/// What each kind of organisation keeps (before roles and jurisdiction).
pub const KEEPS: [(OrgKind, &[Entity]); 8] = {
    use Entity::*;
    [
        (OrgKind::ProvincialOffice, &Entity::ALL),
        (
            OrgKind::DistrictCommittee,
            &[Boundaries, LockdownZones, LockdownPoints],
        ),
        (
            OrgKind::DistrictHealthCentre,
            &[TestingSites, DailyFigures, QuarantineCamps],
        ),
        (
            OrgKind::Cdc,
            &[TestingSites, DailyFigures, CommuneLevels, QuarantineCamps],
        ),
        (OrgKind::Police, &[Checkpoints]),
        (OrgKind::Military, &[Checkpoints, QuarantineCamps]),
        (OrgKind::IndustryTrade, &[EssentialServices]),
        (OrgKind::Labour, &[ReturningWorkers, SupportPolicies]),
    ]
};

/// Who manages which checkpoints and camps (their `managed_by`): each changes only its own;
/// the provincial office changes any.
pub const MANAGES: [(OrgKind, Entity, &str); 5] = [
    (OrgKind::Police, Entity::Checkpoints, "police"),
    (OrgKind::Military, Entity::Checkpoints, "military"),
    (OrgKind::Military, Entity::QuarantineCamps, "military"),
    (OrgKind::Cdc, Entity::QuarantineCamps, "health"),
    (
        OrgKind::DistrictHealthCentre,
        Entity::QuarantineCamps,
        "health",
    ),
];

/// What an organisation of this kind keeps.
#[must_use]
pub fn keeps(kind: OrgKind) -> &'static [Entity] {
    KEEPS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, entities)| entities)
}

/// What an organisation of this kind writes as `managed_by` on an entity, if it manages
/// such things.
#[must_use]
pub fn own_manager(kind: OrgKind, entity: Entity) -> Option<&'static str> {
    MANAGES
        .iter()
        .find(|(k, e, _)| *k == kind && *e == entity)
        .map(|(_, _, manager)| *manager)
}

/// Where a write lands.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// Nowhere in particular (a document; a first check before the body is read).
    Anywhere,
    /// An area drawn: every part of it.
    Area(MultiPolygon<f64>),
    /// A point with a radius (a lockdown point): the whole circle.
    Circle(Point<f64>, f64),
    /// A point (a facility).
    Point(Point<f64>),
    /// Whole units by code (a zone declared over hamlets): every code.
    Units(Vec<String>),
    /// One commune, by code (figures, levels, returning workers).
    Commune(String),
    /// Boundaries of one level: the units written and the parents they lie in (an upload,
    /// or the revert of one).
    Boundaries {
        /// The level.
        level: Level,
        /// Codes of the units written, changed or removed.
        codes: Vec<String>,
        /// Codes of their parents: each must be a current unit of the caller's.
        parents: Vec<String>,
        /// The outlines written, by code: each must lie in the caller's district, as a drawn
        /// area must.
        outlines: Vec<(String, MultiPolygon<f64>)>,
    },
}

/// One write, as the policy sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// What is written.
    pub entity: Entity,
    /// Which one, in words ("the zone as it stands", "line 3"), for refusals.
    pub what: String,
    /// Where.
    pub place: Place,
    /// Who manages it (checkpoints and camps).
    pub managed_by: Option<String>,
}

impl Action {
    /// A write of `entity` at `place`, called "the <noun>" in refusals.
    #[must_use]
    pub fn new(entity: Entity, place: Place) -> Self {
        Action {
            entity,
            what: format!("the {}", entity.noun()),
            place,
            managed_by: None,
        }
    }

    /// The same, called `what` in refusals.
    #[must_use]
    pub fn called(mut self, what: impl Into<String>) -> Self {
        self.what = what.into();
        self
    }

    /// The same, managed by `manager`.
    #[must_use]
    pub fn managed_by(mut self, manager: Option<String>) -> Self {
        self.managed_by = manager;
        self
    }
}

/// Why a write is refused (HTTP 403): the words are shown to the agency as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The token may only read.
    #[error("this token has the role `viewer`, which writes nothing; ask for an `editor` token")]
    ReadOnly,
    /// The organisation's kind does not keep the entity.
    #[error("{org} ({kind}) may not write {entity}: {keepers}")]
    NotTheirs {
        /// The organisation's name.
        org: String,
        /// Its kind.
        kind: OrgKind,
        /// The entity.
        entity: Entity,
        /// Who does keep it.
        keepers: String,
    },
    /// A place lies outside the organisation's district.
    #[error("{org} may only write inside its district, {district}; {what} {found}")]
    OutsideDistrict {
        /// The organisation's name.
        org: String,
        /// Its district, in words.
        district: String,
        /// What was being written.
        what: String,
        /// Where it lies ("lies in Huyện Nghi Lộc (413)", "reaches 2.3 km into …").
        found: String,
    },
    /// A unit named belongs to another district.
    #[error("{unit} lies in {found}, not in {district}, the district of {org}; a district writes only its own communes and hamlets")]
    UnitElsewhere {
        /// The unit, in words.
        unit: String,
        /// Where it lies.
        found: String,
        /// The organisation's district's code.
        district: String,
        /// The organisation's name.
        org: String,
    },
    /// District boundaries are the provincial office's.
    #[error(
        "{org} uploads its communes and hamlets; district boundaries are the provincial office's"
    )]
    DistrictBoundaries {
        /// The organisation's name.
        org: String,
    },
    /// A checkpoint or camp another agency manages.
    #[error("{what} is managed by {manager}; only they or the provincial office may change it")]
    ManagedByOther {
        /// What was being written.
        what: String,
        /// Who manages it.
        manager: String,
    },
}

/// The write policy over the map as it stands.
#[derive(Clone, Copy)]
pub struct Policy<'a> {
    places: &'a (dyn Places + Sync),
}

impl<'a> Policy<'a> {
    /// The policy over these units.
    #[must_use]
    pub fn new(places: &'a (dyn Places + Sync)) -> Self {
        Policy { places }
    }

    /// Whether `caller` may make this write.
    ///
    /// # Errors
    /// The refusal, naming the real reason.
    pub fn check(&self, caller: &Caller, action: &Action) -> Result<(), Refusal> {
        let org = &caller.org;
        if caller.role == Role::Viewer {
            return Err(Refusal::ReadOnly);
        }
        if !keeps(org.kind).contains(&action.entity) {
            return Err(Refusal::NotTheirs {
                org: org.name.clone(),
                kind: org.kind,
                entity: action.entity,
                keepers: keepers(action.entity),
            });
        }
        if let (Some(own), Some(manager)) = (
            own_manager(org.kind, action.entity),
            action.managed_by.as_deref(),
        ) {
            if own != manager {
                return Err(Refusal::ManagedByOther {
                    what: action.what.clone(),
                    manager: manager.to_owned(),
                });
            }
        }
        match org.scope() {
            Scope::Province => Ok(()),
            Scope::District(district) => self.within(caller, &district, action),
        }
    }

    /// Whether `caller` may register webhooks: an editor token of any organisation (what
    /// they carry is public; a viewer's token writes nothing, a subscription neither).
    ///
    /// # Errors
    /// A viewer's token.
    pub fn may_subscribe(caller: &Caller) -> Result<(), Refusal> {
        if caller.role == Role::Viewer {
            return Err(Refusal::ReadOnly);
        }
        Ok(())
    }

    /// Whether `caller` may see and change a subscription of the organisation `owner`: its
    /// own organisation's; the provincial office, which oversees everyone's, any.
    #[must_use]
    pub fn manages_subscription(caller: &Caller, owner: &str) -> bool {
        caller.org.id == owner || Self::oversees_subscriptions(caller)
    }

    /// Whether `caller` sees and changes every organisation's subscriptions.
    #[must_use]
    pub fn oversees_subscriptions(caller: &Caller) -> bool {
        caller.org.kind == OrgKind::ProvincialOffice
    }

    /// Whether `caller` sees every organisation's duties and who is late: the provincial
    /// office, which oversees everyone's data, and the CDC, which the province's instruction
    /// asks to review the agencies' data periodically (the late table is theirs to act on).
    #[must_use]
    pub fn oversees_duties(caller: &Caller) -> bool {
        matches!(caller.org.kind, OrgKind::ProvincialOffice | OrgKind::Cdc)
    }

    /// What `caller` may write at all (somewhere).
    #[must_use]
    pub fn writable(caller: &Caller) -> &'static [Entity] {
        if caller.role == Role::Editor {
            keeps(caller.org.kind)
        } else {
            &[]
        }
    }

    /// Whether the action's place lies in `district`.
    fn within(&self, caller: &Caller, district: &str, action: &Action) -> Result<(), Refusal> {
        let outside = |found: String| self.outside(caller, district, &action.what, found);
        match &action.place {
            Place::Anywhere => Ok(()),
            Place::Point(point) => match self.places.unit(district) {
                Some(d) if reach::near(&d.geometry, *point) => Ok(()),
                _ => Err(outside(format!("lies in {}", self.district_at(*point)))),
            },
            Place::Area(area) => self.area_within(district, area, &outside),
            Place::Circle(centre, radius_m) => {
                self.area_within(district, &reach::circle(*centre, *radius_m), &outside)
            }
            Place::Units(codes) => codes
                .iter()
                .try_for_each(|code| self.unit_within(caller, district, code)),
            Place::Commune(code) => self.unit_within(caller, district, code),
            Place::Boundaries {
                level,
                codes,
                parents,
                outlines,
            } => {
                if matches!(level, Level::District | Level::Province) {
                    return Err(Refusal::DistrictBoundaries {
                        org: caller.org.name.clone(),
                    });
                }
                codes
                    .iter()
                    .try_for_each(|code| self.boundary_within(caller, district, *level, code))?;
                parents
                    .iter()
                    .try_for_each(|code| self.unit_within(caller, district, code))?;
                outlines.iter().try_for_each(|(code, outline)| {
                    let what = format!("{} {code}", level.as_str());
                    let outside = |found| self.outside(caller, district, &what, found);
                    self.area_within(district, outline, &outside)
                })
            }
        }
    }

    /// An area must lie in the district but for the digitising tolerance.
    fn area_within(
        &self,
        district: &str,
        area: &MultiPolygon<f64>,
        outside: &dyn Fn(String) -> Refusal,
    ) -> Result<(), Refusal> {
        let Some(d) = self.places.unit(district) else {
            return Err(outside("lies in no district known".into()));
        };
        match reach::overreach(area, &d.geometry) {
            None => Ok(()),
            Some(over) if over.is_tolerable() => Ok(()),
            Some(over) => Err(outside(format!(
                "reaches {} past its border, into {} ({} outside in all; at most {} m and {} m² are allowed for drawing error)",
                metres(over.reach_m),
                self.district_at(over.farthest),
                square_metres(over.area_m2),
                reach::MAX_REACH_M,
                reach::MAX_OUTSIDE_M2
            ))),
        }
    }

    /// A unit named by code must be one of the district's.
    fn unit_within(&self, caller: &Caller, district: &str, code: &str) -> Result<(), Refusal> {
        match self.places.district_of(code) {
            Some(d) if d.code == district => Ok(()),
            found => Err(Refusal::UnitElsewhere {
                unit: self
                    .places
                    .unit(code)
                    .map_or_else(|| format!("{code:?}"), described),
                found: found.map_or_else(|| "no district of the province".into(), described),
                district: district.to_owned(),
                org: caller.org.name.clone(),
            }),
        }
    }

    /// A boundary code: a unit that exists must be the district's now; a new hamlet's code
    /// begins with its commune's, which must be the district's (`17833-02` is Nghi Lộc's,
    /// whatever parent the file gives it).
    fn boundary_within(
        &self,
        caller: &Caller,
        district: &str,
        level: Level,
        code: &str,
    ) -> Result<(), Refusal> {
        if self.places.unit(code).is_some() {
            return self.unit_within(caller, district, code);
        }
        let prefix = code.split_once('-').map(|(commune, _)| commune);
        match prefix.and_then(|p| self.places.unit(p)) {
            Some(commune) if level == Level::Hamlet && commune.level == Level::Commune => {
                self.unit_within(caller, district, &commune.code)
            }
            _ => Ok(()),
        }
    }

    fn outside(&self, caller: &Caller, district: &str, what: &str, found: String) -> Refusal {
        Refusal::OutsideDistrict {
            org: caller.org.name.clone(),
            district: self
                .places
                .unit(district)
                .map_or_else(|| district.to_owned(), described),
            what: what.to_owned(),
            found,
        }
    }

    /// The district holding a point, in words, or where it is not.
    fn district_at(&self, point: Point<f64>) -> String {
        self.places
            .unit_at(Level::District, point)
            .map_or_else(|| "no district of the province".to_owned(), described)
    }
}

/// Who keeps an entity, in words, for refusals.
fn keepers(entity: Entity) -> String {
    let kinds: Vec<&str> = KEEPS
        .iter()
        .filter(|(k, e)| *k != OrgKind::ProvincialOffice && e.contains(&entity))
        .map(|(k, _)| k.as_str())
        .collect();
    if kinds.is_empty() {
        "only the provincial office keeps it".to_owned()
    } else {
        format!(
            "it is kept by {} and the provincial office",
            kinds.join(", ")
        )
    }
}

fn metres(m: f64) -> String {
    if m >= 1_000.0 {
        format!("{:.1} km", m / 1_000.0)
    } else {
        format!("{m:.0} m")
    }
}

fn square_metres(m2: f64) -> String {
    if m2 >= 10_000.0 {
        format!("{:.1} ha", m2 / 10_000.0)
    } else {
        format!("{m2:.0} m²")
    }
}

#[cfg(test)]
mod tests;
