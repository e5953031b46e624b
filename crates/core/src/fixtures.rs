//! Small named units for tests, here once for every crate's tests (enable the `fixtures`
//! feature as a dev-dependency).

use crate::layers::Declaration;
use crate::{AdminUnit, Level};
use geo::{polygon, MultiPolygon};

/// A square, `size` degrees a side, its south-west corner at (`x`, `y`).
#[must_use]
pub fn square(x: f64, y: f64, size: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x, y: y), (x: x + size, y: y), (x: x + size, y: y + size), (x: x, y: y + size)
    ]])
}

/// A unit of `level` drawn as [`square`], named "the {code}".
#[must_use]
pub fn square_unit(
    code: &str,
    level: Level,
    parent: Option<&str>,
    x: f64,
    y: f64,
    size: f64,
) -> AdminUnit {
    AdminUnit::new(
        code,
        format!("the {code}"),
        level.default_type(),
        parent,
        square(x, y, size),
    )
}

/// A declaration of `level`, in force since the epoch, declared by "d" for "r".
#[must_use]
pub fn declaration(level: u8) -> Declaration {
    Declaration {
        level,
        active: true,
        reason: "r".into(),
        declared_by: "d".into(),
        started_at: chrono::DateTime::UNIX_EPOCH,
        planned_end: None,
        lifted_at: None,
    }
}
