//! The in-memory snapshot of the administrative units: one R-tree per level over the units'
//! bounding boxes, answering "which hamlet, commune and district is this point in" without a
//! database round trip.

use crate::gazetteer::{AddressAnswer, Gazetteer};
use crate::layers::{CommuneLevel, Facility, FacilityKind, Layers, LockdownPoint, LockdownZone};
use crate::level::Level;
use crate::prepared::PreparedArea;
use crate::search::{query_words, SearchText};
use crate::unit::AdminUnit;
use chrono::{DateTime, Utc};
use geo::{
    Area, BooleanOps, BoundingRect, Distance, Haversine, MultiPolygon, Point, Polygon, Rect,
};
use rstar::primitives::GeomWithData;
use rstar::{RTree, RTreeObject, AABB};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Metres per degree of latitude (and of longitude at the equator).
const METRES_PER_DEGREE: f64 = 111_320.0;
/// Longitudes are scaled by cos(19°), Nghệ An's middle latitude, so that plain distances in
/// the facility trees rank places as the ground does.
const LON_SCALE: f64 = 0.945_518_575_599_316_8;
/// How far the scaled planar distance may be off the ground distance in and around the
/// province (cos 17°…cos 21° against cos 19°, and the sphere against the plane), with room.
const NEAREST_MARGIN: f64 = 1.05;

type FacilityTree = RTree<GeomWithData<[f64; 2], usize>>;

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

/// Overlaps smaller than this (about 12 m²) are slivers along shared boundaries, not cover.
const MIN_OVERLAP_DEG2: f64 = 1e-9;
/// A unit this much covered counts as wholly covered (boundaries drawn twice never agree
/// exactly).
const WHOLE_SHARE: f64 = 0.995;

/// How the active lockdowns cover a unit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitLockdown<'a> {
    /// Share of the unit's area under active lockdown, 0–1.
    pub covered_share: f64,
    /// Active zones covering some of it.
    pub zones: Vec<&'a LockdownZone>,
    /// Active lockdown points whose circle reaches into it.
    pub points: Vec<&'a LockdownPoint>,
}

impl UnitLockdown<'_> {
    /// The whole unit is locked down.
    #[must_use]
    pub fn whole(&self) -> bool {
        self.covered_share >= WHOLE_SHARE
    }

    /// Part of it is locked down, part is not.
    #[must_use]
    pub fn partial(&self) -> bool {
        let touched = !self.zones.is_empty() || !self.points.is_empty();
        touched && !self.whole()
    }
}

/// Every current unit and layer, indexed for lookups. The units and the layers are indexed
/// apart and shared, so a change to a layer (the frequent case: lockdowns change by the hour)
/// re-indexes the layers only.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    units: Arc<UnitIndex>,
    layers: Arc<LayerIndex>,
}

/// The units, indexed.
#[derive(Debug, Default)]
struct UnitIndex {
    list: Vec<AdminUnit>,
    /// `search[i]` is what `list[i]` is found by.
    search: Vec<SearchText>,
    gazetteer: Gazetteer,
    /// `areas[i]` is `list[i]`'s boundary, prepared for point-in-polygon.
    areas: Vec<PreparedArea>,
    by_code: HashMap<String, usize>,
    trees: HashMap<Level, RTree<Entry>>,
}

/// The operational layers, indexed.
#[derive(Debug, Default)]
struct LayerIndex {
    data: Layers,
    zone_areas: Vec<PreparedArea>,
    zone_tree: RTree<Entry>,
    point_tree: RTree<Entry>,
    facility_trees: HashMap<FacilityKind, FacilityTree>,
    commune_levels: HashMap<String, usize>,
    /// Lockdown cover of the units asked about so far, by unit code.
    covers: Mutex<HashMap<String, Arc<Cover>>>,
}

/// How active lockdowns cover one unit, by index into the layers.
#[derive(Debug, Default)]
struct Cover {
    share: f64,
    zones: Vec<usize>,
    points: Vec<usize>,
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
    /// Indexes the units (bulk-loaded R-trees, one per level), with no layers.
    #[must_use]
    pub fn new(units: Vec<AdminUnit>) -> Self {
        Self::with_layers(units, Layers::default())
    }

    /// Indexes the units and the operational layers.
    #[must_use]
    pub fn with_layers(units: Vec<AdminUnit>, layers: Layers) -> Self {
        Snapshot {
            units: Arc::new(UnitIndex::new(units)),
            layers: Arc::new(LayerIndex::new(layers)),
        }
    }

    /// The same units with new layers: only the layers are indexed again.
    #[must_use]
    pub fn with_new_layers(&self, layers: Layers) -> Self {
        Snapshot {
            units: Arc::clone(&self.units),
            layers: Arc::new(LayerIndex::new(layers)),
        }
    }

    /// Every current unit.
    #[must_use]
    pub fn units(&self) -> &[AdminUnit] {
        &self.units.list
    }

    /// The operational layers.
    #[must_use]
    pub fn layers(&self) -> &Layers {
        &self.layers.data
    }

    /// Bounding boxes (lon/lat) of everything that differs in `newer`: units, zones, lockdown
    /// points, facilities and commune levels added, changed or removed, old and new extents
    /// both. What a tile cache must drop.
    #[must_use]
    pub fn changed_extents(&self, newer: &Snapshot) -> Vec<Rect<f64>> {
        let mut out = Vec::new();
        if !Arc::ptr_eq(&self.units, &newer.units) {
            changed(
                &self.units.list,
                &newer.units.list,
                |u| u.code.clone(),
                |u| u.geometry.bounding_rect(),
                &mut out,
            );
        }
        if Arc::ptr_eq(&self.layers, &newer.layers) {
            return out;
        }
        let (old, new) = (&self.layers.data, &newer.layers.data);
        changed(
            &old.zones,
            &new.zones,
            |z| z.id.clone(),
            |z| z.area.bounding_rect(),
            &mut out,
        );
        let point_box = |p: &LockdownPoint| Some(Rect::new(p.location.0, p.location.0));
        changed(
            &old.points,
            &new.points,
            |p| p.id.clone(),
            point_box,
            &mut out,
        );
        let facility_box = |f: &Facility| {
            f.outline
                .as_ref()
                .and_then(BoundingRect::bounding_rect)
                .or(Some(Rect::new(f.location.0, f.location.0)))
        };
        changed(
            &old.facilities,
            &new.facilities,
            |f| format!("{}/{}", f.kind.table(), f.id),
            facility_box,
            &mut out,
        );
        let commune_box = |c: &CommuneLevel| {
            newer
                .unit(&c.commune_code)
                .or_else(|| self.unit(&c.commune_code))
                .and_then(|u| u.geometry.bounding_rect())
        };
        changed(
            &old.commune_levels,
            &new.commune_levels,
            |c| c.commune_code.clone(),
            commune_box,
            &mut out,
        );
        out
    }

    /// The unit an address names (and others it may mean), from the gazetteer.
    #[must_use]
    pub fn resolve_address(&self, text: &str) -> Option<AddressAnswer<'_>> {
        self.units.gazetteer.answer(&self.units.list, text)
    }

    /// How the active lockdowns cover a unit: by declaration on it or on a unit it lies in,
    /// or by area (zones, and points as circles), overlaps counted once. Computed once per
    /// unit and set of layers (a district's outline against every zone in it takes
    /// milliseconds), then answered from the cache until the layers change.
    #[must_use]
    pub fn unit_lockdown(&self, unit: &AdminUnit) -> UnitLockdown<'_> {
        let cached = self
            .layers
            .covers
            .lock()
            .ok()
            .and_then(|c| c.get(&unit.code).cloned());
        let cover = cached.unwrap_or_else(|| {
            let cover = Arc::new(self.compute_cover(unit));
            if let Ok(mut cache) = self.layers.covers.lock() {
                cache.insert(unit.code.clone(), Arc::clone(&cover));
            }
            cover
        });
        UnitLockdown {
            covered_share: cover.share,
            zones: cover
                .zones
                .iter()
                .map(|&i| &self.layers.data.zones[i])
                .collect(),
            points: cover
                .points
                .iter()
                .map(|&i| &self.layers.data.points[i])
                .collect(),
        }
    }

    fn compute_cover(&self, unit: &AdminUnit) -> Cover {
        let mut cover = Cover::default();
        let Some(envelope) = envelope_of(&unit.geometry) else {
            return cover;
        };
        let lineage: Vec<&str> = std::iter::once(unit.code.as_str())
            .chain(self.ancestors(unit).into_iter().map(|a| a.code.as_str()))
            .collect();
        let mut pieces: Vec<MultiPolygon<f64>> = Vec::new();
        let mut declared_on_it = false;
        for e in self
            .layers
            .zone_tree
            .locate_in_envelope_intersecting(&envelope)
        {
            let zone = &self.layers.data.zones[e.index];
            if !zone.declaration.active {
                continue;
            }
            if zone
                .unit_codes
                .iter()
                .any(|c| lineage.contains(&c.as_str()))
            {
                declared_on_it = true;
                cover.zones.push(e.index);
                continue;
            }
            let overlap = unit.geometry.intersection(&zone.area);
            if overlap.unsigned_area() > MIN_OVERLAP_DEG2 {
                cover.zones.push(e.index);
                pieces.push(overlap);
            }
        }
        for e in self
            .layers
            .point_tree
            .locate_in_envelope_intersecting(&envelope)
        {
            let point = &self.layers.data.points[e.index];
            if !point.declaration.active {
                continue;
            }
            let circle = MultiPolygon(vec![circle(point.location, point.radius_m)]);
            let overlap = unit.geometry.intersection(&circle);
            if overlap.unsigned_area() > MIN_OVERLAP_DEG2 {
                cover.points.push(e.index);
                pieces.push(overlap);
            }
        }
        cover.share = if declared_on_it {
            1.0
        } else {
            let covered = pieces
                .into_iter()
                .reduce(|a, b| a.union(&b))
                .map_or(0.0, |m| m.unsigned_area());
            let area = unit.geometry.unsigned_area();
            if area > 0.0 {
                (covered / area).min(1.0)
            } else {
                0.0
            }
        };
        cover
    }

    /// Units whose names (or their parents' names) hold every word of the query, best first:
    /// own-name matches before parent matches, whole words before prefixes, coarser levels
    /// before finer, then by code.
    #[must_use]
    pub fn search(&self, query: &str, limit: usize) -> Vec<&AdminUnit> {
        let words = query_words(query);
        if words.is_empty() {
            return Vec::new();
        }
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let mut hits: Vec<(u32, usize)> = self
            .units
            .search
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.score(&words).map(|score| (score, i)))
            .collect();
        hits.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(self.units.list[a.1].level.cmp(&self.units.list[b.1].level))
                .then(self.units.list[a.1].code.cmp(&self.units.list[b.1].code))
        });
        hits.into_iter()
            .take(limit)
            .map(|(_, i)| &self.units.list[i])
            .collect()
    }

    /// A unit's ancestors, nearest first.
    #[must_use]
    pub fn ancestors(&self, unit: &AdminUnit) -> Vec<&AdminUnit> {
        self.units.ancestors(unit)
    }

    /// Active lockdown zones covering the point.
    #[must_use]
    pub fn zones_at(&self, point: Point<f64>) -> Vec<&LockdownZone> {
        self.layers
            .zone_tree
            .locate_in_envelope_intersecting(&AABB::from_point([point.x(), point.y()]))
            .filter(|e| {
                self.layers.data.zones[e.index].declaration.active
                    && self.layers.zone_areas[e.index].contains(point)
            })
            .map(|e| &self.layers.data.zones[e.index])
            .collect()
    }

    /// Active lockdown points whose radius covers the point, with the distance in metres.
    #[must_use]
    pub fn lockdown_points_at(&self, point: Point<f64>) -> Vec<(&LockdownPoint, f64)> {
        self.layers
            .point_tree
            .locate_in_envelope_intersecting(&AABB::from_point([point.x(), point.y()]))
            .map(|e| &self.layers.data.points[e.index])
            .filter(|p| p.declaration.active)
            .map(|p| (p, Haversine.distance(p.location, point)))
            .filter(|(p, d)| *d <= p.radius_m)
            .collect()
    }

    /// All active lockdown zones (for listing and for address answers).
    pub fn active_zones(&self) -> impl Iterator<Item = &LockdownZone> {
        self.layers
            .data
            .zones
            .iter()
            .filter(|z| z.declaration.active)
    }

    /// The nearest open facility of a kind, with its distance in metres. Candidates come in
    /// order of the scaled planar distance; the exact (haversine) distance decides, and the
    /// search stops once the planar distance passes the best exact one by more than the
    /// scaling can err.
    #[must_use]
    pub fn nearest(&self, kind: FacilityKind, point: Point<f64>) -> Option<(&Facility, f64)> {
        let mut best: Option<(&Facility, f64)> = None;
        for (g, d2) in self
            .layers
            .facility_trees
            .get(&kind)?
            .nearest_neighbor_iter_with_distance_2(&scaled(point))
        {
            let planar_m = d2.sqrt() * METRES_PER_DEGREE;
            if best.is_some_and(|(_, b)| planar_m > b * NEAREST_MARGIN) {
                break;
            }
            let f = &self.layers.data.facilities[g.data];
            let d = Haversine.distance(f.location, point);
            if best.is_none_or(|(_, b)| d < b) {
                best = Some((f, d));
            }
        }
        best
    }

    /// A commune's epidemic level.
    #[must_use]
    pub fn commune_level(&self, commune_code: &str) -> Option<&CommuneLevel> {
        self.layers
            .commune_levels
            .get(commune_code)
            .map(|&i| &self.layers.data.commune_levels[i])
    }

    /// When the data last changed.
    #[must_use]
    pub fn last_changed(&self) -> Option<DateTime<Utc>> {
        self.layers.data.last_changed
    }

    /// How many units it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.units.list.len()
    }

    /// Whether it holds no unit.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.units.list.is_empty()
    }

    /// A unit by code.
    #[must_use]
    pub fn unit(&self, code: &str) -> Option<&AdminUnit> {
        self.units.unit(code)
    }

    /// The unit of `level` containing the point (on a shared boundary, the first found).
    #[must_use]
    pub fn unit_at(&self, level: Level, point: Point<f64>) -> Option<&AdminUnit> {
        let tree = self.units.trees.get(&level)?;
        tree.locate_in_envelope_intersecting(&AABB::from_point([point.x(), point.y()]))
            .find(|e| self.units.areas[e.index].contains(point))
            .map(|e| &self.units.list[e.index])
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

impl crate::policy::Places for Snapshot {
    fn unit(&self, code: &str) -> Option<&AdminUnit> {
        Snapshot::unit(self, code)
    }

    fn unit_at(&self, level: Level, point: Point<f64>) -> Option<&AdminUnit> {
        Snapshot::unit_at(self, level, point)
    }

    fn districts(&self) -> Vec<&AdminUnit> {
        self.units
            .list
            .iter()
            .filter(|u| u.level == Level::District)
            .collect()
    }
}

impl UnitIndex {
    fn new(list: Vec<AdminUnit>) -> Self {
        let by_code = list
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.clone(), i))
            .collect();
        let mut entries: HashMap<Level, Vec<Entry>> = HashMap::new();
        for (index, unit) in list.iter().enumerate() {
            if let Some(envelope) = envelope_of(&unit.geometry) {
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
        let areas = list
            .iter()
            .map(|u| PreparedArea::new(&u.geometry))
            .collect();
        let mut index = UnitIndex {
            gazetteer: Gazetteer::new(&list),
            list,
            search: Vec::new(),
            areas,
            by_code,
            trees,
        };
        // Units are found by their own names and their ancestors' (below the province).
        index.search = index
            .list
            .iter()
            .map(|u| {
                let names: Vec<&str> = index
                    .ancestors(u)
                    .into_iter()
                    .filter(|a| a.level != Level::Province)
                    .map(|a| a.name.as_str())
                    .collect();
                SearchText::new(u, &names)
            })
            .collect();
        index
    }

    fn unit(&self, code: &str) -> Option<&AdminUnit> {
        self.by_code.get(code).map(|&i| &self.list[i])
    }

    fn ancestors(&self, unit: &AdminUnit) -> Vec<&AdminUnit> {
        let mut out = Vec::new();
        let mut next = unit.parent_code.as_deref().and_then(|c| self.unit(c));
        while let Some(u) = next {
            out.push(u);
            next = u.parent_code.as_deref().and_then(|c| self.unit(c));
        }
        out
    }
}

impl LayerIndex {
    fn new(data: Layers) -> Self {
        let zone_areas = data
            .zones
            .iter()
            .map(|z| PreparedArea::new(&z.area))
            .collect();
        let zone_tree = RTree::bulk_load(
            data.zones
                .iter()
                .enumerate()
                .filter_map(|(index, z)| {
                    envelope_of(&z.area).map(|envelope| Entry { index, envelope })
                })
                .collect(),
        );
        let point_tree = RTree::bulk_load(
            data.points
                .iter()
                .enumerate()
                .map(|(index, p)| Entry {
                    index,
                    envelope: circle_envelope(p.location, p.radius_m),
                })
                .collect(),
        );
        let facility_trees = FacilityKind::ALL
            .into_iter()
            .map(|kind| {
                let entries = data
                    .facilities
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.kind == kind && f.is_open())
                    .map(|(i, f)| GeomWithData::new(scaled(f.location), i))
                    .collect();
                (kind, RTree::bulk_load(entries))
            })
            .collect();
        let commune_levels = data
            .commune_levels
            .iter()
            .enumerate()
            .map(|(i, c)| (c.commune_code.clone(), i))
            .collect();
        LayerIndex {
            data,
            zone_areas,
            zone_tree,
            point_tree,
            facility_trees,
            commune_levels,
            covers: Mutex::default(),
        }
    }
}

fn envelope_of(area: &geo::MultiPolygon<f64>) -> Option<AABB<[f64; 2]>> {
    area.bounding_rect()
        .map(|r| AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]))
}

/// A box around a circle of `radius_m` metres (generous at the edges).
fn circle_envelope(centre: Point<f64>, radius_m: f64) -> AABB<[f64; 2]> {
    let dy = radius_m / METRES_PER_DEGREE * 1.01;
    let dx = dy / centre.y().to_radians().cos().max(0.1);
    AABB::from_corners(
        [centre.x() - dx, centre.y() - dy],
        [centre.x() + dx, centre.y() + dy],
    )
}

/// Extents of items added, removed or changed between two lists keyed by `key`.
fn changed<T: PartialEq>(
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> String,
    extent: impl Fn(&T) -> Option<Rect<f64>>,
    out: &mut Vec<Rect<f64>>,
) {
    let old_by_key: HashMap<String, &T> = old.iter().map(|t| (key(t), t)).collect();
    let new_by_key: HashMap<String, &T> = new.iter().map(|t| (key(t), t)).collect();
    for (k, o) in &old_by_key {
        if new_by_key.get(k) != Some(o) {
            out.extend(extent(o));
        }
    }
    for (k, n) in &new_by_key {
        if old_by_key.get(k) != Some(n) {
            out.extend(extent(n));
        }
    }
}

/// A circle of `radius_m` metres as a 64-sided polygon in degrees.
fn circle(centre: Point<f64>, radius_m: f64) -> Polygon<f64> {
    let dy = radius_m / METRES_PER_DEGREE;
    let dx = dy / centre.y().to_radians().cos().max(0.1);
    let ring: Vec<geo::Coord<f64>> = (0..=64)
        .map(|k| {
            let a = std::f64::consts::TAU * f64::from(k) / 64.0;
            geo::coord! { x: centre.x() + dx * a.cos(), y: centre.y() + dy * a.sin() }
        })
        .collect();
    Polygon::new(geo::LineString(ring), vec![])
}

fn scaled(p: Point<f64>) -> [f64; 2] {
    [p.x() * LON_SCALE, p.y()]
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

    fn declaration(active: bool) -> crate::layers::Declaration {
        crate::layers::Declaration {
            level: 4,
            active,
            reason: "ca mắc".into(),
            declared_by: "UBND huyện".into(),
            started_at: chrono::DateTime::UNIX_EPOCH,
            planned_end: None,
            lifted_at: None,
        }
    }

    fn facility(kind: FacilityKind, id: &str, x: f64, y: f64, status: &str) -> Facility {
        Facility {
            kind,
            id: id.into(),
            name: id.into(),
            location: Point::new(x, y),
            outline: None,
            status: status.into(),
            managed_by: None,
            category: None,
            capacity: None,
            occupancy: None,
        }
    }

    #[test]
    fn lockdowns_cover_only_where_they_are_active() {
        let mut layers = Layers::default();
        for (id, x, active) in [("on", 0.0, true), ("off", 2.0, false)] {
            layers.zones.push(LockdownZone {
                id: id.into(),
                name: id.into(),
                declaration: declaration(active),
                unit_codes: vec![],
                area: unit(id, Level::Hamlet, None, x, 0.0, 1.0).geometry,
            });
        }
        layers.points.push(LockdownPoint {
            id: "p".into(),
            name: "p".into(),
            declaration: declaration(true),
            location: Point::new(105.0, 19.0),
            radius_m: 100.0,
        });
        let s = Snapshot::with_layers(grid(), layers);
        assert_eq!(s.zones_at(Point::new(0.5, 0.5)).len(), 1);
        assert!(
            s.zones_at(Point::new(2.5, 0.5)).is_empty(),
            "a lifted zone locks nothing down"
        );
        assert!(s.zones_at(Point::new(1.5, 0.5)).is_empty());
        // 50 m north of the point is inside its 100 m radius; 150 m is not.
        let north = |m: f64| Point::new(105.0, 19.0 + m / METRES_PER_DEGREE);
        assert_eq!(s.lockdown_points_at(north(50.0)).len(), 1);
        assert!(s.lockdown_points_at(north(150.0)).is_empty());
    }

    #[test]
    fn units_are_covered_wholly_in_part_or_not_at_all() {
        let units = grid();
        let geometry = |code: &str| {
            units
                .iter()
                .find(|u| u.code == code)
                .map(|u| u.geometry.clone())
                .unwrap()
        };
        let zone = |id: &str, active: bool, codes: Vec<String>, area| LockdownZone {
            id: id.into(),
            name: id.into(),
            declaration: declaration(active),
            unit_codes: codes,
            area,
        };
        let layers = Layers {
            zones: vec![
                zone("drawn", true, vec![], geometry("d00c00h00")),
                zone("by-code", true, vec!["d00c01".into()], geometry("d00c01")),
                zone("lifted", false, vec![], geometry("d00c02")),
            ],
            points: vec![LockdownPoint {
                id: "point".into(),
                name: "point".into(),
                declaration: declaration(true),
                location: Point::new(3.5, 0.5),
                radius_m: 1_000.0,
            }],
            ..Layers::default()
        };
        let s = Snapshot::with_layers(units.clone(), layers);
        let cover = |code: &str| s.unit_lockdown(s.unit(code).unwrap());
        // The drawn zone is exactly one hamlet: that hamlet wholly, its commune a quarter.
        assert!(cover("d00c00h00").whole());
        let commune = cover("d00c00");
        assert!(commune.partial() && !commune.whole());
        assert!((commune.covered_share - 0.25).abs() < 1e-9, "{commune:?}");
        assert_eq!(commune.zones.len(), 1);
        // Its neighbour only shares an edge with it.
        let neighbour = cover("d00c00h10");
        assert!(!neighbour.partial() && !neighbour.whole(), "{neighbour:?}");
        // Declared on a commune: every hamlet in it, by code.
        assert!(cover("d00c01h11").whole());
        assert!(cover("d00").partial());
        // Lifted: nothing.
        assert!(cover("d00c02h00").zones.is_empty());
        // A 1 km lockdown point inside a commune of about 100 km: partial.
        let around_point = cover("d10c00");
        assert!(around_point.partial() && around_point.points.len() == 1);
        assert!(around_point.covered_share < 0.001);
    }

    #[test]
    fn changed_extents_name_what_moved() {
        let before = Snapshot::new(grid());
        let zone = |x: f64, level: u8| {
            let mut d = declaration(true);
            d.level = level;
            LockdownZone {
                id: "z".into(),
                name: "z".into(),
                declaration: d,
                unit_codes: vec![],
                area: unit("z", Level::Hamlet, None, x, 0.0, 1.0).geometry,
            }
        };
        let with = |z: Option<LockdownZone>| {
            before.with_new_layers(Layers {
                zones: z.into_iter().collect(),
                ..Layers::default()
            })
        };
        let added = with(Some(zone(2.0, 4)));
        let extents = before.changed_extents(&added);
        assert_eq!(extents.len(), 1);
        assert_eq!(extents[0].min().x, 2.0);
        // The same zone again: nothing changed.
        assert!(added.changed_extents(&with(Some(zone(2.0, 4)))).is_empty());
        // Moved: both where it was and where it is now.
        let moved = added.changed_extents(&with(Some(zone(5.0, 4))));
        assert_eq!(moved.len(), 2);
        // Level changed in place: its extent once per side.
        assert_eq!(added.changed_extents(&with(Some(zone(2.0, 3)))).len(), 2);
        assert_eq!(added.changed_extents(&with(None)).len(), 1);
    }

    #[test]
    fn new_layers_keep_the_indexed_units() {
        let before = Snapshot::new(grid());
        let mut layers = Layers::default();
        layers.zones.push(LockdownZone {
            id: "z".into(),
            name: "z".into(),
            declaration: declaration(true),
            unit_codes: vec![],
            area: unit("z", Level::Hamlet, None, 0.0, 0.0, 1.0).geometry,
        });
        let after = before.with_new_layers(layers);
        assert!(Arc::ptr_eq(&before.units, &after.units));
        assert!(before.zones_at(Point::new(0.5, 0.5)).is_empty());
        assert_eq!(after.zones_at(Point::new(0.5, 0.5)).len(), 1);
        assert_eq!(
            after.locate(Point::new(0.5, 0.5)),
            before.locate(Point::new(0.5, 0.5))
        );
    }

    #[test]
    fn nearest_agrees_with_a_linear_scan() {
        let mut layers = Layers::default();
        let mut seed: u64 = 42;
        let mut next = || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..300 {
            let status = if i % 7 == 0 { "closed" } else { "open" };
            layers.facilities.push(facility(
                FacilityKind::TestingSite,
                &format!("t{i}"),
                104.0 + next() * 2.0,
                18.5 + next() * 1.5,
                status,
            ));
        }
        let all = layers.facilities.clone();
        let s = Snapshot::with_layers(vec![], layers);
        for _ in 0..500 {
            let p = Point::new(104.0 + next() * 2.0, 18.5 + next() * 1.5);
            let (found, d) = s.nearest(FacilityKind::TestingSite, p).unwrap();
            let best = all
                .iter()
                .filter(|f| f.is_open())
                .map(|f| Haversine.distance(f.location, p))
                .fold(f64::INFINITY, f64::min);
            assert!(
                (d - best).abs() < 1e-6,
                "{p:?}: found {} at {d} m, best {best} m",
                found.id
            );
            assert!(found.is_open());
        }
        assert!(s
            .nearest(FacilityKind::Checkpoint, Point::new(105.0, 19.0))
            .is_none());
    }

    #[test]
    fn search_finds_units_by_their_and_their_parents_names() {
        let mut units = vec![
            unit("40", Level::Province, None, 0.0, 0.0, 4.0),
            unit("412", Level::District, Some("40"), 0.0, 0.0, 2.0),
            unit("17902", Level::Commune, Some("412"), 0.0, 0.0, 1.0),
            unit("17902-01", Level::Hamlet, Some("17902"), 0.0, 0.0, 0.5),
            unit("17902-02", Level::Hamlet, Some("17902"), 0.5, 0.0, 0.5),
            unit("18000", Level::Commune, Some("412"), 1.0, 0.0, 1.0),
            unit("18000-01", Level::Hamlet, Some("18000"), 1.0, 0.0, 0.5),
        ];
        for (code, name, t) in [
            ("412", "Thành phố Vinh", crate::UnitType::ThanhPho),
            ("17902", "Xã Nghi Phong", crate::UnitType::Xa),
            ("17902-01", "Xóm 1", crate::UnitType::Xom),
            ("17902-02", "Xóm 2", crate::UnitType::Xom),
            ("18000", "Xã Nghi Phú", crate::UnitType::Xa),
            ("18000-01", "Xóm 1", crate::UnitType::Xom),
        ] {
            let u = units.iter_mut().find(|u| u.code == code).unwrap();
            u.name = name.into();
            u.unit_type = t;
        }
        let s = Snapshot::new(units);
        let codes = |q: &str| {
            s.search(q, 10)
                .into_iter()
                .map(|u| u.code.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes("nghi phong")[0], "17902");
        assert_eq!(codes("xom 1 nghi phong"), ["17902-01"]);
        assert_eq!(codes("Nghi Phong, xóm 1"), ["17902-01"]);
        assert_eq!(
            codes("NGHI PH"),
            ["17902", "18000", "17902-01", "17902-02", "18000-01"]
        );
        assert!(codes("ha noi").is_empty());
        assert!(codes("  ").is_empty());
        assert_eq!(codes("vinh")[0], "412");
    }
}
