//! `GET /api/v1/status?lat=&lon=`: which units a point lies in, whether it is locked down,
//! the commune's epidemic level and the nearest checkpoint, testing site and quarantine camp,
//! answered from the in-memory snapshot. (Address lookups come with the gazetteer.)

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use covidmap_core::layers::{Declaration, Facility, FacilityKind};
use covidmap_core::{AdminUnit, Snapshot, UnitChain};
use geo::Point;
use serde::Serialize;
use std::collections::BTreeMap;

/// Parameters `status` understands.
pub const PARAMETERS: [&str; 3] = ["lat", "lon", "address"];

/// One unit in an answer.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub struct Lockdown<'a> {
    in_lockdown: bool,
    covered_by: Vec<Cover<'a>>,
}

/// The nearest open facility of a kind.
#[derive(Debug, Serialize)]
pub struct Nearest<'a> {
    #[serde(flatten)]
    facility: &'a Facility,
    lat: f64,
    lon: f64,
    distance_m: f64,
}

/// The answer for a point.
#[derive(Debug, Serialize)]
pub struct PointStatus<'a> {
    lat: f64,
    lon: f64,
    inside_province: bool,
    units: BTreeMap<&'static str, UnitRef<'a>>,
    lockdown: Lockdown<'a>,
    epidemic_level: Option<&'a covidmap_core::layers::CommuneLevel>,
    nearest: BTreeMap<&'static str, Nearest<'a>>,
    data_changed_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
}

/// Reads `lat` and `lon` from the query: both present, numbers, in range.
///
/// # Errors
/// A 400 naming the parameter at fault.
pub fn parse_point(params: &BTreeMap<String, String>) -> Result<Point<f64>, ApiError> {
    if params.contains_key("address") {
        if params.contains_key("lat") || params.contains_key("lon") {
            return Err(ApiError::bad_parameter(
                "address",
                "give either address or lat and lon, not both",
            ));
        }
        return Err(ApiError::NotImplemented {
            field: "address".into(),
            message: "address lookups are not available yet; send lat and lon".into(),
        });
    }
    let coordinate = |name: &str, range: std::ops::RangeInclusive<f64>| -> Result<f64, ApiError> {
        let raw = params.get(name).ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                format!("{name} is required (decimal degrees, WGS 84)"),
            )
        })?;
        let value: f64 = raw.trim().parse().map_err(|_| {
            ApiError::bad_parameter(
                name,
                format!("{name} must be a number in decimal degrees, not {raw:?}"),
            )
        })?;
        if !value.is_finite() || !range.contains(&value) {
            return Err(ApiError::bad_parameter(
                name,
                format!(
                    "{name} must lie between {} and {}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(value)
    };
    let lat = coordinate("lat", -90.0..=90.0)?;
    let lon = coordinate("lon", -180.0..=180.0)?;
    Ok(Point::new(lon, lat))
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
    let nearest = [
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
    .collect();
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
        message: (!inside).then_some("the point lies outside Nghệ An province"),
    }
}
