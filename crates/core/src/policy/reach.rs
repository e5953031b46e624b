//! How far a place drawn by an agency reaches past the border of its district. The
//! tolerance is absolute — a few metres past the border and a small area in all, for
//! digitising error — so it never grows with the size of what is drawn: a zone the size of a
//! district plus a hamlet of the neighbour is as much refused as the hamlet alone.

use geo::{
    Area, BooleanOps, BoundingRect, Closest, ClosestPoint, Contains, CoordsIter, Densify, Distance,
    Haversine, Intersects, MultiPolygon, Point,
};

/// How far past its district's border any part of a drawn area may reach (metres).
pub const MAX_REACH_M: f64 = 30.0;
/// How much of a drawn area may lie outside its district in all (square metres): slivers
/// along the border, never a place of its own.
pub const MAX_OUTSIDE_M2: f64 = 5_000.0;
/// How far outside its district a point may lie: a checkpoint on the road that is the border.
pub const POINT_TOLERANCE_M: f64 = 50.0;
/// How far apart the edges of what lies outside are probed.
const PROBE_SPACING_M: f64 = 10.0;
use crate::containment::square_metres_per_degree2;

/// The part of an area outside a district.
#[derive(Debug, Clone, PartialEq)]
pub struct Overreach {
    /// Its area, in square metres.
    pub area_m2: f64,
    /// How far its farthest corner lies from the district (metres).
    pub reach_m: f64,
    /// That corner.
    pub farthest: Point<f64>,
}

impl Overreach {
    /// Within the digitising tolerance.
    #[must_use]
    pub fn is_tolerable(&self) -> bool {
        self.area_m2 <= MAX_OUTSIDE_M2 && self.reach_m <= MAX_REACH_M
    }
}

/// Measures what of `area` lies outside `district` (both EPSG:4326): `None` when nothing does.
#[must_use]
pub fn overreach(area: &MultiPolygon<f64>, district: &MultiPolygon<f64>) -> Option<Overreach> {
    let meets = match (area.bounding_rect(), district.bounding_rect()) {
        (Some(a), Some(d)) => a.intersects(&d),
        _ => return None,
    };
    let rest = if meets {
        area.difference(district)
    } else {
        area.clone()
    };
    let area_m2 = rest.unsigned_area() * square_metres_per_degree2(&rest);
    // Every corner of the outside part, and a point every few metres along its edges (a
    // strip whose corners all lie on the border may still cross the neighbour's land): those
    // on the border are at distance 0; the farthest tells how far the area reaches. Too
    // large an outside part is refused anyway, and its corners say enough.
    let probed = if area_m2 <= MAX_OUTSIDE_M2 {
        Haversine.densify(&rest, PROBE_SPACING_M)
    } else {
        rest
    };
    let (reach_m, farthest) = probed
        .coords_iter()
        .map(|c| {
            let p = Point::from(c);
            (distance_to(district, p), p)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(Overreach {
        area_m2,
        reach_m,
        farthest,
    })
}

/// Whether a point lies in the area, or within [`POINT_TOLERANCE_M`] of it.
#[must_use]
pub fn near(area: &MultiPolygon<f64>, point: Point<f64>) -> bool {
    area.contains(&point) || distance_to(area, point) <= POINT_TOLERANCE_M
}

/// Metres from a point to an area (0 inside).
#[must_use]
pub fn distance_to(area: &MultiPolygon<f64>, point: Point<f64>) -> f64 {
    if area.contains(&point) {
        return 0.0;
    }
    match area.closest_point(&point) {
        Closest::Intersection(_) => 0.0,
        Closest::SinglePoint(p) => Haversine.distance(point, p),
        Closest::Indeterminate => f64::INFINITY,
    }
}

/// A lockdown point's circle, as an area to measure.
#[must_use]
pub fn circle(centre: Point<f64>, radius_m: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![crate::circle::circle(centre, radius_m)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::square;
    use geo::polygon;

    #[test]
    fn inside_reaches_nowhere_and_a_sliver_is_tolerated() {
        let district = square(105.0, 19.0, 0.1);
        assert_eq!(overreach(&square(105.01, 19.01, 0.01), &district), None);
        // About 1 m past the edge of a 1 km square.
        let sliver = overreach(&square(105.09001, 19.01, 0.01), &district).unwrap();
        assert!(sliver.is_tolerable(), "{sliver:?}");
        assert!(sliver.reach_m < 2.0, "{sliver:?}");
    }

    #[test]
    fn the_tolerance_does_not_grow_with_the_area() {
        let district = square(105.0, 19.0, 0.1);
        // The whole district and 0.0005° (about 50 m) of the neighbour: a share of 0.5 %.
        let whole_and_a_strip = square(105.0, 19.0, 0.1005);
        let over = overreach(&whole_and_a_strip, &district).unwrap();
        assert!(!over.is_tolerable(), "{over:?}");
        // The district and a tiny square 170 km away: a little area, but far.
        let mut far = district.clone();
        far.0.extend(square(106.6, 19.0, 0.0005).0);
        let over = overreach(&far, &district).unwrap();
        assert!(over.area_m2 < MAX_OUTSIDE_M2, "{over:?}");
        assert!(over.reach_m > 150_000.0, "{over:?}");
        assert!(!over.is_tolerable());
    }

    #[test]
    fn a_thin_strip_across_the_neighbour_is_caught_between_its_corners() {
        // Two lobes of a district joined by a neighbour's land between them (a U), and a
        // strip 2 m wide across the gap: every corner of what lies outside is on the border.
        let u = MultiPolygon(vec![polygon![
            (x: 105.0, y: 19.0), (x: 105.03, y: 19.0), (x: 105.03, y: 19.01), (x: 105.01, y: 19.01),
            (x: 105.01, y: 19.02), (x: 105.03, y: 19.02), (x: 105.03, y: 19.03), (x: 105.0, y: 19.03)
        ]]);
        let strip = square(105.02, 19.005, 0.00005);
        let across = MultiPolygon(vec![polygon![
            (x: 105.02, y: 19.005), (x: 105.02002, y: 19.005), (x: 105.02002, y: 19.025), (x: 105.02, y: 19.025)
        ]]);
        assert!(overreach(&strip, &u).is_none());
        let over = overreach(&across, &u).unwrap();
        assert!(over.reach_m > 100.0, "{over:?}");
        assert!(!over.is_tolerable());
    }

    #[test]
    fn a_circle_is_as_wide_as_its_radius() {
        let centre = Point::new(105.5, 19.0);
        let c = circle(centre, 1_000.0);
        let east = Point::new(c.0[0].exterior().0[0].x, 19.0);
        let d = Haversine.distance(centre, east);
        assert!((d - 1_000.0).abs() < 5.0, "{d}");
        let district = square(105.0, 18.5, 0.5);
        // 130 m inside the border with a 5 km radius reaches far into the neighbour.
        let near_border = Point::new(105.5 - 130.0 / 105_000.0, 18.8);
        let over = overreach(&circle(near_border, 5_000.0), &district).unwrap();
        assert!(over.reach_m > 4_000.0, "{over:?}");
        // 150 m radius, the same place: a few metres over, tolerated.
        let small = overreach(&circle(near_border, 150.0), &district).unwrap();
        assert!(small.is_tolerable(), "{small:?}");
    }

    #[test]
    fn points_near_the_border_count_as_inside() {
        let district = square(105.0, 19.0, 0.1);
        assert!(near(&district, Point::new(105.05, 19.05)));
        assert!(near(&district, Point::new(105.1003, 19.05))); // about 30 m east
        assert!(!near(&district, Point::new(105.15, 19.05)));
    }
}
