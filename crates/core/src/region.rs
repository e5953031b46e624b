//! What a map covers: the province units in its data, one or several. Their names title the
//! pages, the tiles' metadata and the answers for points outside; their outlines give the
//! map's first view. Nothing else names a province.

use crate::level::Level;
use crate::unit::AdminUnit;
use geo::BoundingRect;

/// The provinces of a set of units, and the box around them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Region {
    /// Each province's code and name, by code.
    pub provinces: Vec<(String, String)>,
    /// West, south, east, north (degrees) of their outlines; `None` without provinces.
    pub bounds: Option<[f64; 4]>,
    /// The levels the units hold, top down: no district where every province has two
    /// tiers.
    pub levels: Vec<Level>,
}

impl Region {
    /// The region of `units`: their province-level units.
    #[must_use]
    pub fn of(units: &[AdminUnit]) -> Self {
        let mut provinces: Vec<&AdminUnit> = units
            .iter()
            .filter(|u| u.level == Level::Province)
            .collect();
        provinces.sort_by(|a, b| a.code.cmp(&b.code));
        let bounds = provinces
            .iter()
            .filter_map(|u| u.geometry.bounding_rect())
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ]
            });
        let levels = Level::ALL
            .into_iter()
            .filter(|l| units.iter().any(|u| u.level == *l))
            .collect();
        Region {
            levels,
            provinces: provinces
                .iter()
                .map(|u| (u.code.clone(), u.name.clone()))
                .collect(),
            bounds,
        }
    }

    /// The provinces' names for people: "Tỉnh Nghệ An", or several by code ("Tỉnh Nghệ An, Tỉnh Hà Tĩnh"); `None`
    /// without provinces.
    #[must_use]
    pub fn name(&self) -> Option<String> {
        (!self.provinces.is_empty()).then(|| {
            self.provinces
                .iter()
                .map(|(_, name)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
    }

    /// The name, or a plain word for a map with no province yet.
    #[must_use]
    pub fn name_or_default(&self) -> String {
        self.name().unwrap_or_else(|| "covidmap".to_owned())
    }

    /// Checks that every district of `units` (those this region was made of) lies in one of
    /// its provinces.
    ///
    /// # Errors
    /// Districts name a province the units do not hold (a database loaded without the
    /// province's outline): the map would have no outline, no title and no first view.
    pub fn check(&self, units: &[AdminUnit]) -> Result<(), RegionError> {
        let mut missing: Vec<&str> = units
            .iter()
            .filter(|u| u.level == Level::District)
            .filter_map(|u| u.parent_code.as_deref())
            .filter(|code| !self.has(code))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(RegionError::MissingProvinces(
                missing.into_iter().map(str::to_owned).collect(),
            ))
        }
    }

    /// The middle of the box around the provinces (longitude, latitude).
    #[must_use]
    pub fn center(&self) -> Option<[f64; 2]> {
        self.bounds
            .map(|[w, s, e, n]| [(w + e) / 2.0, (s + n) / 2.0])
    }

    /// Whether `code` is one of the provinces.
    #[must_use]
    pub fn has(&self, code: &str) -> bool {
        self.provinces.iter().any(|(c, _)| c == code)
    }
}

/// Why units are not a map.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    /// Districts lie in provinces that are not loaded.
    #[error("the districts lie in province(s) {}, which the database does not hold: load each province's outline first (`covidmap ingest FILE --level province`, its code the districts' parent code)", .0.join(", "))]
    MissingProvinces(Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::UnitType;
    use geo::{polygon, MultiPolygon};

    fn square(code: &str, name: &str, kind: UnitType, x: f64, y: f64) -> AdminUnit {
        let p = polygon![(x: x, y: y), (x: x + 1.0, y: y), (x: x + 1.0, y: y + 1.0), (x: x, y: y + 1.0)];
        let parent = (kind != UnitType::Tinh).then_some("40");
        AdminUnit::new(code, name, kind, parent, MultiPolygon(vec![p]))
    }

    #[test]
    fn several_provinces_are_named_by_code_and_boxed_together() {
        let units = vec![
            square("42", "Tỉnh Hà Tĩnh", UnitType::Tinh, 105.0, 17.0),
            square("412", "Thành phố Vinh", UnitType::ThanhPho, 105.0, 18.0),
            square("40", "Tỉnh Nghệ An", UnitType::Tinh, 104.0, 18.0),
        ];
        let region = Region::of(&units);
        assert_eq!(region.name().as_deref(), Some("Tỉnh Nghệ An, Tỉnh Hà Tĩnh"));
        assert_eq!(region.bounds, Some([104.0, 17.0, 106.0, 19.0]));
        assert!(region.has("42") && !region.has("412"));
        assert_eq!(region.levels, [Level::Province, Level::District]);
    }

    #[test]
    fn districts_without_their_province_are_refused_by_its_code() {
        let units = vec![square(
            "412",
            "Thành phố Vinh",
            UnitType::ThanhPho,
            105.0,
            18.0,
        )];
        assert_eq!(
            Region::of(&units).check(&units),
            Err(RegionError::MissingProvinces(vec!["40".to_owned()]))
        );
        let with_province = [
            units,
            vec![square("40", "Tỉnh Nghệ An", UnitType::Tinh, 104.0, 18.0)],
        ]
        .concat();
        assert!(Region::of(&with_province).check(&with_province).is_ok());
    }

    #[test]
    fn no_province_names_nothing() {
        let region = Region::of(&[]);
        assert_eq!(region.name(), None);
        assert_eq!(region.bounds, None);
        assert_eq!(region.name_or_default(), "covidmap");
    }
}
