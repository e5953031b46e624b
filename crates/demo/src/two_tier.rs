//! The sample province moved to two tiers: each commune a change merges or moves becomes its
//! successor, whose outline is the union of its predecessors', directly under the province.

use covidmap_core::lineage::{ChangeKind, UnitChange};
use covidmap_core::names::split_type_prefix;
use covidmap_core::{AdminUnit, Level, UnitType};
use geo::BooleanOps;
use std::collections::BTreeMap;

/// The communes after `changes` (merges and moves of whole communes into units directly
/// under the province that the districts were abolished into), made from `units`' current
/// communes. Communes no change names are kept as they are. The sample's communes tile their
/// districts exactly, so the unions tile the province as the successors do.
#[must_use]
pub fn two_tier_communes(units: &[AdminUnit], changes: &[UnitChange]) -> Vec<AdminUnit> {
    let communes: BTreeMap<&str, &AdminUnit> = units
        .iter()
        .filter(|u| u.level == Level::Commune)
        .map(|u| (u.code.as_str(), u))
        .collect();
    // Where each abolished district's communes now lie: the province.
    let province_of: BTreeMap<&str, &str> = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::DistrictAbolished)
        .filter_map(|c| Some((c.predecessor.code.as_deref()?, c.successor_code.as_str())))
        .collect();
    let mut successors: BTreeMap<&str, (&UnitChange, Vec<&AdminUnit>)> = BTreeMap::new();
    let mut named = std::collections::BTreeSet::new();
    for change in changes {
        if !matches!(change.kind, ChangeKind::Merge | ChangeKind::Move) {
            continue;
        }
        let Some(before) = change
            .predecessor
            .code
            .as_deref()
            .and_then(|c| communes.get(c))
        else {
            continue;
        };
        named.insert(before.code.as_str());
        successors
            .entry(change.successor_code.as_str())
            .or_insert_with(|| (change, Vec::new()))
            .1
            .push(before);
    }
    let mut out: Vec<AdminUnit> = successors
        .into_iter()
        .map(|(code, (change, parts))| {
            let outline = parts
                .iter()
                .skip(1)
                .fold(parts[0].geometry.clone(), |all, p| all.union(&p.geometry));
            let parent = province_of
                .get(change.predecessor.parent_code.as_str())
                .copied()
                .or(parts[0].parent_code.as_deref());
            let unit_type = split_type_prefix(&change.successor_name)
                .0
                .unwrap_or(UnitType::Xa);
            AdminUnit::new(
                code,
                change.successor_name.clone(),
                unit_type,
                parent,
                outline,
            )
        })
        .collect();
    out.extend(
        communes
            .values()
            .filter(|u| !named.contains(u.code.as_str()))
            .map(|u| (*u).clone()),
    );
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use covidmap_core::lineage::FormerUnit;
    use geo::{polygon, Area, MultiPolygon};

    fn square(code: &str, name: &str, x: f64) -> AdminUnit {
        let outline = MultiPolygon::new(vec![polygon![
            (x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 1.0)
        ]]);
        AdminUnit::new(code, name, UnitType::Xa, Some("424"), outline)
    }

    fn change(kind: ChangeKind, from: (&str, &str, &str), to: (&str, &str)) -> UnitChange {
        UnitChange {
            effective: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            act: "Resolution 1678/NQ-UBTVQH15".into(),
            kind,
            predecessor: FormerUnit {
                code: Some(from.0.into()),
                name: from.1.into(),
                parent_code: from.2.into(),
            },
            successor_code: to.0.into(),
            successor_name: to.1.into(),
            source: "test".into(),
        }
    }

    #[test]
    fn merged_communes_become_one_under_the_province() {
        let units = [
            square("1", "Xã A", 0.0),
            square("2", "Xã B", 1.0),
            square("3", "Xã C", 5.0),
        ];
        let changes = [
            change(ChangeKind::Merge, ("1", "Xã A", "424"), ("1", "Xã Anh Sơn")),
            change(ChangeKind::Merge, ("2", "Xã B", "424"), ("1", "Xã Anh Sơn")),
            change(
                ChangeKind::DistrictAbolished,
                ("424", "Huyện Anh Sơn", "40"),
                ("40", "Tỉnh Nghệ An"),
            ),
        ];
        let after = two_tier_communes(&units, &changes);
        assert_eq!(after.len(), 2);
        assert_eq!(after[0].name, "Xã Anh Sơn");
        assert_eq!(after[0].parent_code.as_deref(), Some("40"));
        assert!((after[0].geometry.unsigned_area() - 2.0).abs() < 1e-9);
        // Named by no change: kept as it was.
        assert_eq!(after[1].code, "3");
        assert_eq!(after[1].parent_code.as_deref(), Some("424"));
    }
}
