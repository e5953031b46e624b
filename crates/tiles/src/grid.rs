//! The Web Mercator tile grid (EPSG:3857, XYZ scheme, y from the north): tile addresses,
//! their bounds, and longitude/latitude to Mercator metres.

use std::f64::consts::PI;

/// Radius of the Web Mercator sphere, metres.
const EARTH_RADIUS: f64 = 6_378_137.0;
/// Half the width of the Mercator world, metres.
pub const WORLD_HALF: f64 = EARTH_RADIUS * PI;
/// Highest zoom served.
pub const MAX_ZOOM: u8 = 18;
/// Latitude limit of Web Mercator.
const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// One tile of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom, 0–18.
    pub z: u8,
    /// Column, 0 at the antimeridian, growing east.
    pub x: u32,
    /// Row, 0 at the north, growing south.
    pub y: u32,
}

/// A tile address that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// Zoom above the highest served.
    #[error("zoom {0} is out of range: use 0 to {MAX_ZOOM}")]
    Zoom(u32),
    /// Column or row beyond the grid at that zoom.
    #[error("{part} {value} is out of range at zoom {z}: use 0 to {max}")]
    Index {
        /// `x` or `y`.
        part: &'static str,
        /// What was asked.
        value: u32,
        /// The zoom.
        z: u8,
        /// The largest index at that zoom.
        max: u32,
    },
}

impl TileError {
    /// Which part of the address is wrong: `z`, `x` or `y`.
    #[must_use]
    pub fn part(&self) -> &'static str {
        match self {
            TileError::Zoom(_) => "z",
            TileError::Index { part, .. } => part,
        }
    }
}

/// A rectangle in Mercator metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MercatorRect {
    /// West edge.
    pub min_x: f64,
    /// South edge.
    pub min_y: f64,
    /// East edge.
    pub max_x: f64,
    /// North edge.
    pub max_y: f64,
}

impl MercatorRect {
    /// Whether two rectangles share any point.
    #[must_use]
    pub fn intersects(&self, other: &MercatorRect) -> bool {
        self.min_x <= other.max_x
            && other.min_x <= self.max_x
            && self.min_y <= other.max_y
            && other.min_y <= self.max_y
    }

    /// Grown by `margin` metres on every side.
    #[must_use]
    pub fn grown(&self, margin: f64) -> MercatorRect {
        MercatorRect {
            min_x: self.min_x - margin,
            min_y: self.min_y - margin,
            max_x: self.max_x + margin,
            max_y: self.max_y + margin,
        }
    }
}

impl TileId {
    /// A tile, checked against the grid.
    ///
    /// # Errors
    /// The zoom is above 18, or x or y beyond 2^z − 1.
    pub fn new(z: u32, x: u32, y: u32) -> Result<Self, TileError> {
        let z = u8::try_from(z)
            .ok()
            .filter(|z| *z <= MAX_ZOOM)
            .ok_or(TileError::Zoom(z))?;
        let max = (1_u32 << z) - 1;
        for (part, value) in [("x", x), ("y", y)] {
            if value > max {
                return Err(TileError::Index {
                    part,
                    value,
                    z,
                    max,
                });
            }
        }
        Ok(TileId { z, x, y })
    }

    /// Width of a tile at this zoom, metres.
    #[must_use]
    pub fn size(&self) -> f64 {
        2.0 * WORLD_HALF / f64::from(1_u32 << self.z)
    }

    /// The tile's bounds.
    #[must_use]
    pub fn bounds(&self) -> MercatorRect {
        let size = self.size();
        let min_x = -WORLD_HALF + f64::from(self.x) * size;
        let max_y = WORLD_HALF - f64::from(self.y) * size;
        MercatorRect {
            min_x,
            min_y: max_y - size,
            max_x: min_x + size,
            max_y,
        }
    }

    /// Tiles at zoom `z` whose bounds meet the rectangle, as (x range, y range).
    #[must_use]
    pub fn covering(
        z: u8,
        rect: &MercatorRect,
    ) -> (std::ops::RangeInclusive<u32>, std::ops::RangeInclusive<u32>) {
        let n = 1_u32 << z;
        let size = 2.0 * WORLD_HALF / f64::from(n);
        let index = |v: f64| {
            // Truncation is the point: which tile a coordinate falls in.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let i = (v / size).floor().clamp(0.0, f64::from(n - 1)) as u32;
            i
        };
        let x0 = index(rect.min_x + WORLD_HALF);
        let x1 = index(rect.max_x + WORLD_HALF);
        let y0 = index(WORLD_HALF - rect.max_y);
        let y1 = index(WORLD_HALF - rect.min_y);
        (x0..=x1, y0..=y1)
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Longitude and latitude (degrees) to Web Mercator metres.
#[must_use]
pub fn to_mercator(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    [
        lon.to_radians() * EARTH_RADIUS,
        (PI / 4.0 + lat / 2.0).tan().ln() * EARTH_RADIUS,
    ]
}

/// Web Mercator metres to longitude and latitude (degrees).
#[must_use]
pub fn to_lon_lat(x: f64, y: f64) -> [f64; 2] {
    [
        (x / EARTH_RADIUS).to_degrees(),
        (2.0 * (y / EARTH_RADIUS).exp().atan() - PI / 2.0).to_degrees(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert!(TileId::new(18, 262_143, 0).is_ok());
        assert_eq!(TileId::new(19, 0, 0).unwrap_err().part(), "z");
        assert_eq!(TileId::new(3, 8, 0).unwrap_err().part(), "x");
        assert_eq!(TileId::new(3, 0, 8).unwrap_err().part(), "y");
    }

    #[test]
    fn bounds_and_covering_agree() {
        // Vinh, 105.69 E 18.68 N, is in tile 10/812/457 (the slippy-map formulas).
        let [x, y] = to_mercator(105.69, 18.68);
        let rect = MercatorRect {
            min_x: x,
            min_y: y,
            max_x: x,
            max_y: y,
        };
        let (xs, ys) = TileId::covering(10, &rect);
        assert_eq!((*xs.start(), *ys.start()), (812, 457));
        let t = TileId::new(10, 812, 457).unwrap();
        let b = t.bounds();
        assert!(b.min_x <= x && x <= b.max_x && b.min_y <= y && y <= b.max_y);
        let [lon, lat] = to_lon_lat(x, y);
        assert!((lon - 105.69).abs() < 1e-9 && (lat - 18.68).abs() < 1e-9);
    }
}
