//! The nearest open facility of a kind: an R-tree per kind over positions with longitudes
//! scaled to the country's middle latitude, its candidates ranked by the exact distance.

use crate::Snapshot;
use covidmap_core::circle::METRES_PER_DEGREE;
use covidmap_core::layers::{Facility, FacilityKind};
use geo::{Distance, Haversine, Point};
use rstar::primitives::GeomWithData;
use rstar::RTree;
use std::collections::HashMap;

/// Longitudes are scaled by cos(16°), the middle of Vietnam's latitudes (8°–24° N), so that
/// plain distances in the facility trees rank places as the ground does in any province.
const LON_SCALE: f64 = 0.961_261_695_938_318_9;
/// How far the scaled planar distance may be off the ground distance anywhere in the
/// country (cos 8°…cos 24° against cos 16°: at most 5 %, and the sphere against the
/// plane), with room.
const NEAREST_MARGIN: f64 = 1.1;

/// Open facilities of one kind, by scaled position, pointing back by index.
pub(crate) type FacilityTree = RTree<GeomWithData<[f64; 2], usize>>;

/// One tree per kind over the open facilities.
pub(crate) fn facility_trees(facilities: &[Facility]) -> HashMap<FacilityKind, FacilityTree> {
    FacilityKind::ALL
        .into_iter()
        .map(|kind| {
            let entries = facilities
                .iter()
                .enumerate()
                .filter(|(_, f)| f.kind == kind && f.is_open())
                .map(|(i, f)| GeomWithData::new(scaled(f.location), i))
                .collect();
            (kind, RTree::bulk_load(entries))
        })
        .collect()
}

impl Snapshot {
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
}

fn scaled(p: Point<f64>) -> [f64; 2] {
    [p.x() * LON_SCALE, p.y()]
}
