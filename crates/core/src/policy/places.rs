//! What the policy needs to know of the map: units by code and by position. The lookup
//! snapshot answers it; tests answer it with a few squares.

use crate::{AdminUnit, Level};
use geo::Point;

/// The administrative units, as far as jurisdiction goes.
pub trait Places {
    /// A current unit by code.
    fn unit(&self, code: &str) -> Option<&AdminUnit>;

    /// The current unit of `level` holding the point.
    fn unit_at(&self, level: Level, point: Point<f64>) -> Option<&AdminUnit>;

    /// Every current district.
    fn districts(&self) -> Vec<&AdminUnit>;

    /// The district a unit lies in (itself for a district), following parents.
    fn district_of(&self, code: &str) -> Option<&AdminUnit> {
        let mut unit = self.unit(code)?;
        // Four levels at most; the bound guards against a cycle in bad data.
        for _ in 0..Level::ALL.len() {
            match unit.level {
                Level::District => return Some(unit),
                Level::Province => return None,
                Level::Commune | Level::Hamlet => unit = self.unit(unit.parent_code.as_deref()?)?,
            }
        }
        None
    }
}

/// A unit in words, for refusals: "Huyện Nghi Lộc (413)".
#[must_use]
pub fn described(unit: &AdminUnit) -> String {
    format!("{} ({})", unit.name, unit.code)
}
