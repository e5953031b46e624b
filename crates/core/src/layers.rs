//! The operational layers the agencies keep: lockdown zones and points, facilities
//! (checkpoints, quarantine camps, testing sites, essential services) and commune epidemic
//! levels. Plain data: the store reads and writes them, the snapshot indexes them.

use chrono::{DateTime, Utc};
use geo::{MultiPolygon, Point};
use serde::Serialize;

/// When and by whom a lockdown was declared, and whether it still holds.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Declaration {
    /// Epidemic level of the measure, Resolution 128/NQ-CP: 1 green … 4 red.
    pub level: u8,
    /// `false` once lifted.
    pub active: bool,
    /// Why it was declared.
    pub reason: String,
    /// Who declared it (e.g. "UBND huyện Nghi Lộc").
    pub declared_by: String,
    /// In force since.
    pub started_at: DateTime<Utc>,
    /// Planned end, if announced.
    pub planned_end: Option<DateTime<Utc>>,
    /// When it was lifted.
    pub lifted_at: Option<DateTime<Utc>>,
}

/// A lockdown zone (vùng phong toả).
#[derive(Debug, Clone, PartialEq)]
pub struct LockdownZone {
    /// Stable id.
    pub id: String,
    /// Name as announced.
    pub name: String,
    /// The declaration.
    pub declaration: Declaration,
    /// Whole hamlets or communes it was declared on, if declared by code.
    pub unit_codes: Vec<String>,
    /// Its area.
    pub area: MultiPolygon<f64>,
}

/// A lockdown point (điểm phong toả): a building or street stretch with a radius.
#[derive(Debug, Clone, PartialEq)]
pub struct LockdownPoint {
    /// Stable id.
    pub id: String,
    /// Name as announced.
    pub name: String,
    /// The declaration.
    pub declaration: Declaration,
    /// Centre.
    pub location: Point<f64>,
    /// Radius in metres.
    pub radius_m: f64,
}

/// The kinds of facility a resident may look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    /// Chốt chặn.
    Checkpoint,
    /// Khu cách ly tập trung.
    QuarantineCamp,
    /// Điểm xét nghiệm.
    TestingSite,
    /// Cơ sở thiết yếu.
    EssentialService,
}

impl FacilityKind {
    /// Every kind.
    pub const ALL: [FacilityKind; 4] = [
        FacilityKind::Checkpoint,
        FacilityKind::QuarantineCamp,
        FacilityKind::TestingSite,
        FacilityKind::EssentialService,
    ];

    /// The statuses it may have: a checkpoint is active or closed, the rest open or closed.
    #[must_use]
    pub fn statuses(self) -> &'static [&'static str] {
        if self == FacilityKind::Checkpoint {
            &["active", "closed"]
        } else {
            &["open", "closed"]
        }
    }

    /// The table (and API) name.
    #[must_use]
    pub fn table(self) -> &'static str {
        match self {
            FacilityKind::Checkpoint => "checkpoints",
            FacilityKind::QuarantineCamp => "quarantine_camps",
            FacilityKind::TestingSite => "testing_sites",
            FacilityKind::EssentialService => "essential_services",
        }
    }
}

/// A checkpoint, camp, testing site or service.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Facility {
    /// Kind.
    pub kind: FacilityKind,
    /// Stable id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Where it is (a camp drawn as an outline: a point inside it).
    #[serde(skip)]
    pub location: Point<f64>,
    /// A camp's outline, when drawn.
    #[serde(skip)]
    pub outline: Option<MultiPolygon<f64>>,
    /// active / closed, open / closed.
    pub status: String,
    /// Managing agency (checkpoints, camps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
    /// Category (services).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Places (camps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i32>,
    /// People in it now (camps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupancy: Option<i32>,
}

impl Facility {
    /// Whether it serves the public now.
    #[must_use]
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "open" | "active")
    }
}

/// A commune's epidemic level.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CommuneLevel {
    /// Commune code.
    #[serde(skip)]
    pub commune_code: String,
    /// 1 green … 4 red.
    pub level: u8,
    /// Active cases.
    pub active_cases: i32,
}

/// Every operational layer, current versions only.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layers {
    /// Lockdown zones, active and lifted.
    pub zones: Vec<LockdownZone>,
    /// Lockdown points, active and lifted.
    pub points: Vec<LockdownPoint>,
    /// Facilities of every kind.
    pub facilities: Vec<Facility>,
    /// Epidemic level per commune.
    pub commune_levels: Vec<CommuneLevel>,
    /// When any layer or unit last changed.
    pub last_changed: Option<DateTime<Utc>>,
}
