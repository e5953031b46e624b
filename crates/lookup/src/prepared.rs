//! Point-in-polygon for boundaries with thousands of vertices: the edges are indexed once, so
//! a test looks only at the few edges a ray from the point can cross.

use geo::{BoundingRect, MultiPolygon, Point, Rect};
use rstar::primitives::Line;
use rstar::{RTree, AABB};

/// Below this many edges a straight scan beats the index.
const INDEX_FROM_EDGES: usize = 64;

/// A (multi)polygon prepared for fast point-in-polygon tests.
#[derive(Debug, Clone)]
pub struct PreparedArea {
    bbox: Option<Rect<f64>>,
    edges: Edges,
}

#[derive(Debug, Clone)]
enum Edges {
    Few(Vec<Line<[f64; 2]>>),
    Many(RTree<Line<[f64; 2]>>),
}

impl PreparedArea {
    /// Indexes the edges of every ring of every part.
    #[must_use]
    pub fn new(area: &MultiPolygon<f64>) -> Self {
        let mut lines = Vec::new();
        for polygon in &area.0 {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                lines.extend(
                    ring.lines()
                        .map(|l| Line::new([l.start.x, l.start.y], [l.end.x, l.end.y])),
                );
            }
        }
        let edges = if lines.len() < INDEX_FROM_EDGES {
            Edges::Few(lines)
        } else {
            Edges::Many(RTree::bulk_load(lines))
        };
        PreparedArea {
            bbox: area.bounding_rect(),
            edges,
        }
    }

    /// Whether the point is inside (even–odd rule over all rings; a point exactly on an edge
    /// may go either way, which only matters between neighbours that share the edge).
    #[must_use]
    pub fn contains(&self, point: Point<f64>) -> bool {
        let (x, y) = (point.x(), point.y());
        let Some(bbox) = self.bbox else { return false };
        if x < bbox.min().x || x > bbox.max().x || y < bbox.min().y || y > bbox.max().y {
            return false;
        }
        let crosses = |line: &Line<[f64; 2]>| {
            let ([ax, ay], [bx, by]) = (line.from, line.to);
            (ay > y) != (by > y) && x < ax + (y - ay) * (bx - ax) / (by - ay)
        };
        let crossings = match &self.edges {
            Edges::Few(lines) => lines.iter().filter(|l| crosses(l)).count(),
            Edges::Many(tree) => {
                // Only edges whose box meets the ray from the point eastwards can cross it.
                let ray = AABB::from_corners([x, y], [bbox.max().x, y]);
                tree.locate_in_envelope_intersecting(&ray)
                    .filter(|l| crosses(l))
                    .count()
            }
        };
        crossings % 2 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, Coord, LineString, Polygon};

    /// A star with many vertices and a hole: concave, so a bounding box says little.
    fn star(points: usize) -> MultiPolygon<f64> {
        let ring = |r_out: f64, r_in: f64| -> LineString<f64> {
            (0..=points * 2)
                .map(|i| {
                    let a = std::f64::consts::PI * (i % (points * 2)) as f64 / points as f64;
                    let r = if i % 2 == 0 { r_out } else { r_in };
                    Coord {
                        x: 105.0 + r * a.cos(),
                        y: 19.0 + r * a.sin(),
                    }
                })
                .collect()
        };
        MultiPolygon(vec![Polygon::new(ring(1.0, 0.5), vec![ring(0.2, 0.1)])])
    }

    #[test]
    fn agrees_with_geo_on_a_grid_of_points() {
        for points in [5, 500] {
            let area = star(points);
            let prepared = PreparedArea::new(&area);
            for i in 0..120 {
                for j in 0..120 {
                    // Offsets keep the grid off the star's vertices and edges.
                    let p = Point::new(
                        103.8 + f64::from(i) * 0.02 + 1e-7,
                        17.8 + f64::from(j) * 0.02 + 3e-7,
                    );
                    assert_eq!(
                        prepared.contains(p),
                        area.contains(&p),
                        "{points} points, {p:?}"
                    );
                }
            }
        }
    }
}
