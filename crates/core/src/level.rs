//! Administrative levels and unit types (tỉnh → huyện → xã → xóm).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One of the four levels of the administrative hierarchy.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    utoipa::ToSchema,
    Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Tỉnh (the province itself).
    Province,
    /// Huyện / thị xã / thành phố.
    District,
    /// Xã / phường / thị trấn.
    Commune,
    /// Xóm / khối / thôn / bản / tổ dân phố.
    Hamlet,
}

impl Level {
    /// Every level, top down.
    pub const ALL: [Level; 4] = [
        Level::Province,
        Level::District,
        Level::Commune,
        Level::Hamlet,
    ];

    /// The name used in the database, the API and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
            Level::Hamlet => "hamlet",
        }
    }

    /// The level a unit of this level lies in where every tier exists (`None` for the
    /// province); see [`Level::parent_levels`] for the two-tier structure.
    #[must_use]
    pub fn parent(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::District => Some(Level::Province),
            Level::Commune => Some(Level::District),
            Level::Hamlet => Some(Level::Commune),
        }
    }

    /// The levels a unit of this level may lie in directly, nearest first. A commune lies in
    /// a district, or in the province itself where the province has no districts: the
    /// two-tier structure of Vietnam since 1 July 2025 (tỉnh → xã). Which one applies is the
    /// data's: a province with current districts has three tiers.
    #[must_use]
    pub fn parent_levels(self) -> &'static [Level] {
        match self {
            Level::Province => &[],
            Level::District => &[Level::Province],
            Level::Commune => &[Level::District, Level::Province],
            Level::Hamlet => &[Level::Commune],
        }
    }

    /// The unit type assumed when a file names none.
    #[must_use]
    pub fn default_type(self) -> UnitType {
        match self {
            Level::Province => UnitType::Tinh,
            Level::District => UnitType::Huyen,
            Level::Commune => UnitType::Xa,
            Level::Hamlet => UnitType::Xom,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A level name that is not one of `province`, `district`, `commune`, `hamlet`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level {0:?}: use province, district, commune or hamlet")]
pub struct UnknownLevel(pub String);

impl FromStr for Level {
    type Err = UnknownLevel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownLevel(s.to_owned()))
    }
}

/// The kind of unit, as Vietnamese administrations name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnitType {
    /// tỉnh
    Tinh,
    /// huyện
    Huyen,
    /// thị xã
    ThiXa,
    /// thành phố
    ThanhPho,
    /// xã
    Xa,
    /// phường
    Phuong,
    /// thị trấn
    ThiTran,
    /// xóm
    Xom,
    /// khối
    Khoi,
    /// thôn
    Thon,
    /// bản
    Ban,
    /// tổ dân phố
    ToDanPho,
}

impl UnitType {
    /// Every type.
    pub const ALL: [UnitType; 12] = [
        UnitType::Tinh,
        UnitType::Huyen,
        UnitType::ThiXa,
        UnitType::ThanhPho,
        UnitType::Xa,
        UnitType::Phuong,
        UnitType::ThiTran,
        UnitType::Xom,
        UnitType::Khoi,
        UnitType::Thon,
        UnitType::Ban,
        UnitType::ToDanPho,
    ];

    /// The Vietnamese word, lower case, as stored.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            UnitType::Tinh => "tỉnh",
            UnitType::Huyen => "huyện",
            UnitType::ThiXa => "thị xã",
            UnitType::ThanhPho => "thành phố",
            UnitType::Xa => "xã",
            UnitType::Phuong => "phường",
            UnitType::ThiTran => "thị trấn",
            UnitType::Xom => "xóm",
            UnitType::Khoi => "khối",
            UnitType::Thon => "thôn",
            UnitType::Ban => "bản",
            UnitType::ToDanPho => "tổ dân phố",
        }
    }

    /// Diacritic-free spellings and abbreviations that introduce a name of this type; the
    /// first is the label itself, folded.
    #[must_use]
    pub fn prefixes(self) -> &'static [&'static str] {
        match self {
            UnitType::Tinh => &["tinh"],
            UnitType::Huyen => &["huyen", "h"],
            UnitType::ThiXa => &["thi xa", "tx"],
            UnitType::ThanhPho => &["thanh pho", "tp"],
            UnitType::Xa => &["xa", "x"],
            UnitType::Phuong => &["phuong", "p"],
            UnitType::ThiTran => &["thi tran", "tt"],
            UnitType::Xom => &["xom"],
            UnitType::Khoi => &["khoi"],
            UnitType::Thon => &["thon"],
            UnitType::Ban => &["ban"],
            UnitType::ToDanPho => &["to dan pho", "tdp"],
        }
    }

    /// The level units of this type belong to.
    #[must_use]
    pub fn level(self) -> Level {
        match self {
            UnitType::Tinh => Level::Province,
            UnitType::Huyen | UnitType::ThiXa | UnitType::ThanhPho => Level::District,
            UnitType::Xa | UnitType::Phuong | UnitType::ThiTran => Level::Commune,
            _ => Level::Hamlet,
        }
    }

    /// Reads a type from a label in any case, with or without diacritics ("Thị xã", "THI XA", "TX").
    #[must_use]
    pub fn parse(text: &str) -> Option<UnitType> {
        let key = crate::text::fold(text);
        UnitType::ALL
            .into_iter()
            .find(|t| t.prefixes().contains(&key.as_str()))
    }
}

impl fmt::Display for UnitType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_round_trips_and_rejects_unknown() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
        }
        assert!("ward".parse::<Level>().is_err());
        assert_eq!(Level::Hamlet.parent(), Some(Level::Commune));
        assert_eq!(Level::Province.parent(), None);
        assert_eq!(
            Level::Commune.parent_levels(),
            [Level::District, Level::Province]
        );
    }

    #[test]
    fn the_first_prefix_is_the_folded_label() {
        for t in UnitType::ALL {
            assert_eq!(t.prefixes()[0], crate::text::fold(t.label()), "{t:?}");
        }
    }

    #[test]
    fn unit_types_parse_from_labels_and_abbreviations() {
        assert_eq!(UnitType::parse("Thị xã"), Some(UnitType::ThiXa));
        assert_eq!(UnitType::parse("THANH PHO"), Some(UnitType::ThanhPho));
        assert_eq!(UnitType::parse("Huyện"), Some(UnitType::Huyen));
        assert_eq!(UnitType::parse("TDP"), Some(UnitType::ToDanPho));
        assert_eq!(UnitType::parse("District"), None);
        assert_eq!(UnitType::parse(""), None);
        assert_eq!(UnitType::Ban.level(), Level::Hamlet);
    }
}
