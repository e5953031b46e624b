//! The in-memory snapshot of every current unit and layer, indexed for lookups: which
//! hamlet, commune and district a point lies in, what covers it, without a database round
//! trip. Units and layers are indexed apart and shared, so a layer change (the frequent
//! case: lockdowns change by the hour) re-indexes the layers only. The indexes themselves
//! are [`crate::units`] and [`crate::layers`]; lockdown cover of a unit, nearest facilities
//! and search each have a file of their own.

use crate::gazetteer::AddressAnswer;
use crate::layers::LayerIndex;
use crate::units::UnitIndex;
use chrono::{DateTime, Utc};
use covidmap_core::layers::{CommuneLevel, Layers, LockdownPoint, LockdownZone};
use covidmap_core::lineage::UnitChange;
use covidmap_core::policy::Places;
use covidmap_core::{AdminUnit, Level};
use geo::Point;
use rstar::AABB;
use std::sync::Arc;

/// Every current unit and layer, indexed for lookups. The units and the layers are indexed
/// apart and shared, so a change to a layer (the frequent case: lockdowns change by the hour)
/// re-indexes the layers only.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub(crate) units: Arc<UnitIndex>,
    pub(crate) layers: Arc<LayerIndex>,
    /// The data is the generated sample of the demo: every answer says so.
    sample: bool,
}

/// The units a point lies in, finest first; any may be missing where the data has no unit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct UnitChain<'a> {
    /// Hamlet (xóm / khối / thôn / bản).
    pub hamlet: Option<&'a AdminUnit>,
    /// Commune (xã / phường / thị trấn).
    pub commune: Option<&'a AdminUnit>,
    /// District (huyện / thị xã / thành phố); none in a province of two tiers.
    pub district: Option<&'a AdminUnit>,
    /// The province, when the point is inside it.
    pub province: Option<&'a AdminUnit>,
}

impl<'a> UnitChain<'a> {
    /// Whether the point lies in the province at all.
    #[must_use]
    pub fn is_inside(&self) -> bool {
        self.province.is_some() || self.district.is_some() || self.commune.is_some()
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
        Self::build(units, Vec::new(), layers)
    }

    /// Indexes the units, the administrative changes that name former units (the gazetteer
    /// reads them) and the operational layers.
    #[must_use]
    pub fn build(units: Vec<AdminUnit>, changes: Vec<UnitChange>, layers: Layers) -> Self {
        Snapshot {
            units: Arc::new(UnitIndex::new(units, changes)),
            layers: Arc::new(LayerIndex::new(layers)),
            sample: false,
        }
    }

    /// The same, marked as the generated sample (or not).
    #[must_use]
    pub fn sample(mut self, sample: bool) -> Self {
        self.sample = sample;
        self
    }

    /// Whether the data is the generated sample of the demo.
    #[must_use]
    pub fn is_sample(&self) -> bool {
        self.sample
    }

    /// The same units with new layers: only the layers are indexed again.
    #[must_use]
    pub fn with_new_layers(&self, layers: Layers) -> Self {
        Snapshot {
            units: Arc::clone(&self.units),
            layers: Arc::new(LayerIndex::new(layers)),
            sample: self.sample,
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

    /// Whether `other` holds the very same indexed units (a layer change shares them).
    #[must_use]
    pub fn same_units(&self, other: &Snapshot) -> bool {
        Arc::ptr_eq(&self.units, &other.units)
    }

    /// Whether `other` holds the very same indexed layers.
    #[must_use]
    pub fn same_layers(&self, other: &Snapshot) -> bool {
        Arc::ptr_eq(&self.layers, &other.layers)
    }

    /// The administrative changes the gazetteer knows former names by.
    #[must_use]
    pub fn unit_changes(&self) -> &[UnitChange] {
        self.units.gazetteer.changes()
    }

    /// A change in words, naming for a move the district its unit is in now.
    #[must_use]
    pub fn explain(&self, change: &UnitChange) -> String {
        let now = self.unit(&change.successor_code);
        let parent = now
            .and_then(|u| u.parent_code.as_deref())
            .and_then(|p| self.unit(p));
        change.explanation(now, parent)
    }

    /// The unit an address names (and others it may mean), from the gazetteer.
    #[must_use]
    pub fn resolve_address(&self, text: &str) -> Option<AddressAnswer<'_>> {
        self.units.gazetteer.answer(&self.units.list, text)
    }

    /// A unit's ancestors, nearest first.
    #[must_use]
    pub fn ancestors(&self, unit: &AdminUnit) -> Vec<&AdminUnit> {
        self.units.ancestors(unit)
    }

    /// Active lockdown zones covering the point.
    #[must_use]
    pub fn zones_at(&self, point: Point<f64>) -> Vec<&LockdownZone> {
        self.layers.zones_at(point)
    }

    /// Active lockdown points whose radius covers the point, with the distance in metres.
    #[must_use]
    pub fn lockdown_points_at(&self, point: Point<f64>) -> Vec<(&LockdownPoint, f64)> {
        self.layers.lockdown_points_at(point)
    }

    /// A commune's epidemic level.
    #[must_use]
    pub fn commune_level(&self, commune_code: &str) -> Option<&CommuneLevel> {
        self.layers.commune_level(commune_code)
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

    /// The provinces the units cover.
    #[must_use]
    pub fn region(&self) -> &covidmap_core::Region {
        &self.units.region
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
    /// are never tested); in a province of two tiers, with no districts, the commune does.
    /// Then the finest unit inside it, and its ancestors by code.
    #[must_use]
    pub fn locate(&self, point: Point<f64>) -> UnitChain<'_> {
        let mut chain = UnitChain::default();
        let Some(top) = self
            .unit_at(Level::District, point)
            .or_else(|| self.unit_at(Level::Commune, point))
        else {
            return chain;
        };
        let finer: &[Level] = match top.level {
            Level::District => &[Level::Hamlet, Level::Commune],
            _ => &[Level::Hamlet],
        };
        let mut next = finer
            .iter()
            .find_map(|&level| self.unit_at(level, point))
            .or(Some(top));
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

impl Places for Snapshot {
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
