//! Whether a unit lies within its parent, allowing for digitising error, and which parent a
//! unit belongs to when the file does not say.

use geo::{Area, BooleanOps, BoundingRect, Intersects, MultiPolygon};

/// Share of a unit's area that may lie outside its parent (digitising error between files
/// from different offices).
pub const MAX_OUTSIDE_FRACTION: f64 = 0.02;
/// Area outside the parent that is always tolerated, in square metres (slivers along a
/// shared boundary of a small hamlet).
pub const MAX_OUTSIDE_M2: f64 = 20_000.0;

/// How much of `unit` lies outside `parent`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outside {
    /// Share of the unit's area, 0–1.
    pub fraction: f64,
    /// Approximate area in square metres.
    pub square_metres: f64,
}

impl Outside {
    /// Within the tolerance for digitising error.
    #[must_use]
    pub fn is_tolerable(&self) -> bool {
        self.fraction <= MAX_OUTSIDE_FRACTION || self.square_metres <= MAX_OUTSIDE_M2
    }
}

/// Measures the part of `unit` outside `parent` (both EPSG:4326).
#[must_use]
pub fn outside(unit: &MultiPolygon<f64>, parent: &MultiPolygon<f64>) -> Outside {
    let total = unit.unsigned_area();
    if total == 0.0 {
        return Outside {
            fraction: 0.0,
            square_metres: 0.0,
        };
    }
    let rest = if unit.intersects(parent) {
        unit.difference(parent)
    } else {
        unit.clone()
    };
    let rest_area = rest.unsigned_area();
    Outside {
        fraction: rest_area / total,
        square_metres: rest_area * square_metres_per_degree2(unit),
    }
}

/// Among candidate parents, the one holding the largest share of `unit`, with that share.
#[must_use]
pub fn best_parent<'a, I>(unit: &MultiPolygon<f64>, candidates: I) -> Option<(&'a str, f64)>
where
    I: IntoIterator<Item = (&'a str, &'a MultiPolygon<f64>)>,
{
    let total = unit.unsigned_area();
    let bbox = unit.bounding_rect()?;
    candidates
        .into_iter()
        .filter(|(_, p)| p.bounding_rect().is_some_and(|r| r.intersects(&bbox)))
        .map(|(code, p)| (code, unit.intersection(p).unsigned_area() / total))
        .filter(|(_, share)| *share > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Square metres in one square degree at the unit's latitude.
pub(crate) fn square_metres_per_degree2(unit: &MultiPolygon<f64>) -> f64 {
    use crate::circle::METRES_PER_DEGREE;
    let lat = unit
        .bounding_rect()
        .map_or(0.0, |r| (r.min().y + r.max().y) / 2.0);
    METRES_PER_DEGREE * METRES_PER_DEGREE * lat.to_radians().cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::square;

    #[test]
    fn inside_and_outside_are_measured() {
        let parent = square(105.0, 19.0, 0.1);
        assert_eq!(outside(&square(105.01, 19.01, 0.01), &parent).fraction, 0.0);
        let half_out = outside(&square(105.095, 19.01, 0.01), &parent);
        assert!((half_out.fraction - 0.5).abs() < 1e-9);
        assert!(!half_out.is_tolerable());
        let far = outside(&square(106.0, 19.0, 0.01), &parent);
        assert!((far.fraction - 1.0).abs() < 1e-9);
    }

    #[test]
    fn a_sliver_outside_is_tolerated() {
        let parent = square(105.0, 19.0, 0.1);
        // 0.00001° (about 1 m) over the edge of a 1 km square.
        let unit = square(105.09001, 19.01, 0.01);
        assert!(outside(&unit, &parent).is_tolerable());
    }

    #[test]
    fn best_parent_takes_the_largest_share() {
        let a = square(105.0, 19.0, 0.1);
        let b = square(105.1, 19.0, 0.1);
        let unit = square(105.09, 19.01, 0.02);
        let (code, share) = best_parent(&unit, [("a", &a), ("b", &b)]).unwrap();
        assert_eq!(code, "b");
        assert!((share - 0.5).abs() < 1e-9);
        assert!(best_parent(&square(107.0, 19.0, 0.01), [("a", &a)]).is_none());
    }
}
