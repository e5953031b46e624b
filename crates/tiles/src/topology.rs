//! Shared boundaries made to share vertices.
//!
//! Neighbouring units often meet at a T-junction: a vertex of one lies on an edge of the other
//! without being a vertex of it (cutting a commune in two adds a vertex on its border that
//! the commune next door never gets). Snapping to a tile's grid moves that vertex but not the
//! straight edge, and a sliver opens or overlaps along the border. Inserting such vertices
//! into every edge they lie on first makes the shared boundary the same list of points on
//! both sides, so both snap alike. Each level is noded with itself and the level above (a
//! commune gets its neighbours' vertices and its district's, not its hamlets': those would
//! only add points a commune map does not need).

use geo::{Coord, LineString, MultiPolygon, Polygon};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

/// A vertex within this distance of an edge (degrees, about 10 cm) lies on it: closer than
/// any two distinct boundaries are drawn, wider than the rounding of computed cut points.
const ON_EDGE: f64 = 1e-6;

type Vertex = GeomWithData<[f64; 2], ()>;

/// Every ring of every area, with the vertices of all `areas` and of `also` (the level above,
/// whose outline the areas must follow) that lie on its edges inserted.
#[must_use]
pub fn node_shared_boundaries(
    areas: &[&MultiPolygon<f64>],
    also: &[&MultiPolygon<f64>],
) -> Vec<MultiPolygon<f64>> {
    let mut points: Vec<[f64; 2]> = areas
        .iter()
        .chain(also)
        .flat_map(|a| a.iter())
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.iter().map(|c| [c.x, c.y]))
        .collect();
    points.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    points.dedup();
    let vertices: RTree<Vertex> =
        RTree::bulk_load(points.into_iter().map(|p| Vertex::new(p, ())).collect());
    areas
        .iter()
        .map(|area| {
            MultiPolygon(
                area.iter()
                    .map(|p| {
                        Polygon::new(
                            node_ring(p.exterior(), &vertices),
                            p.interiors()
                                .iter()
                                .map(|r| node_ring(r, &vertices))
                                .collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

fn node_ring(ring: &LineString<f64>, vertices: &RTree<Vertex>) -> LineString<f64> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for edge in ring.0.windows(2) {
        let (a, b) = (edge[0], edge[1]);
        out.push(a);
        let envelope = AABB::from_corners(
            [a.x.min(b.x) - ON_EDGE, a.y.min(b.y) - ON_EDGE],
            [a.x.max(b.x) + ON_EDGE, a.y.max(b.y) + ON_EDGE],
        );
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let length2 = dx * dx + dy * dy;
        if length2 == 0.0 {
            continue;
        }
        let mut on_edge: Vec<(f64, Coord<f64>)> = vertices
            .locate_in_envelope_intersecting(&envelope)
            .filter_map(|v| {
                let [x, y] = *v.geom();
                let t = ((x - a.x) * dx + (y - a.y) * dy) / length2;
                if t <= 0.0 || t >= 1.0 {
                    return None;
                }
                let (px, py) = (a.x + t * dx - x, a.y + t * dy - y);
                (px * px + py * py <= ON_EDGE * ON_EDGE).then_some((t, Coord { x, y }))
            })
            .collect();
        on_edge.sort_by(|p, q| p.0.total_cmp(&q.0));
        out.extend(on_edge.into_iter().map(|(_, c)| c));
    }
    if let Some(last) = ring.0.last() {
        out.push(*last);
    }
    LineString(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn t_junctions_get_the_vertex_on_both_sides() {
        // A square, and two squares beside it that split its right edge at y = 0.5.
        let left = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
        ]);
        let low = MultiPolygon(vec![
            polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 0.5), (x: 1.0, y: 0.5)],
        ]);
        let high = MultiPolygon(vec![
            polygon![(x: 1.0, y: 0.5), (x: 2.0, y: 0.5), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)],
        ]);
        let noded = node_shared_boundaries(&[&left, &low, &high], &[]);
        let ring = &noded[0].0[0].exterior().0;
        assert!(ring.contains(&Coord { x: 1.0, y: 0.5 }), "{ring:?}");
        assert_eq!(ring.len(), 6);
        // The others had nothing to gain.
        assert_eq!(noded[1], low);
        assert_eq!(noded[2], high);
    }
}
