//! Cutting a region into pieces of equal area with straight, slightly tilted cuts.

use geo::{Area, BooleanOps, BoundingRect, Coord, LineString, MultiPolygon, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Bisection steps when placing a cut: 2⁻¹⁶ of the region's width is well under a metre.
const SEARCH_STEPS: usize = 16;
/// Largest tilt of a cut from the perpendicular of the region's long side, in radians.
const MAX_TILT: f64 = 0.35;

/// Cuts `region` into `n` pieces of (nearly) equal area, in a deterministic order.
#[must_use]
pub fn split_equal_areas(
    region: &MultiPolygon<f64>,
    n: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<MultiPolygon<f64>> {
    if n <= 1 {
        return vec![region.clone()];
    }
    let left_count = n / 2;
    let (left, right) = cut(region, left_count as f64 / n as f64, rng);
    let mut pieces = split_equal_areas(&left, left_count, rng);
    pieces.extend(split_equal_areas(&right, n - left_count, rng));
    pieces
}

/// Cuts off the share `target` of the region's area with a line across its long side.
fn cut(
    region: &MultiPolygon<f64>,
    target: f64,
    rng: &mut ChaCha8Rng,
) -> (MultiPolygon<f64>, MultiPolygon<f64>) {
    let Some(rect) = region.bounding_rect() else {
        return (region.clone(), MultiPolygon(vec![]));
    };
    let total = region.unsigned_area();
    let (w, h) = (rect.width(), rect.height());
    // Cut across the longer side; the cut's normal is that side's direction, tilted.
    let base = if w >= h {
        0.0
    } else {
        std::f64::consts::FRAC_PI_2
    };
    let angle = base + rng.random_range(-MAX_TILT..MAX_TILT);
    let normal = Coord {
        x: angle.cos(),
        y: angle.sin(),
    };
    let reach = w.hypot(h);
    let centre = rect.center();
    let (mut lo, mut hi) = (-reach, reach);
    let mut best = (MultiPolygon(vec![]), 0.0);
    for _ in 0..SEARCH_STEPS {
        let mid = (lo + hi) / 2.0;
        let side = half_plane(centre, normal, mid, reach);
        let part = region.intersection(&side);
        let share = part.unsigned_area() / total;
        best = (part, mid);
        if share < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let side = half_plane(centre, normal, best.1, reach);
    (best.0, region.difference(&side))
}

/// The side of the line {p : (p − centre)·normal = offset} where (p − centre)·normal < offset,
/// as a square big enough to cover the region.
fn half_plane(
    centre: Coord<f64>,
    normal: Coord<f64>,
    offset: f64,
    reach: f64,
) -> MultiPolygon<f64> {
    let along = Coord {
        x: -normal.y,
        y: normal.x,
    };
    let at = |n: f64, a: f64| Coord {
        x: centre.x + normal.x * n + along.x * a,
        y: centre.y + normal.y * n + along.y * a,
    };
    let far = reach * 4.0;
    let ring = LineString(vec![
        at(offset, -far),
        at(offset, far),
        at(-far, far),
        at(-far, -far),
        at(offset, -far),
    ]);
    MultiPolygon(vec![Polygon::new(ring, vec![])])
}
