//! Simplification that neighbours share.
//!
//! Every vertex of a level's outlines gets a weight once, when the index is built: the area
//! of the triangle it makes with its neighbours at the moment Visvalingam–Whyatt's algorithm
//! would remove it (in square Mercator metres). A tile keeps the vertices whose weight is
//! at least a fraction of its pixel's area, so simplifying for a zoom is one comparison per
//! vertex.
//!
//! The weights are worked out arc by arc. A vertex where the set of units on either side of
//! the boundary changes (where three units meet, or a shared border meets the province's
//! edge) is a node and is always kept; between two nodes the boundary is one arc, the same
//! points on both sides once the level is noded (`topology`), and its weights depend on
//! nothing else. Ties are broken by position, and each triangle is measured with its corners
//! in a fixed order, so an arc walked either way gets the same weights to the bit: the two
//! units on it keep the same vertices at every zoom and still meet without gaps.

use geo::{Coord, LineString, MultiPolygon};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

/// Weights of one area's vertices: one list per ring (each polygon's exterior, then its
/// interiors), as long as the ring (the closing point repeats the first's weight).
pub type AreaWeights = Vec<Vec<f64>>;

/// The rings of an area, in the order `AreaWeights` lists them.
pub fn rings(area: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    area.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

type Point = [u64; 2];

fn key(c: Coord<f64>) -> Point {
    [c.x.to_bits(), c.y.to_bits()]
}

fn edge(a: Coord<f64>, b: Coord<f64>) -> (Point, Point) {
    let (a, b) = (key(a), key(b));
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The weights of every vertex of `areas`, which are one level's noded outlines.
#[must_use]
pub fn weigh(areas: &[&MultiPolygon<f64>]) -> Vec<AreaWeights> {
    // Which areas run along each edge.
    let mut owners: HashMap<(Point, Point), Vec<u32>> = HashMap::new();
    for (index, area) in areas.iter().enumerate() {
        #[allow(clippy::cast_possible_truncation)] // a level holds far fewer than 2^32 units
        let index = index as u32;
        for ring in rings(area) {
            for pair in ring.0.windows(2) {
                let list = owners.entry(edge(pair[0], pair[1])).or_default();
                if list.last() != Some(&index) {
                    list.push(index);
                }
            }
        }
    }
    for list in owners.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    areas
        .iter()
        .map(|area| rings(area).map(|r| weigh_ring(r, &owners)).collect())
        .collect()
}

fn weigh_ring(ring: &LineString<f64>, owners: &HashMap<(Point, Point), Vec<u32>>) -> Vec<f64> {
    let closed = &ring.0;
    if closed.len() < 4 {
        return vec![f64::INFINITY; closed.len()];
    }
    // The distinct vertices; vertex i runs from edge i-1 to edge i.
    let points = &closed[..closed.len() - 1];
    let n = points.len();
    let owners_of = |i: usize| owners.get(&edge(points[i], points[(i + 1) % n]));
    let mut nodes: Vec<usize> = (0..n)
        .filter(|&i| owners_of((i + n - 1) % n) != owners_of(i))
        .collect();
    if nodes.is_empty() {
        // A closed boundary with no neighbour change (an island, or a unit inside another):
        // its lowest and highest points, the same whichever way it is walked, anchor it.
        let order = |a: &usize, b: &usize| key(points[*a]).cmp(&key(points[*b]));
        let low = (0..n).min_by(order).unwrap_or(0);
        let high = (0..n).max_by(order).unwrap_or(0);
        nodes = vec![low.min(high), low.max(high)];
        nodes.dedup();
    }
    let mut weights = vec![f64::INFINITY; n];
    for (k, &start) in nodes.iter().enumerate() {
        let end = nodes[(k + 1) % nodes.len()];
        let mut arc = vec![start];
        let mut i = (start + 1) % n;
        while i != end {
            arc.push(i);
            i = (i + 1) % n;
        }
        arc.push(end);
        let arc_points: Vec<Coord<f64>> = arc.iter().map(|&i| points[i]).collect();
        for (position, weight) in weigh_arc(&arc_points).into_iter().enumerate() {
            if position > 0 && position + 1 < arc.len() {
                weights[arc[position]] = weight;
            }
        }
    }
    weights.push(weights[0]);
    weights
}

/// Twice the area of the triangle, with its two outer corners taken in a fixed order so that
/// the result does not depend on the direction of travel.
fn triangle(a: Coord<f64>, b: Coord<f64>, c: Coord<f64>) -> f64 {
    let (a, c) = if key(a) <= key(c) { (a, c) } else { (c, a) };
    ((b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y)).abs()
}

#[derive(PartialEq)]
struct Candidate {
    area: f64,
    at: Point,
    index: usize,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    // Smallest area first (the heap is a max-heap), then lowest position.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .area
            .total_cmp(&self.area)
            .then_with(|| other.at.cmp(&self.at))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Visvalingam–Whyatt on an open line whose ends are kept: each inner point's effective area
/// (never less than that of a point removed before it next door).
fn weigh_arc(points: &[Coord<f64>]) -> Vec<f64> {
    let n = points.len();
    let mut weights = vec![f64::INFINITY; n];
    if n < 3 {
        return weights;
    }
    let mut previous: Vec<usize> = (0..n).map(|i| i.saturating_sub(1)).collect();
    let mut next: Vec<usize> = (0..n).map(|i| (i + 1).min(n - 1)).collect();
    let mut current = vec![0.0; n];
    let mut heap = BinaryHeap::with_capacity(n);
    for i in 1..n - 1 {
        current[i] = triangle(points[i - 1], points[i], points[i + 1]) / 2.0;
        heap.push(Candidate {
            area: current[i],
            at: key(points[i]),
            index: i,
        });
    }
    let mut removed = vec![false; n];
    while let Some(Candidate { area, index, .. }) = heap.pop() {
        if removed[index] || area.to_bits() != current[index].to_bits() {
            continue; // an outdated entry
        }
        removed[index] = true;
        weights[index] = area;
        let (p, q) = (previous[index], next[index]);
        next[p] = q;
        previous[q] = p;
        for side in [p, q] {
            if side == 0 || side == n - 1 {
                continue;
            }
            let fresh = triangle(points[previous[side]], points[side], points[next[side]]) / 2.0;
            current[side] = fresh.max(area);
            heap.push(Candidate {
                area: current[side],
                at: key(points[side]),
                index: side,
            });
        }
    }
    weights
}

/// The ring without the vertices lighter than `threshold`.
#[must_use]
pub fn keep(ring: &LineString<f64>, weights: &[f64], threshold: f64) -> LineString<f64> {
    let mut kept: Vec<Coord<f64>> = ring.0[..ring.0.len().saturating_sub(1)]
        .iter()
        .zip(weights)
        .filter(|(_, w)| **w >= threshold)
        .map(|(c, _)| *c)
        .collect();
    if let Some(first) = kept.first().copied() {
        kept.push(first);
    }
    LineString(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Polygon};

    fn area(p: Polygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(vec![p])
    }

    #[test]
    fn neighbours_keep_the_same_vertices_of_their_shared_border() {
        // Two squares sharing the wavy border x ≈ 10, walked in opposite directions.
        let left = area(polygon![
            (x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.1, y: 2.0), (x: 9.7, y: 4.0),
            (x: 10.02, y: 6.0), (x: 10.3, y: 8.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0),
        ]);
        let right = area(polygon![
            (x: 10.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 10.0), (x: 10.0, y: 10.0),
            (x: 10.3, y: 8.0), (x: 10.02, y: 6.0), (x: 9.7, y: 4.0), (x: 10.1, y: 2.0),
        ]);
        let weights = weigh(&[&left, &right]);
        let border = |a: &MultiPolygon<f64>, w: &AreaWeights| -> Vec<(u64, u64)> {
            let ring = a.0[0].exterior();
            ring.0
                .iter()
                .zip(&w[0])
                .filter(|(c, _)| c.x > 5.0 && c.x < 15.0 && c.y > 0.0 && c.y < 10.0)
                .map(|(c, w)| (c.y.to_bits(), w.to_bits()))
                .collect()
        };
        let mut a = border(&left, &weights[0]);
        let mut b = border(&right, &weights[1]);
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a.len(), 4);
        assert_eq!(a, b);
        // The border's ends, where the outer edges meet it, are nodes.
        assert!(weights[0][0][1].is_infinite() && weights[0][0][6].is_infinite());
        // Every inner vertex of the border got a finite weight.
        assert!(a.iter().all(|(_, w)| f64::from_bits(*w).is_finite()));
    }

    #[test]
    fn thresholds_drop_the_lightest_vertices_first() {
        let p = area(polygon![
            (x: 0.0, y: 0.0), (x: 5.0, y: 0.01), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0),
            (x: 5.0, y: 7.0), (x: 0.0, y: 10.0),
        ]);
        let weights = weigh(&[&p]);
        let ring = p.0[0].exterior();
        assert_eq!(keep(ring, &weights[0][0], 0.0).0.len(), 7);
        let coarse = keep(ring, &weights[0][0], 1.0);
        // (5, 0.01) makes a triangle of 0.05: gone; (5, 7) one of 15: kept.
        assert!(!coarse.0.contains(&Coord { x: 5.0, y: 0.01 }));
        assert!(coarse.0.contains(&Coord { x: 5.0, y: 7.0 }));
        assert_eq!(coarse.0.first(), coarse.0.last());
    }
}
