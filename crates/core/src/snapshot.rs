//! The in-memory snapshot of the administrative units: one R-tree per level over the units'
//! bounding boxes, answering "which hamlet, commune and district is this point in" without a
//! database round trip.

use crate::level::Level;
use crate::prepared::PreparedArea;
use crate::unit::AdminUnit;
use geo::{BoundingRect, Point};
use rstar::{RTree, RTreeObject, AABB};
use std::collections::HashMap;

/// A unit's bounding box in an R-tree, pointing back to the unit.
#[derive(Debug, Clone)]
struct Entry {
    index: usize,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// Every current unit, indexed for point lookups.
#[derive(Debug, Default)]
pub struct Snapshot {
    units: Vec<AdminUnit>,
    /// `areas[i]` is `units[i]`'s boundary, prepared for point-in-polygon.
    areas: Vec<PreparedArea>,
    by_code: HashMap<String, usize>,
    trees: HashMap<Level, RTree<Entry>>,
}

/// The units a point lies in, finest first; any may be missing where the data has no unit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UnitChain<'a> {
    /// Hamlet (xóm / khối / thôn / bản).
    pub hamlet: Option<&'a AdminUnit>,
    /// Commune (xã / phường / thị trấn).
    pub commune: Option<&'a AdminUnit>,
    /// District (huyện / thị xã / thành phố).
    pub district: Option<&'a AdminUnit>,
    /// The province, when the point is inside it.
    pub province: Option<&'a AdminUnit>,
}

impl<'a> UnitChain<'a> {
    /// Whether the point lies in the province at all.
    #[must_use]
    pub fn is_inside(&self) -> bool {
        self.province.is_some() || self.district.is_some()
    }
}

impl Snapshot {
    /// Indexes the units (bulk-loaded R-trees, one per level).
    #[must_use]
    pub fn new(units: Vec<AdminUnit>) -> Self {
        let by_code = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.clone(), i))
            .collect();
        let mut entries: HashMap<Level, Vec<Entry>> = HashMap::new();
        for (index, unit) in units.iter().enumerate() {
            if let Some(rect) = unit.geometry.bounding_rect() {
                let envelope =
                    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
                entries
                    .entry(unit.level)
                    .or_default()
                    .push(Entry { index, envelope });
            }
        }
        let trees = entries
            .into_iter()
            .map(|(level, e)| (level, RTree::bulk_load(e)))
            .collect();
        let areas = units
            .iter()
            .map(|u| PreparedArea::new(&u.geometry))
            .collect();
        Snapshot {
            units,
            areas,
            by_code,
            trees,
        }
    }

    /// How many units it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether it holds no unit.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// A unit by code.
    #[must_use]
    pub fn unit(&self, code: &str) -> Option<&AdminUnit> {
        self.by_code.get(code).map(|&i| &self.units[i])
    }

    /// The unit of `level` containing the point (on a shared boundary, the first found).
    #[must_use]
    pub fn unit_at(&self, level: Level, point: Point<f64>) -> Option<&AdminUnit> {
        let tree = self.trees.get(&level)?;
        tree.locate_in_envelope_intersecting(&AABB::from_point([point.x(), point.y()]))
            .find(|e| self.areas[e.index].contains(point))
            .map(|e| &self.units[e.index])
    }

    /// The units the point lies in. Districts tile the province, so the district comes
    /// first (a miss there means outside, and the province outline's thousands of vertices
    /// are never tested); then the finest unit inside it, and its ancestors by code.
    #[must_use]
    pub fn locate(&self, point: Point<f64>) -> UnitChain<'_> {
        let mut chain = UnitChain::default();
        let Some(district) = self.unit_at(Level::District, point) else {
            return chain;
        };
        let mut next = [Level::Hamlet, Level::Commune]
            .into_iter()
            .find_map(|level| self.unit_at(level, point))
            .or(Some(district));
        while let Some(unit) = next {
            match unit.level {
                Level::Hamlet => chain.hamlet = Some(unit),
                Level::Commune => chain.commune = Some(unit),
                Level::District => chain.district = Some(unit),
                Level::Province => chain.province = Some(unit),
            }
            next = unit.parent_code.as_deref().and_then(|code| self.unit(code));
        }
        chain
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Contains, MultiPolygon};

    fn unit(
        code: &str,
        level: Level,
        parent: Option<&str>,
        x: f64,
        y: f64,
        size: f64,
    ) -> AdminUnit {
        AdminUnit {
            code: code.into(),
            level,
            name: code.into(),
            name_key: code.into(),
            unit_type: level.default_type(),
            parent_code: parent.map(Into::into),
            geometry: MultiPolygon(vec![
                polygon![(x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size)],
            ]),
        }
    }

    /// A province of 4×4 districts, each of 3×3 communes, each of 2×2 hamlets.
    fn grid() -> Vec<AdminUnit> {
        let mut units = vec![unit("40", Level::Province, None, 0.0, 0.0, 12.0)];
        for dx in 0..4 {
            for dy in 0..4 {
                let d = format!("d{dx}{dy}");
                units.push(unit(
                    &d,
                    Level::District,
                    Some("40"),
                    f64::from(dx) * 3.0,
                    f64::from(dy) * 3.0,
                    3.0,
                ));
                for cx in 0..3 {
                    for cy in 0..3 {
                        let c = format!("{d}c{cx}{cy}");
                        let (x, y) = (f64::from(dx * 3 + cx), f64::from(dy * 3 + cy));
                        units.push(unit(&c, Level::Commune, Some(&d), x, y, 1.0));
                        for hx in 0..2 {
                            for hy in 0..2 {
                                let h = format!("{c}h{hx}{hy}");
                                units.push(unit(
                                    &h,
                                    Level::Hamlet,
                                    Some(&c),
                                    x + f64::from(hx) * 0.5,
                                    y + f64::from(hy) * 0.5,
                                    0.5,
                                ));
                            }
                        }
                    }
                }
            }
        }
        units
    }

    #[test]
    fn locate_agrees_with_a_linear_scan() {
        let units = grid();
        let snapshot = Snapshot::new(units.clone());
        // A fixed pseudo-random walk over the province and beyond (no RNG crate needed).
        let mut seed: u64 = 0x2021_0913;
        for _ in 0..2_000 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let x = (seed >> 11) as f64 / (1u64 << 53) as f64 * 14.0 - 1.0;
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let y = (seed >> 11) as f64 / (1u64 << 53) as f64 * 14.0 - 1.0;
            let p = Point::new(x, y);
            let brute = |level: Level| {
                units
                    .iter()
                    .find(|u| u.level == level && u.geometry.contains(&p))
                    .map(|u| u.code.as_str())
            };
            let chain = snapshot.locate(p);
            assert_eq!(
                chain.hamlet.map(|u| u.code.as_str()),
                brute(Level::Hamlet),
                "{p:?}"
            );
            assert_eq!(
                chain.commune.map(|u| u.code.as_str()),
                brute(Level::Commune),
                "{p:?}"
            );
            assert_eq!(
                chain.district.map(|u| u.code.as_str()),
                brute(Level::District),
                "{p:?}"
            );
            assert_eq!(chain.is_inside(), brute(Level::Province).is_some(), "{p:?}");
        }
    }

    #[test]
    fn a_district_without_communes_still_answers() {
        let units = vec![
            unit("40", Level::Province, None, 0.0, 0.0, 2.0),
            unit("413", Level::District, Some("40"), 0.0, 0.0, 1.0),
        ];
        let snapshot = Snapshot::new(units);
        let chain = snapshot.locate(Point::new(0.5, 0.5));
        assert_eq!(chain.district.map(|u| u.code.as_str()), Some("413"));
        assert!(chain.commune.is_none() && chain.hamlet.is_none());
        assert!(!snapshot.locate(Point::new(5.0, 5.0)).is_inside());
    }
}
