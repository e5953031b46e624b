//! The operational layers, indexed: zones and lockdown points by their extent, facilities
//! by kind for nearest-neighbour search, epidemic levels by commune. What covers a point is
//! answered here; how lockdowns cover a whole unit is [`crate::cover`]'s.

use crate::cover::Cover;
use crate::nearest::{facility_trees, FacilityTree};
use crate::prepared::PreparedArea;
use crate::units::{envelope_of, Entry};
use covidmap_core::circle::METRES_PER_DEGREE;
use covidmap_core::layers::{CommuneLevel, FacilityKind, Layers, LockdownPoint, LockdownZone};
use geo::{Distance, Haversine, Point};
use rstar::{RTree, AABB};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The operational layers, indexed.
#[derive(Debug, Default)]
pub(crate) struct LayerIndex {
    pub data: Layers,
    pub zone_areas: Vec<PreparedArea>,
    pub zone_tree: RTree<Entry>,
    pub point_tree: RTree<Entry>,
    pub facility_trees: HashMap<FacilityKind, FacilityTree>,
    commune_levels: HashMap<String, usize>,
    /// Lockdown cover of the units asked about so far, by unit code.
    pub covers: Mutex<HashMap<String, Arc<Cover>>>,
}

impl LayerIndex {
    pub fn new(data: Layers) -> Self {
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
        let facility_trees = facility_trees(&data.facilities);
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

    /// Active lockdown zones covering the point.
    pub fn zones_at(&self, point: Point<f64>) -> Vec<&LockdownZone> {
        self.zone_tree
            .locate_in_envelope_intersecting(&AABB::from_point([point.x(), point.y()]))
            .filter(|e| {
                self.data.zones[e.index].declaration.active
                    && self.zone_areas[e.index].contains(point)
            })
            .map(|e| &self.data.zones[e.index])
            .collect()
    }

    /// Active lockdown points whose radius covers the point, with the distance in metres.
    pub fn lockdown_points_at(&self, point: Point<f64>) -> Vec<(&LockdownPoint, f64)> {
        self.point_tree
            .locate_in_envelope_intersecting(&AABB::from_point([point.x(), point.y()]))
            .map(|e| &self.data.points[e.index])
            .filter(|p| p.declaration.active)
            .map(|p| (p, Haversine.distance(p.location, point)))
            .filter(|(p, d)| *d <= p.radius_m)
            .collect()
    }

    /// A commune's epidemic level.
    pub fn commune_level(&self, commune_code: &str) -> Option<&CommuneLevel> {
        self.commune_levels
            .get(commune_code)
            .map(|&i| &self.data.commune_levels[i])
    }
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
