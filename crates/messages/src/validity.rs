//! Whether a drawn area is a valid polygon, as geo's `Validation` decides it, in time that
//! grows with the size of the drawing rather than with its square: geo compares every pair
//! of segments of a ring to find a self-intersection (20 000 vertices: 4·10⁸ pairs, seconds
//! per zone), where geo's sweep line (`Intersections`) only meets the pairs whose x-ranges
//! overlap. The other rules (holes inside their exterior, rings and polygons meeting at
//! points only) are geo's `Relate`, as in geo's own check.

use geo::algorithm::coordinate_position::CoordPos;
use geo::algorithm::dimensions::Dimensions;
use geo::algorithm::sweep::Cross;
use geo::line_intersection::LineIntersection;
use geo::{Coord, Intersections, Line, LineString, MultiPolygon, Polygon, Relate};

/// One segment of a ring, with its place in the ring (degenerate segments left out).
#[derive(Debug, Clone, Copy)]
struct Segment {
    line: Line<f64>,
    index: usize,
}

impl Cross for Segment {
    type Scalar = f64;

    fn line(&self) -> Line<f64> {
        self.line
    }
}

/// Why the area is not a valid polygon, in words; `Ok` when it is.
pub(crate) fn check(area: &MultiPolygon<f64>) -> Result<(), String> {
    for (p, polygon) in area.0.iter().enumerate() {
        let name = |ring: usize| match (area.0.len(), ring) {
            (1, 0) => "the exterior ring".to_owned(),
            (1, r) => format!("interior ring {r}"),
            (_, 0) => format!("the exterior ring of polygon {}", p + 1),
            (_, r) => format!("interior ring {r} of polygon {}", p + 1),
        };
        let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        for (r, ring) in rings.enumerate() {
            if ring.0.iter().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
                return Err(format!("{} has a coordinate that is not a number", name(r)));
            }
            if distinct_points(ring) < 3 {
                return Err(format!("{} has fewer than three distinct points", name(r)));
            }
            if crosses_itself(ring) {
                return Err(format!("{} crosses or touches itself", name(r)));
            }
        }
        holes_inside(polygon).map_err(|e| match area.0.len() {
            1 => e,
            _ => format!("polygon {}: {e}", p + 1),
        })?;
        for (q, other) in area.0.iter().enumerate().skip(p + 1) {
            let matrix = polygon.relate(other);
            if matrix.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                return Err(format!("polygons {} and {} overlap", p + 1, q + 1));
            }
            if matrix.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional
            {
                return Err(format!(
                    "polygons {} and {} share an edge; draw them as one",
                    p + 1,
                    q + 1
                ));
            }
        }
    }
    Ok(())
}

/// How many points the ring has, counting a repeated one once (its closing point too).
fn distinct_points(ring: &LineString<f64>) -> usize {
    let mut points: Vec<Coord<f64>> = ring.0.clone();
    points.dedup();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    points.len()
}

/// Whether any two segments of the ring meet other than consecutive ones at their shared
/// vertex (a crossing, a vertex on another segment, or a spike doubling back).
fn crosses_itself(ring: &LineString<f64>) -> bool {
    let segments: Vec<Segment> = ring
        .lines()
        .filter(|l| l.start != l.end)
        .enumerate()
        .map(|(index, line)| Segment { line, index })
        .collect();
    let n = segments.len();
    Intersections::from_iter(segments).any(|(a, b, meeting)| {
        let gap = a.index.abs_diff(b.index);
        let consecutive = gap == 1 || gap == n - 1;
        let shared = |c: Coord<f64>| {
            (c == a.line.end && c == b.line.start) || (c == a.line.start && c == b.line.end)
        };
        !matches!(meeting, LineIntersection::SinglePoint { intersection, .. }
            if consecutive && shared(intersection))
    })
}

/// Holes lie inside their exterior, meeting it and each other at points only.
fn holes_inside(polygon: &Polygon<f64>) -> Result<(), String> {
    let exterior = Polygon::new(polygon.exterior().clone(), vec![]);
    for (i, hole) in polygon.interiors().iter().enumerate() {
        let matrix = exterior.relate(hole);
        if !matrix.is_contains() {
            return Err(format!(
                "interior ring {} is not inside the exterior ring",
                i + 1
            ));
        }
        if matrix.get(CoordPos::OnBoundary, CoordPos::Inside) == Dimensions::OneDimensional {
            return Err(format!(
                "interior ring {} runs along the exterior ring",
                i + 1
            ));
        }
        let this = Polygon::new(hole.clone(), vec![]);
        for (j, other) in polygon.interiors().iter().enumerate().skip(i + 1) {
            let matrix = this.relate(&Polygon::new(other.clone(), vec![]));
            if matrix.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional
                || matrix.get(CoordPos::OnBoundary, CoordPos::OnBoundary)
                    == Dimensions::OneDimensional
            {
                return Err(format!("interior rings {} and {} overlap", i + 1, j + 1));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{wkt, Validation};

    /// Our answer and geo's agree on each case.
    fn agree(area: MultiPolygon<f64>, valid: bool) {
        assert_eq!(check(&area).is_ok(), valid, "{area:?}: {:?}", check(&area));
        assert_eq!(area.is_valid(), valid, "geo disagrees on {area:?}");
    }

    #[test]
    fn valid_and_invalid_areas_as_geo_decides_them() {
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 4. 0., 4. 4., 0. 4., 0. 0.)))),
            true,
        );
        // A repeated vertex is not a fault.
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 4. 0., 4. 0., 4. 4., 0. 4., 0. 0.)))),
            true,
        );
        // A hole inside, touching the exterior at one point.
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 4. 0., 4. 4., 0. 4., 0. 0.), (0. 2., 2. 1., 2. 3., 0. 2.)))),
            true,
        );
        // Two polygons meeting at a corner.
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 1. 0., 1. 1., 0. 1., 0. 0.)), ((1. 1., 2. 1., 2. 2., 1. 2., 1. 1.)))),
            true,
        );
        // A bow tie.
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 2. 2., 2. 0., 0. 2., 0. 0.)))),
            false,
        );
        // A spike doubling back.
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 4. 0., 4. 4., 6. 4., 4. 4., 0. 4., 0. 0.)))),
            false,
        );
        // A vertex touching another edge of its own ring.
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 4. 0., 4. 4., 2. 0., 0. 4., 0. 0.)))),
            false,
        );
        // Too few points.
        agree(wkt!(MULTIPOLYGON(((0. 0., 4. 0., 0. 0.)))), false);
        // A hole outside its exterior.
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 4. 0., 4. 4., 0. 4., 0. 0.), (5. 5., 6. 5., 6. 6., 5. 5.)))),
            false,
        );
        // Overlapping polygons, and polygons sharing an edge.
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 2. 0., 2. 2., 0. 2., 0. 0.)), ((1. 1., 3. 1., 3. 3., 1. 3., 1. 1.)))),
            false,
        );
        agree(
            wkt!(MULTIPOLYGON(((0. 0., 1. 0., 1. 1., 0. 1., 0. 0.)), ((1. 0., 2. 0., 2. 1., 1. 1., 1. 0.)))),
            false,
        );
    }

    #[test]
    fn a_drawing_of_twenty_thousand_vertices_is_checked() {
        let n = 19_999;
        let ring: Vec<Coord<f64>> = (0..=n)
            .map(|i| {
                let a = std::f64::consts::TAU * f64::from(i % n) / f64::from(n);
                // A star-like wobble so that many segments share x-ranges.
                let r = 1.0 + 0.05 * f64::from(i % 7);
                Coord {
                    x: 105.0 + r * a.cos() * 0.01,
                    y: 18.0 + r * a.sin() * 0.01,
                }
            })
            .collect();
        let area = MultiPolygon(vec![Polygon::new(LineString(ring), vec![])]);
        assert_eq!(check(&area), Ok(()));
    }
}
