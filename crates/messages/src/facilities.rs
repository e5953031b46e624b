//! Checkpoints, quarantine camps, testing sites and essential services.

use crate::fields::{id_field, read_all};
use crate::geometry::{feature, point_geometry};
use crate::{FieldError, MAX_NAME};
use covidmap_core::layers::FacilityKind;
use geo::Point;
use serde_json::Value;

/// A checkpoint, camp, testing site or service to add or change.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityRequest {
    /// The id asked for, if any.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Where.
    pub location: Point<f64>,
    /// active/closed (checkpoints), open/closed (the rest).
    pub status: String,
    /// Who runs it (checkpoints, camps), when given.
    pub managed_by: Option<String>,
    /// Kind of service.
    pub category: Option<String>,
    /// Places (camps).
    pub capacity: Option<i32>,
    /// People in it (camps).
    pub occupancy: Option<i32>,
}

/// Service categories.
pub const CATEGORIES: [&str; 7] = [
    "market",
    "supermarket",
    "grocery",
    "pharmacy",
    "petrol",
    "bank",
    "clinic",
];

/// Reads a facility of `kind`: a Feature with a Point geometry.
///
/// # Errors
/// Every problem found.
pub fn facility_request(
    kind: FacilityKind,
    body: &Value,
) -> Result<FacilityRequest, Vec<FieldError>> {
    read_all(|errors| {
        feature(body, errors).and_then(|(geometry, mut p)| {
            let location = point_geometry(geometry, &mut p.errors);
            let id = id_field(&mut p);
            let name = p.text("name", MAX_NAME);
            let status = p.one_of("status", kind.statuses());
            let managed_by = match kind {
                FacilityKind::Checkpoint => {
                    p.optional_one_of("managed_by", &["police", "military", "district"])
                }
                FacilityKind::QuarantineCamp => {
                    p.optional_one_of("managed_by", &["military", "health"])
                }
                _ => Some(None),
            };
            let category = if kind == FacilityKind::EssentialService {
                p.one_of("category", &CATEGORIES).map(Some)
            } else {
                Some(None)
            };
            let (capacity, occupancy) = if kind == FacilityKind::QuarantineCamp {
                let capacity = p.integer("capacity", 0..=i64::from(i32::MAX));
                let occupancy = p.integer("occupancy", 0..=i64::from(i32::MAX));
                if let (Some(c), Some(o)) = (capacity, occupancy) {
                    if o > c {
                        p.error("occupancy", format!("is {o}, over the capacity of {c}"));
                    }
                }
                (
                    capacity.map(|c| i32::try_from(c).ok()),
                    occupancy.map(|o| i32::try_from(o).ok()),
                )
            } else {
                (Some(None), Some(None))
            };
            p.finish(errors);
            Some(FacilityRequest {
                id: id?,
                name: name?,
                location: location?,
                status: status?,
                managed_by: managed_by?,
                category: category?,
                capacity: capacity?,
                occupancy: occupancy?,
            })
        })
    })
}
