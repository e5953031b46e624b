//! The status answers: which units a place (a point, or the unit an address names) lies in,
//! whether it is locked down, the commune's epidemic level and the nearest checkpoint,
//! testing site and quarantine camp, answered from the snapshot. Serialisable as they are;
//! the HTTP layer only reads the parameters and sends them.

use crate::gazetteer::AddressMatch;
use crate::{LookupError, Snapshot, UnitChain};
use chrono::{DateTime, NaiveDate, Utc};
use covidmap_core::layers::{Declaration, Facility, FacilityKind};
use covidmap_core::lineage::{ChangeKind, UnitChange};
use covidmap_core::{AdminUnit, Level};
use geo::{InteriorPoint, Point};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One unit in an answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRef<'a> {
    code: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    unit_type: &'static str,
}

impl<'a> From<&'a AdminUnit> for UnitRef<'a> {
    fn from(u: &'a AdminUnit) -> Self {
        UnitRef {
            code: &u.code,
            name: &u.name,
            unit_type: u.unit_type.label(),
        }
    }
}

/// A lockdown (zone or point) covering the place.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cover<'a> {
    id: &'a str,
    kind: &'static str,
    name: &'a str,
    level: u8,
    reason: &'a str,
    since: DateTime<Utc>,
    planned_end: Option<DateTime<Utc>>,
    declared_by: &'a str,
}

impl<'a> Cover<'a> {
    fn new(id: &'a str, kind: &'static str, name: &'a str, d: &'a Declaration) -> Self {
        Cover {
            id,
            kind,
            name,
            level: d.level,
            reason: &d.reason,
            since: d.started_at,
            planned_end: d.planned_end,
            declared_by: &d.declared_by,
        }
    }
}

/// Whether the place is locked down, and by what.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lockdown<'a> {
    in_lockdown: bool,
    covered_by: Vec<Cover<'a>>,
}

/// The nearest open facility of a kind.
#[derive(Debug, Serialize, ToSchema)]
pub struct Nearest<'a> {
    #[serde(flatten)]
    facility: &'a Facility,
    lat: f64,
    lon: f64,
    distance_m: f64,
}

/// What `/api/v1/status` answers: for a position, or for the unit an address names.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum StatusAnswer<'a> {
    /// Asked by position.
    Point(PointStatus<'a>),
    /// Asked by address.
    Address(AddressStatus<'a>),
}

/// The answer for a point.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointStatus<'a> {
    lat: f64,
    lon: f64,
    inside_province: bool,
    units: BTreeMap<&'static str, UnitRef<'a>>,
    lockdown: Lockdown<'a>,
    epidemic_level: Option<&'a covidmap_core::layers::CommuneLevel>,
    nearest: BTreeMap<&'static str, Nearest<'a>>,
    data_changed_at: Option<DateTime<Utc>>,
    /// The data is the generated sample of the demo, not real.
    sample_data: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// Answers for a point from the snapshot.
#[must_use]
pub fn point_status(snapshot: &Snapshot, point: Point<f64>) -> PointStatus<'_> {
    let chain: UnitChain<'_> = snapshot.locate(point);
    let mut units = BTreeMap::new();
    for (key, unit) in [
        ("hamlet", chain.hamlet),
        ("commune", chain.commune),
        ("district", chain.district),
    ] {
        if let Some(u) = unit {
            units.insert(key, UnitRef::from(u));
        }
    }
    let inside = chain.is_inside();
    let mut covered_by: Vec<Cover> = snapshot
        .zones_at(point)
        .into_iter()
        .map(|z| Cover::new(&z.id, "zone", &z.name, &z.declaration))
        .collect();
    covered_by.extend(
        snapshot
            .lockdown_points_at(point)
            .into_iter()
            .map(|(p, _)| Cover::new(&p.id, "point", &p.name, &p.declaration)),
    );
    let nearest = nearest_facilities(snapshot, point);
    PointStatus {
        lat: point.y(),
        lon: point.x(),
        inside_province: inside,
        units,
        lockdown: Lockdown {
            in_lockdown: !covered_by.is_empty(),
            covered_by,
        },
        epidemic_level: chain.commune.and_then(|c| snapshot.commune_level(&c.code)),
        nearest,
        data_changed_at: snapshot.last_changed(),
        sample_data: snapshot.is_sample(),
        message: (!inside).then(|| outside_message(snapshot.region())),
    }
}

/// What a point outside every province of the map is told.
fn outside_message(region: &covidmap_core::Region) -> String {
    match region.name() {
        Some(names) => format!("the point lies outside {names}, which this map covers"),
        None => "the map holds no boundaries yet".to_owned(),
    }
}

/// A unit and the units it lies in, keyed by level (below the province).
fn unit_chain<'a>(
    snapshot: &'a Snapshot,
    unit: &'a AdminUnit,
) -> BTreeMap<&'static str, UnitRef<'a>> {
    std::iter::once(unit)
        .chain(snapshot.ancestors(unit))
        .filter(|u| u.level != Level::Province)
        .map(|u| (u.level.as_str(), UnitRef::from(u)))
        .collect()
}

/// Whether the unit an address names is locked down, wholly or in part.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitLockdownAnswer<'a> {
    in_lockdown: bool,
    partial: bool,
    /// Share of the unit's area under lockdown, 0–1.
    covered_share: f64,
    covered_by: Vec<Cover<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    advice: Option<&'static str>,
}

/// Another unit the address may mean.
#[derive(Debug, Serialize, ToSchema)]
pub struct Alternative<'a> {
    units: BTreeMap<&'static str, UnitRef<'a>>,
    matched_text: String,
    confidence: f64,
    former_names: Vec<FormerName<'a>>,
}

/// A former name the address used, and what became of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormerName<'a> {
    /// The name as it was: "Phường Lê Mao".
    name: &'a str,
    change: ChangeKind,
    /// The unit it became (one of them, after a split).
    now: &'a str,
    /// The legal act.
    act: &'a str,
    /// The day it took effect.
    effective: NaiveDate,
    /// All of it in words: "Phường Lê Mao — merged into Phường Quang Trung by …".
    explanation: String,
}

impl<'a> FormerName<'a> {
    fn of(change: &'a UnitChange, snapshot: &Snapshot) -> Self {
        FormerName {
            name: &change.predecessor.name,
            change: change.kind,
            now: &change.successor_name,
            act: &change.act,
            effective: change.effective,
            explanation: snapshot.explain(change),
        }
    }
}

/// The answer for an address.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressStatus<'a> {
    address: String,
    matched_text: String,
    /// 0–1; from 0.6 the answer is the place meant, below it a guess: check the
    /// alternatives.
    confidence: f64,
    /// Former names the address used (communes merged away, districts abolished, communes
    /// that moved), with what became of each.
    former_names: Vec<FormerName<'a>>,
    /// The finest level the address named.
    matched_level: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    street: Option<String>,
    units: BTreeMap<&'static str, UnitRef<'a>>,
    lockdown: UnitLockdownAnswer<'a>,
    epidemic_level: Option<&'a covidmap_core::layers::CommuneLevel>,
    /// Distances are measured from this point inside the unit.
    nearest_from: Option<LatLon>,
    nearest: BTreeMap<&'static str, Nearest<'a>>,
    alternatives: Vec<Alternative<'a>>,
    data_changed_at: Option<DateTime<Utc>>,
    /// The data is the generated sample of the demo, not real.
    sample_data: bool,
}

/// A position in an answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

/// Answers for an address from the snapshot's gazetteer.
///
/// # Errors
/// [`LookupError::NoUnitMatches`] when the address names no unit of the province.
pub fn address_status<'a>(
    snapshot: &'a Snapshot,
    address: &str,
) -> Result<AddressStatus<'a>, LookupError> {
    let answer = snapshot
        .resolve_address(address)
        .ok_or_else(|| LookupError::NoUnitMatches(address.to_owned()))?;
    let AddressMatch {
        unit,
        matched_text,
        confidence,
        changes,
    } = answer.best.clone();
    let split = changes.iter().any(|c| c.kind == ChangeKind::Split);
    let cover = snapshot.unit_lockdown(unit);
    let mut covered_by: Vec<Cover> = cover
        .zones
        .iter()
        .map(|z| Cover::new(&z.id, "zone", &z.name, &z.declaration))
        .collect();
    covered_by.extend(
        cover
            .points
            .iter()
            .map(|p| Cover::new(&p.id, "point", &p.name, &p.declaration)),
    );
    let partial = cover.partial();
    let commune = std::iter::once(unit)
        .chain(snapshot.ancestors(unit))
        .find(|u| u.level == Level::Commune);
    let inside = unit.geometry.interior_point();
    Ok(AddressStatus {
        address: answer.address.text.clone(),
        matched_text,
        confidence,
        former_names: changes
            .into_iter()
            .map(|c| FormerName::of(c, snapshot))
            .collect(),
        matched_level: unit.level,
        street: answer.street().map(str::to_owned),
        units: unit_chain(snapshot, unit),
        lockdown: UnitLockdownAnswer {
            in_lockdown: cover.whole(),
            partial,
            covered_share: (cover.covered_share * 1000.0).round() / 1000.0,
            covered_by,
            advice: if split {
                Some("this commune was split: give the hamlet (xóm, khối, thôn, bản), or share your position (GPS), to know which commune you are in now")
            } else {
                partial.then_some("only part of this place is locked down: share your position (GPS) to check your exact place")
            },
        },
        epidemic_level: commune.and_then(|c| snapshot.commune_level(&c.code)),
        nearest_from: inside.map(|p| LatLon {
            lat: p.y(),
            lon: p.x(),
        }),
        nearest: inside
            .map(|p| nearest_facilities(snapshot, p))
            .unwrap_or_default(),
        alternatives: answer
            .alternatives
            .iter()
            .map(|a| Alternative {
                units: unit_chain(snapshot, a.unit),
                matched_text: a.matched_text.clone(),
                confidence: a.confidence,
                former_names: a
                    .changes
                    .iter()
                    .map(|c| FormerName::of(c, snapshot))
                    .collect(),
            })
            .collect(),
        data_changed_at: snapshot.last_changed(),
        sample_data: snapshot.is_sample(),
    })
}

/// The nearest open checkpoint, testing site and quarantine camp to a point.
fn nearest_facilities(
    snapshot: &Snapshot,
    point: Point<f64>,
) -> BTreeMap<&'static str, Nearest<'_>> {
    [
        ("checkpoint", FacilityKind::Checkpoint),
        ("testing_site", FacilityKind::TestingSite),
        ("quarantine_camp", FacilityKind::QuarantineCamp),
    ]
    .into_iter()
    .filter_map(|(key, kind)| {
        snapshot.nearest(kind, point).map(|(f, d)| {
            (
                key,
                Nearest {
                    facility: f,
                    lat: f.location.y(),
                    lon: f.location.x(),
                    distance_m: d.round(),
                },
            )
        })
    })
    .collect()
}
