//! Lockdown zones (drawn, or whole units by code) and lockdown points, and what they declare.

use crate::fields::{id_field, read_all, Fields};
use crate::geometry::{area_geometry, feature, point_geometry};
use crate::{FieldError, MAX_NAME, MAX_TEXT};
use chrono::{DateTime, Duration, Utc};
use covidmap_core::Level;
use covidmap_lookup::Snapshot;
use geo::{MultiPolygon, Point};
use serde_json::Value;

/// How far ahead a declaration may start.
const MAX_START_AHEAD_DAYS: i64 = 30;

/// Where a declaration applies: an area drawn, or whole units by code.
#[derive(Debug, Clone, PartialEq)]
pub enum ZoneArea {
    /// Drawn on the map (EPSG:4326).
    Drawn(MultiPolygon<f64>),
    /// Whole communes or hamlets.
    Units(Vec<String>),
}

/// A lockdown zone to declare or change.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneRequest {
    /// The id asked for, if any.
    pub id: Option<String>,
    /// What is declared.
    pub declared: DeclarationRequest,
    /// Where.
    pub area: ZoneArea,
}

/// What a zone or a lockdown point declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarationRequest {
    /// Name as announced.
    pub name: String,
    /// 1–4.
    pub level: u8,
    /// Why.
    pub reason: String,
    /// In force since.
    pub started_at: DateTime<Utc>,
    /// Planned end.
    pub planned_end: Option<DateTime<Utc>>,
}

fn declaration(p: &mut Fields<'_>, now: DateTime<Utc>) -> Option<DeclarationRequest> {
    let name = p.text("name", MAX_NAME);
    let level = p.integer("level", 1..=4);
    let reason = p.text("reason", MAX_TEXT);
    let started_at = p.time("started_at");
    let planned_end = p.optional_time("planned_end");
    if let Some(start) = started_at {
        if start > now + Duration::days(MAX_START_AHEAD_DAYS) {
            p.error(
                "started_at",
                format!("is more than {MAX_START_AHEAD_DAYS} days ahead"),
            );
        }
        if let Some(Some(end)) = planned_end {
            if end <= start {
                p.error("planned_end", "must be after started_at");
            }
        }
    }
    Some(DeclarationRequest {
        name: name?,
        level: u8::try_from(level?).ok()?,
        reason: reason?,
        started_at: started_at?,
        planned_end: planned_end?,
    })
}

/// Reads a zone: a Feature with a drawn Polygon or MultiPolygon, or with a null geometry
/// and `unit_codes` naming current communes or hamlets.
///
/// # Errors
/// Every problem found.
pub fn zone_request(
    body: &Value,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<ZoneRequest, Vec<FieldError>> {
    read_all(|errors| {
        feature(body, errors).and_then(|(geometry, mut p)| {
            let id = id_field(&mut p);
            let decl = declaration(&mut p, now);
            let codes = p.get("unit_codes");
            let area = match (geometry, codes) {
                (Some(_), Some(_)) => {
                    p.error(
                        "unit_codes",
                        "give either a geometry or unit_codes, not both",
                    );
                    None
                }
                (None, None) => {
                    p.error(
                        "unit_codes",
                        "give a Polygon geometry, or unit_codes naming whole communes or hamlets",
                    );
                    None
                }
                (Some(g), None) => area_geometry(g, &mut p.errors).map(ZoneArea::Drawn),
                (None, Some(codes)) => unit_codes(&mut p, codes, snapshot).map(ZoneArea::Units),
            };
            p.finish(errors);
            Some(ZoneRequest {
                id: id?,
                declared: decl?,
                area: area?,
            })
        })
    })
}

/// Current commune or hamlet codes, each checked.
fn unit_codes(p: &mut Fields<'_>, codes: &Value, snapshot: &Snapshot) -> Option<Vec<String>> {
    let Some(list) = codes.as_array().filter(|l| !l.is_empty() && l.len() <= 500) else {
        p.error(
            "unit_codes",
            "must be a list of 1–500 commune or hamlet codes",
        );
        return None;
    };
    let mut ok = true;
    let mut out = Vec::with_capacity(list.len());
    for (i, code) in list.iter().enumerate() {
        let field = format!("unit_codes[{i}]");
        match code.as_str().map(|c| (c, snapshot.unit(c))) {
            Some((c, Some(u))) if matches!(u.level, Level::Commune | Level::Hamlet) => {
                out.push(c.to_owned())
            }
            Some((c, Some(u))) => {
                ok = false;
                p.errors.push(FieldError {
                    field: p.path(&field),
                    message: format!(
                        "{c} is a {} ({}); lockdowns are declared on communes or hamlets, or drawn",
                        u.level, u.name
                    ),
                });
            }
            Some((c, None)) => {
                ok = false;
                p.errors.push(FieldError {
                    field: p.path(&field),
                    message: format!(
                        "no current unit has the code {c:?}; /api/v1/search?q= finds codes"
                    ),
                });
            }
            None => {
                ok = false;
                p.errors.push(FieldError {
                    field: p.path(&field),
                    message: "must be a unit code as text".into(),
                });
            }
        }
    }
    out.sort();
    out.dedup();
    ok.then_some(out)
}

/// A lockdown point to declare or change.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRequest {
    /// The id asked for, if any.
    pub id: Option<String>,
    /// What is declared.
    pub declared: DeclarationRequest,
    /// Where.
    pub location: Point<f64>,
    /// Radius in metres, up to 5 km.
    pub radius_m: f64,
}

/// Reads a lockdown point: a Feature with a Point geometry.
///
/// # Errors
/// Every problem found.
pub fn point_request(body: &Value, now: DateTime<Utc>) -> Result<PointRequest, Vec<FieldError>> {
    read_all(|errors| {
        feature(body, errors).and_then(|(geometry, mut p)| {
            let location = point_geometry(geometry, &mut p.errors);
            let id = id_field(&mut p);
            let decl = declaration(&mut p, now);
            let radius_m = p.number("radius_m", 0.0, 5000.0);
            p.finish(errors);
            Some(PointRequest {
                id: id?,
                declared: decl?,
                location: location?,
                radius_m: radius_m?,
            })
        })
    })
}
