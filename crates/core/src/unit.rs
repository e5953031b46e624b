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

/// The provinces of `units` that have two tiers: communes lie directly in them (Vietnam's
/// structure since 1 July 2025). The one place that says which structure a province has.
#[must_use]
pub fn two_tier_provinces(units: &[AdminUnit]) -> std::collections::BTreeSet<String> {
    let provinces: std::collections::BTreeSet<&str> = units
        .iter()
        .filter(|u| u.level == Level::Province)
        .map(|u| u.code.as_str())
        .collect();
    units
        .iter()
        .filter(|u| u.level == Level::Commune)
        .filter_map(|u| u.parent_code.as_deref())
        .filter(|p| provinces.contains(p))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod structure_tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn a_province_with_communes_directly_in_it_has_two_tiers() {
        let shape = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)],
        ]);
        let unit = |code: &str, name: &str, kind, parent: Option<&str>| {
            AdminUnit::new(code, name, kind, parent, shape.clone())
        };
        let units = [
            unit("40", "Tỉnh Nghệ An", UnitType::Tinh, None),
            unit("42", "Tỉnh Hà Tĩnh", UnitType::Tinh, None),
            unit("17329", "Xã Anh Sơn", UnitType::Xa, Some("40")),
            unit("436", "Huyện Hương Sơn", UnitType::Huyen, Some("42")),
            unit("18100", "Xã Sơn Kim", UnitType::Xa, Some("436")),
        ];
        assert_eq!(
            two_tier_provinces(&units).into_iter().collect::<Vec<_>>(),
            ["40"]
        );
    }
}
