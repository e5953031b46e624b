//! What replacing a set of units with a new file changes: added, changed, removed.

use crate::unit::AdminUnit;
use geo::{CoordsIter, MultiPolygon};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The effect of an upload on the units in its scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnitDiff {
    /// Codes that are new.
    pub added: Vec<String>,
    /// Codes whose name, type, parent or boundary change, with what changes.
    pub changed: Vec<Change>,
    /// Codes in scope that the upload no longer has.
    pub removed: Vec<String>,
    /// How many units stay exactly as they are.
    pub unchanged: usize,
}

/// One changed unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The unit's code.
    pub code: String,
    /// Which attributes change: `name`, `type`, `parent`, `geometry`.
    pub fields: Vec<&'static str>,
}

impl UnitDiff {
    /// Whether the upload changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Compares the current units in scope with the incoming ones, by code.
#[must_use]
pub fn diff_units(current: &[AdminUnit], incoming: &[AdminUnit]) -> UnitDiff {
    let current_by_code: BTreeMap<&str, &AdminUnit> =
        current.iter().map(|u| (u.code.as_str(), u)).collect();
    let incoming_codes: BTreeSet<&str> = incoming.iter().map(|u| u.code.as_str()).collect();
    let mut diff = UnitDiff::default();
    for unit in incoming {
        match current_by_code.get(unit.code.as_str()) {
            None => diff.added.push(unit.code.clone()),
            Some(old) => {
                let fields = changed_fields(old, unit);
                if fields.is_empty() {
                    diff.unchanged += 1;
                } else {
                    diff.changed.push(Change {
                        code: unit.code.clone(),
                        fields,
                    });
                }
            }
        }
    }
    diff.removed = current_by_code
        .keys()
        .filter(|code| !incoming_codes.contains(*code))
        .map(|code| (*code).to_owned())
        .collect();
    diff
}

fn changed_fields(old: &AdminUnit, new: &AdminUnit) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if old.name != new.name {
        fields.push("name");
    }
    if old.unit_type != new.unit_type {
        fields.push("type");
    }
    if old.parent_code != new.parent_code {
        fields.push("parent");
    }
    if !same_geometry(&old.geometry, &new.geometry) {
        fields.push("geometry");
    }
    fields
}

/// Vertices closer than this (degrees, about 0.1 mm) are the same vertex: a file converted
/// between formats must not make a new version out of floating-point noise.
const SAME_VERTEX: f64 = 1e-9;

fn same_geometry(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> bool {
    let shape = |mp: &MultiPolygon<f64>| -> Vec<usize> {
        mp.0.iter()
            .flat_map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| r.0.len())
            })
            .collect()
    };
    shape(a) == shape(b)
        && a.coords_iter()
            .zip(b.coords_iter())
            .all(|(p, q)| (p.x - q.x).abs() <= SAME_VERTEX && (p.y - q.y).abs() <= SAME_VERTEX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::{Level, UnitType};
    use geo::polygon;

    fn unit(code: &str, name: &str, x: f64) -> AdminUnit {
        AdminUnit {
            code: code.into(),
            level: Level::Commune,
            name: name.into(),
            name_key: crate::names::name_key(name),
            unit_type: UnitType::Xa,
            parent_code: Some("412".into()),
            geometry: MultiPolygon(vec![
                polygon![(x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x, y: 1.0)],
            ]),
        }
    }

    #[test]
    fn diff_sorts_units_into_added_changed_removed() {
        let current = [
            unit("1", "Xã A", 0.0),
            unit("2", "Xã B", 1.0),
            unit("3", "Xã C", 2.0),
        ];
        let incoming = [
            unit("1", "Xã A", 0.0),
            unit("2", "Xã Bê", 5.0),
            unit("4", "Xã D", 3.0),
        ];
        let diff = diff_units(&current, &incoming);
        assert_eq!(diff.added, ["4"]);
        assert_eq!(diff.removed, ["3"]);
        assert_eq!(
            diff.changed,
            [Change {
                code: "2".into(),
                fields: vec!["name", "geometry"]
            }]
        );
        assert_eq!(diff.unchanged, 1);
        assert!(!diff.is_empty());
        assert!(diff_units(&current, &current).is_empty());
        // Noise far below a millimetre is not a change.
        let mut noisy = current.clone();
        noisy[0].geometry = MultiPolygon(vec![
            polygon![(x: 1e-12, y: 0.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)],
        ]);
        assert!(diff_units(&current, &noisy).is_empty());
    }
}
