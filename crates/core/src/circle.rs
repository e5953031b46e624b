//! A circle on the ground (a lockdown point's radius) as a polygon in longitude and latitude,
//! for the lockdown cover of the lookups and for the write policy alike.

use geo::{coord, LineString, Point, Polygon};

/// Corners of the polygon a circle is drawn as.
pub const CORNERS: u32 = 64;
/// Metres per degree of latitude.
pub const METRES_PER_DEGREE: f64 = 111_320.0;

/// A circle of `radius_m` metres around `centre`, as a [`CORNERS`]-sided polygon (lon/lat).
#[must_use]
pub fn circle(centre: Point<f64>, radius_m: f64) -> Polygon<f64> {
    let dy = radius_m / METRES_PER_DEGREE;
    let dx = dy / centre.y().to_radians().cos().max(0.1);
    let ring: Vec<_> = (0..=CORNERS)
        .map(|k| {
            let a = std::f64::consts::TAU * f64::from(k % CORNERS) / f64::from(CORNERS);
            coord! { x: centre.x() + dx * a.cos(), y: centre.y() + dy * a.sin() }
        })
        .collect();
    Polygon::new(LineString(ring), vec![])
}
