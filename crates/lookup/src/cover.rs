//! How the active lockdowns cover a whole unit (an address names a unit, not a point):
//! by declaration on it or on a unit it lies in, or by area, zones and points' circles alike,
//! overlaps counted once. Worked out once per unit and set of layers, then cached.

use crate::Snapshot;
use covidmap_core::layers::{LockdownPoint, LockdownZone};
use covidmap_core::AdminUnit;
use geo::{Area, BooleanOps, MultiPolygon};
use std::sync::Arc;

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

/// How active lockdowns cover one unit, by index into the layers.
#[derive(Debug, Default)]
pub(crate) struct Cover {
    share: f64,
    zones: Vec<usize>,
    points: Vec<usize>,
}

impl Snapshot {
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
        let Some(envelope) = crate::units::envelope_of(&unit.geometry) else {
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
            let circle = MultiPolygon(vec![covidmap_core::circle::circle(
                point.location,
                point.radius_m,
            )]);
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
}
