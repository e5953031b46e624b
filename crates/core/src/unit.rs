//! An administrative unit as it is ingested, stored and served.

use crate::level::{Level, UnitType};
use geo::MultiPolygon;

/// One administrative unit: its identity, its place in the hierarchy and its boundary in
/// EPSG:4326 (longitude, latitude).
#[derive(Debug, Clone, PartialEq)]
pub struct AdminUnit {
    /// GSO code for province, district and commune; `{commune}-{nnn}` for hamlets.
    pub code: String,
    /// Level in the hierarchy.
    pub level: Level,
    /// The name as given, in NFC ("Huyện Đô Lương").
    pub name: String,
    /// Diacritic-free matching key without the type word ("do luong").
    pub name_key: String,
    /// Kind of unit.
    pub unit_type: UnitType,
    /// Code of the unit this one lies in (`None` only for the province).
    pub parent_code: Option<String>,
    /// Boundary, EPSG:4326.
    pub geometry: MultiPolygon<f64>,
}

impl AdminUnit {
    /// A unit named `name` (its matching key worked out from it), of the level its type
    /// belongs to.
    #[must_use]
    pub fn new(
        code: impl Into<String>,
        name: impl Into<String>,
        unit_type: UnitType,
        parent_code: Option<&str>,
        geometry: MultiPolygon<f64>,
    ) -> Self {
        let name = name.into();
        AdminUnit {
            code: code.into(),
            level: unit_type.level(),
            name_key: crate::names::name_key(&name),
            name,
            unit_type,
            parent_code: parent_code.map(str::to_owned),
            geometry,
        }
    }
}
