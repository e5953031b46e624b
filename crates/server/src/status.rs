//! `GET /api/v1/status?lat=&lon=`: which units a point lies in, answered from the in-memory
//! snapshot. (Lockdown zones, nearest checkpoints and address lookups come with the
//! operational layers and the gazetteer.)

use crate::error::ApiError;
use covidmap_core::{AdminUnit, Snapshot, UnitChain};
use geo::Point;
use serde::Serialize;
use std::collections::BTreeMap;

/// Parameters `status` understands.
pub const PARAMETERS: [&str; 3] = ["lat", "lon", "address"];

/// One unit in an answer.
#[derive(Debug, Serialize)]
pub struct UnitRef {
    code: String,
    name: String,
    #[serde(rename = "type")]
    unit_type: &'static str,
}

impl From<&AdminUnit> for UnitRef {
    fn from(u: &AdminUnit) -> Self {
        UnitRef {
            code: u.code.clone(),
            name: u.name.clone(),
            unit_type: u.unit_type.label(),
        }
    }
}

/// The answer for a point.
#[derive(Debug, Serialize)]
pub struct PointStatus {
    lat: f64,
    lon: f64,
    inside_province: bool,
    units: BTreeMap<&'static str, UnitRef>,
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
pub fn point_status(snapshot: &Snapshot, point: Point<f64>) -> PointStatus {
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
    PointStatus {
        lat: point.y(),
        lon: point.x(),
        inside_province: inside,
        units,
        message: (!inside).then_some("the point lies outside Nghệ An province"),
    }
}
