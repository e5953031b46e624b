//! Administrative changes: which unit became which, when and by what act. Communes are merged,
//! renamed, split and moved between districts, and districts are abolished; residents keep
//! writing the names they grew up with. One [`UnitChange`] is one predecessor → successor pair
//! (a merge of three communes is three changes with one successor; a split, one predecessor
//! with several).

use crate::containment::outside;
use crate::level::{Level, UnitType};
use crate::names::{name_key, split_type_prefix};
use crate::AdminUnit;
use chrono::NaiveDate;
use geo::{BooleanOps, MultiPolygon};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// What happened to the predecessor.
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
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Merged with others into the successor (which may keep its own name and code).
    Merge,
    /// The same unit under a new name (or type: a xã that became a phường).
    Rename,
    /// Divided: the predecessor has several successors.
    Split,
    /// The same unit moved to another district.
    Move,
    /// A district that no longer exists; its area went to the successor.
    DistrictAbolished,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 5] = [
        ChangeKind::Merge,
        ChangeKind::Rename,
        ChangeKind::Split,
        ChangeKind::Move,
        ChangeKind::DistrictAbolished,
    ];

    /// As written in files and answers.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Merge => "merge",
            ChangeKind::Rename => "rename",
            ChangeKind::Split => "split",
            ChangeKind::Move => "move",
            ChangeKind::DistrictAbolished => "district_abolished",
        }
    }

    /// Reads a kind as written.
    #[must_use]
    pub fn parse(text: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// What became of the predecessor, in words, before the name of what it became (for a
    /// move, the district it is in now).
    #[must_use]
    pub fn verb(self) -> &'static str {
        match self {
            ChangeKind::Merge | ChangeKind::DistrictAbolished => "merged into",
            ChangeKind::Rename => "renamed",
            ChangeKind::Split => "split; part is now",
            ChangeKind::Move => "moved to",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A unit as it was before a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormerUnit {
    /// Its code, when known (the statistics office's codes of merged communes are not always
    /// published with the act).
    pub code: Option<String>,
    /// Its full name with its type word: "Phường Lê Mao".
    pub name: String,
    /// The code of the unit it lay in then (its district; the province for a district).
    pub parent_code: String,
}

impl FormerUnit {
    /// Its type, read from the type word its name begins with.
    #[must_use]
    pub fn unit_type(&self) -> Option<UnitType> {
        split_type_prefix(&self.name).0
    }

    /// Its level (from its type word).
    #[must_use]
    pub fn level(&self) -> Option<Level> {
        self.unit_type().map(UnitType::level)
    }

    /// The key it is matched by (as [`crate::AdminUnit::name_key`]).
    #[must_use]
    pub fn name_key(&self) -> String {
        name_key(&self.name)
    }
}

/// One predecessor → successor pair of an administrative change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitChange {
    /// The day it took effect.
    pub effective: NaiveDate,
    /// The legal act: "Resolution 1243/NQ-UBTVQH15".
    pub act: String,
    /// What happened.
    pub kind: ChangeKind,
    /// The unit before.
    pub predecessor: FormerUnit,
    /// The code of the unit after (a current unit, or the predecessor of a later change).
    pub successor_code: String,
    /// Its name, as the act gives it (checked against the unit of that code).
    pub successor_name: String,
    /// Where the row comes from: the official list or the act's text.
    pub source: String,
}

impl UnitChange {
    /// Its stable id: who became whom on which day. The same row uploaded again is the same
    /// change (a new version when anything else in it differs).
    #[must_use]
    pub fn id(&self) -> String {
        let who = self.predecessor.code.clone().unwrap_or_else(|| {
            format!(
                "{}@{}",
                self.predecessor.name_key().replace(' ', "-"),
                self.predecessor.parent_code
            )
        });
        format!("{}:{who}>{}", self.effective, self.successor_code)
    }

    /// "Phường Lê Mao — merged into Phường Quang Trung by Resolution 1243/NQ-UBTVQH15
    /// (in force from 2024-12-01)", and "; now Phường Thành Vinh" when a later change renamed
    /// the successor; for a move, "Xã Nghi Phong — moved to Thành phố Vinh by …"; for a
    /// district abolished into its province, "… — abolished by …; its communes are directly
    /// under Tỉnh Nghệ An". `now` is the successor as it is (`None` when not current), and
    /// `now_parent` its parent.
    #[must_use]
    pub fn explanation(&self, now: Option<&AdminUnit>, now_parent: Option<&AdminUnit>) -> String {
        let by = format!("by {} (in force from {})", self.act, self.effective);
        let name = &self.predecessor.name;
        let into_province = now.is_some_and(|u| u.level == Level::Province);
        match self.kind {
            ChangeKind::DistrictAbolished if into_province => format!(
                "{name} — abolished {by}; its communes are directly under {}",
                self.successor_name
            ),
            ChangeKind::Move => match now_parent {
                Some(p) if p.level == Level::Province => {
                    format!("{name} — moved directly under {} {by}", p.name)
                }
                Some(p) => format!("{name} — moved to {} {by}", p.name),
                None => format!("{name} — moved to another district {by}"),
            },
            kind => {
                let later = now
                    .filter(|u| name_key(&u.name) != name_key(&self.successor_name))
                    .map(|u| format!("; now {}", u.name))
                    .unwrap_or_default();
                format!(
                    "{name} — {} {} {by}{later}",
                    kind.verb(),
                    self.successor_name
                )
            }
        }
    }
}

/// A problem with one change of a file: its index in the file, the field, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeProblem {
    /// Index of the change in the file.
    pub index: usize,
    /// The field (as the file's columns name them).
    pub field: &'static str,
    /// What is wrong and what to send instead.
    pub message: String,
}

/// What a file of changes is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    /// The current units.
    pub units: &'a [AdminUnit],
    /// The changes already stored (a change of the file with the same id replaces its own).
    pub stored: &'a [UnitChange],
    /// The latest outline of each unit the file names (current or closed), where there is one.
    pub outlines: &'a HashMap<String, MultiPolygon<f64>>,
}

/// Checks a file of changes against what is known: each successor is a current unit (under
/// the name the file gives it) or the predecessor of a later change; each former parent is a
/// current or a former unit; the kind fits the levels; a unit's changes come in date order; a
/// predecessor with several successors is a split and a split has several; and where both
/// outlines exist, the successors' cover the predecessor within the tolerance for digitising
/// error. Every problem is returned, by change and field.
#[must_use]
pub fn check(changes: &[UnitChange], known: Known<'_>) -> Vec<ChangeProblem> {
    let mut problems = Vec::new();
    let mut problem = |index: usize, field: &'static str, message: String| {
        problems.push(ChangeProblem {
            index,
            field,
            message,
        });
    };
    let current: HashMap<&str, &AdminUnit> =
        known.units.iter().map(|u| (u.code.as_str(), u)).collect();
    let ids: HashSet<String> = changes.iter().map(UnitChange::id).collect();
    // The file's changes and the stored ones it does not replace.
    let all: Vec<&UnitChange> = changes
        .iter()
        .chain(known.stored.iter().filter(|c| !ids.contains(&c.id())))
        .collect();
    // Every change by its predecessor's code (what became of a unit), once.
    let mut by_predecessor: HashMap<&str, Vec<&UnitChange>> = HashMap::new();
    for c in &all {
        if let Some(code) = c.predecessor.code.as_deref() {
            by_predecessor.entry(code).or_default().push(c);
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, change) in changes.iter().enumerate() {
        if let Some(first) = seen.insert(change.id(), index) {
            problem(
                index,
                "predecessor_name",
                format!(
                    "repeats change {} ({} → {} on {}); give each change once",
                    first + 1,
                    change.predecessor.name,
                    change.successor_code,
                    change.effective
                ),
            );
        }
        check_levels(change, &current, &by_predecessor, &mut |f, m| {
            problem(index, f, m);
        });
        if !current.contains_key(change.successor_code.as_str()) {
            check_order(change, &by_predecessor, &mut |f, m| problem(index, f, m));
        }
    }
    check_splits(changes, &all, &mut problem);
    check_outlines(changes, &current, known.outlines, &mut problem);
    problems.sort_by_key(|p| p.index);
    problems
}

/// The successor and the former parent exist, and the kind fits the levels.
fn check_levels(
    change: &UnitChange,
    current: &HashMap<&str, &AdminUnit>,
    by_predecessor: &HashMap<&str, Vec<&UnitChange>>,
    problem: &mut dyn FnMut(&'static str, String),
) {
    let former = |code: &str| by_predecessor.contains_key(code);
    let level = change.predecessor.level();
    match (level, change.kind) {
        (None, _) => problem(
            "predecessor_name",
            format!(
                "{:?} begins with no type word; write it in full, as the act does (\"Xã Hưng Xá\", \"Thị xã Cửa Lò\")",
                change.predecessor.name
            ),
        ),
        (Some(Level::District), ChangeKind::DistrictAbolished | ChangeKind::Rename) => {}
        (Some(Level::District), kind) => problem(
            "kind",
            format!("a district's change is district_abolished or rename, not {kind}"),
        ),
        (Some(Level::Commune), ChangeKind::DistrictAbolished) => problem(
            "kind",
            format!(
                "{} is a commune: district_abolished is for districts (its communes move or merge)",
                change.predecessor.name
            ),
        ),
        (Some(Level::Commune), _) => {}
        (Some(other), _) => problem(
            "predecessor_name",
            format!(
                "{} is a {}: changes are kept for districts and communes",
                change.predecessor.name,
                other.as_str()
            ),
        ),
    }
    if change.kind == ChangeKind::Move
        && change
            .predecessor
            .code
            .as_deref()
            .is_some_and(|c| c != change.successor_code)
    {
        problem(
            "successor_code",
            format!(
                "a move keeps the unit's code: {} is not {}",
                change.successor_code,
                change.predecessor.code.as_deref().unwrap_or_default()
            ),
        );
    }
    match current.get(change.successor_code.as_str()) {
        Some(unit) => {
            // The name it had then: a later change of the same code (a town that became
            // the seat of a larger commune, under the commune's name) may have renamed it.
            let renamed_later = by_predecessor
                .get(unit.code.as_str())
                .into_iter()
                .flatten()
                .any(|c| {
                    c.effective > change.effective
                        && c.predecessor.name_key() == name_key(&change.successor_name)
                });
            if name_key(&unit.name) != name_key(&change.successor_name) && !renamed_later {
                problem(
                    "successor_name",
                    format!(
                        "{} is {}, not {}; check the code or the name",
                        unit.code, unit.name, change.successor_name
                    ),
                );
            }
            // A district abolished into the province it lay in leaves its communes directly
            // under the province (two tiers); every other change keeps the level.
            let into_province = change.kind == ChangeKind::DistrictAbolished
                && unit.level == Level::Province
                && unit.code == change.predecessor.parent_code;
            if level.is_some_and(|l| l != unit.level) && !into_province {
                problem(
                    "successor_code",
                    format!(
                        "{} is a {}, {} was a {}: a change keeps the level",
                        unit.name,
                        unit.level.as_str(),
                        change.predecessor.name,
                        level.map_or("", Level::as_str)
                    ),
                );
            }
        }
        None if former(&change.successor_code) => {}
        None => problem(
            "successor_code",
            format!(
                "{} is neither a current unit nor the predecessor of another change; load its boundary first, or check the code",
                change.successor_code
            ),
        ),
    }
    let parent = change.predecessor.parent_code.as_str();
    if !current.contains_key(parent) && !former(parent) {
        problem(
            "predecessor_parent_code",
            format!(
                "{parent} is neither a current unit nor a former one these changes describe; give the code of the district {} lay in",
                change.predecessor.name
            ),
        );
    }
}

/// A unit's changes come in date order: what became of its successor (one that is no longer
/// current) happened later.
fn check_order(
    change: &UnitChange,
    by_predecessor: &HashMap<&str, Vec<&UnitChange>>,
    problem: &mut dyn FnMut(&'static str, String),
) {
    let later = by_predecessor
        .get(change.successor_code.as_str())
        .into_iter()
        .flatten()
        .find(|c| c.successor_code != change.successor_code && c.effective < change.effective);
    if let Some(later) = later {
        problem(
            "effective",
            format!(
                "{} became {} on {}, yet {} became it only on {}: dates out of order",
                later.predecessor.name,
                later.successor_name,
                later.effective,
                change.predecessor.name,
                change.effective
            ),
        );
    }
}

/// A predecessor with several successors on one day is a split, and a split has several.
fn check_splits(
    changes: &[UnitChange],
    all: &[&UnitChange],
    problem: &mut dyn FnMut(usize, &'static str, String),
) {
    // A predecessor by its code, or by its name with its diacritics (Nậm Càn and Nậm Cắn
    // are two communes of Kỳ Sơn).
    let key = |c: &UnitChange| {
        (
            c.predecessor
                .code
                .clone()
                .unwrap_or_else(|| crate::text::normalize_name(&c.predecessor.name).to_lowercase()),
            c.predecessor.parent_code.clone(),
            c.effective,
        )
    };
    // Successors of each predecessor on each day, counted once.
    let mut successors_of: HashMap<_, usize> = HashMap::new();
    for c in all {
        *successors_of.entry(key(c)).or_default() += 1;
    }
    for (index, change) in changes.iter().enumerate() {
        let successors = successors_of.get(&key(change)).copied().unwrap_or_default();
        if change.kind == ChangeKind::Split && successors < 2 {
            problem(
                index,
                "kind",
                format!(
                    "{} is a split with one successor; give a row for each successor, or call it a merge or rename",
                    change.predecessor.name
                ),
            );
        } else if change.kind != ChangeKind::Split && successors > 1 {
            problem(
                index,
                "kind",
                format!(
                    "{} has {successors} successors on {}: that is a split",
                    change.predecessor.name, change.effective
                ),
            );
        }
    }
}

/// Where the predecessor's last outline and its successors' are known, they cover it. Only
/// a predecessor the boundaries no longer hold is compared: while it is still current, the
/// boundaries have not caught up with the change (its successor's outline is the one from
/// before), and there is nothing to compare yet.
fn check_outlines(
    changes: &[UnitChange],
    current: &HashMap<&str, &AdminUnit>,
    outlines: &HashMap<String, MultiPolygon<f64>>,
    problem: &mut dyn FnMut(usize, &'static str, String),
) {
    let mut successors: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, change) in changes.iter().enumerate() {
        if let Some(code) = change.predecessor.code.as_deref() {
            if !current.contains_key(code) {
                successors.entry(code).or_default().push(index);
            }
        }
    }
    for (code, indexes) in successors {
        let Some(before) = outlines.get(code) else {
            continue;
        };
        let after: Option<Vec<&MultiPolygon<f64>>> = indexes
            .iter()
            .map(|&i| outlines.get(&changes[i].successor_code))
            .collect();
        let Some(after) = after else {
            continue;
        };
        let union = after
            .iter()
            .fold(MultiPolygon::new(Vec::new()), |acc, p| acc.union(*p));
        let outside = outside(before, &union);
        if !outside.is_tolerable() {
            let change = &changes[indexes[0]];
            problem(
                indexes[0],
                "successor_code",
                format!(
                    "{:.1} % of {} ({:.0} m²) lies outside {}: the successors must cover their predecessor",
                    outside.fraction * 100.0,
                    change.predecessor.name,
                    outside.square_metres,
                    indexes
                        .iter()
                        .map(|&i| changes[i].successor_name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le_mao() -> UnitChange {
        UnitChange {
            effective: NaiveDate::from_ymd_opt(2024, 12, 1).unwrap_or_default(),
            act: "Resolution 1243/NQ-UBTVQH15".into(),
            kind: ChangeKind::Merge,
            predecessor: FormerUnit {
                code: None,
                name: "Phường Lê Mao".into(),
                parent_code: "412".into(),
            },
            successor_code: "16681".into(),
            successor_name: "Phường Quang Trung".into(),
            source: "the act".into(),
        }
    }

    fn unit(code: &str, name: &str, parent: &str, square: (f64, f64, f64)) -> AdminUnit {
        let (x, y, d) = square;
        let ring =
            geo::LineString::from(vec![(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)]);
        let unit_type = split_type_prefix(name).0.unwrap_or(UnitType::Xa);
        let outline = MultiPolygon::new(vec![geo::Polygon::new(ring, vec![])]);
        AdminUnit::new(code, name, unit_type, Some(parent), outline)
    }

    fn units() -> Vec<AdminUnit> {
        let province = MultiPolygon::new(vec![]);
        vec![
            AdminUnit::new("40", "Tỉnh Nghệ An", UnitType::Tinh, None, province),
            unit("412", "Thành phố Vinh", "40", (105.6, 18.6, 0.2)),
            unit("429", "Huyện Nghi Lộc", "40", (105.4, 18.8, 0.2)),
            unit("16681", "Phường Quang Trung", "412", (105.68, 18.67, 0.01)),
            unit("17902", "Xã Nghi Phong", "412", (105.70, 18.75, 0.02)),
        ]
    }

    fn change(
        kind: ChangeKind,
        predecessor: (&str, Option<&str>, &str),
        successor: (&str, &str),
    ) -> UnitChange {
        UnitChange {
            kind,
            predecessor: FormerUnit {
                name: predecessor.0.into(),
                code: predecessor.1.map(Into::into),
                parent_code: predecessor.2.into(),
            },
            successor_code: successor.0.into(),
            successor_name: successor.1.into(),
            ..le_mao()
        }
    }

    fn problems(
        changes: &[UnitChange],
        outlines: &HashMap<String, MultiPolygon<f64>>,
    ) -> Vec<(usize, &'static str, String)> {
        let units = units();
        check(
            changes,
            Known {
                units: &units,
                stored: &[],
                outlines,
            },
        )
        .into_iter()
        .map(|p| (p.index, p.field, p.message))
        .collect()
    }

    #[test]
    fn a_real_file_passes() {
        let moved = change(
            ChangeKind::Move,
            ("Xã Nghi Phong", Some("17902"), "429"),
            ("17902", "Xã Nghi Phong"),
        );
        let abolished = UnitChange {
            successor_code: "412".into(),
            successor_name: "Thành phố Vinh".into(),
            ..change(
                ChangeKind::DistrictAbolished,
                ("Thị xã Cửa Lò", Some("414"), "40"),
                ("412", "Thành phố Vinh"),
            )
        };
        let ward = change(
            ChangeKind::Move,
            ("Phường Nghi Hải", Some("16729"), "414"),
            ("16681", "Phường Quang Trung"),
        );
        let got = problems(&[le_mao(), moved, abolished, ward.clone()], &HashMap::new());
        // The ward keeps its code in a move: the one problem is that it names another.
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "successor_code");
        assert!(got[0].2.contains("a move keeps the unit's code"), "{got:?}");
    }

    #[test]
    fn a_district_abolished_into_its_province_is_the_move_to_two_tiers() {
        let into = |province: (&str, &str)| {
            change(
                ChangeKind::DistrictAbolished,
                ("Huyện Nghi Lộc", Some("429"), "40"),
                province,
            )
        };
        assert_eq!(
            problems(&[into(("40", "Tỉnh Nghệ An"))], &HashMap::new()),
            []
        );
        // Into a province it did not lie in: the level still must be kept.
        let elsewhere = UnitChange {
            predecessor: FormerUnit {
                parent_code: "412".into(),
                ..into(("40", "Tỉnh Nghệ An")).predecessor
            },
            ..into(("40", "Tỉnh Nghệ An"))
        };
        let got = problems(&[elsewhere], &HashMap::new());
        assert!(
            got.iter()
                .any(|(_, f, m)| *f == "successor_code" && m.contains("keeps the level")),
            "{got:?}"
        );
    }

    #[test]
    fn a_successor_may_bear_the_name_a_later_change_of_its_code_replaced() {
        // In 2024 a commune merged into 16681, then "Xã Hưng Bình"; in 2025 that commune,
        // same code, became "Phường Quang Trung" with more land (as Thị trấn Kim Nhan became
        // Xã Anh Sơn).
        let then = change(
            ChangeKind::Merge,
            ("Xã Hưng Xá", None, "412"),
            ("16681", "Xã Hưng Bình"),
        );
        let later = UnitChange {
            effective: then.effective.succ_opt().unwrap(),
            ..change(
                ChangeKind::Merge,
                ("Xã Hưng Bình", Some("16681"), "412"),
                ("16681", "Phường Quang Trung"),
            )
        };
        assert_eq!(problems(&[then.clone(), later], &HashMap::new()), []);
        let got = problems(&[then], &HashMap::new());
        assert!(
            got.iter().any(|(_, f, _)| *f == "successor_name"),
            "{got:?}"
        );
    }

    #[test]
    fn every_bad_row_is_named_by_field() {
        let cases: Vec<(UnitChange, &str, &str)> = vec![
            (
                change(
                    ChangeKind::Merge,
                    ("Lê Mao", None, "412"),
                    ("16681", "Phường Quang Trung"),
                ),
                "predecessor_name",
                "no type word",
            ),
            (
                change(
                    ChangeKind::Merge,
                    ("Phường Lê Mao", None, "412"),
                    ("99999", "Phường X"),
                ),
                "successor_code",
                "neither a current unit",
            ),
            (
                change(
                    ChangeKind::Merge,
                    ("Phường Lê Mao", None, "412"),
                    ("16681", "Phường Lê Lợi"),
                ),
                "successor_name",
                "is Phường Quang Trung, not Phường Lê Lợi",
            ),
            (
                change(
                    ChangeKind::Merge,
                    ("Phường Lê Mao", None, "499"),
                    ("16681", "Phường Quang Trung"),
                ),
                "predecessor_parent_code",
                "499 is neither",
            ),
            (
                change(
                    ChangeKind::DistrictAbolished,
                    ("Phường Lê Mao", None, "412"),
                    ("16681", "Phường Quang Trung"),
                ),
                "kind",
                "district_abolished is for districts",
            ),
            (
                change(
                    ChangeKind::Merge,
                    ("Huyện Nghi Lộc", Some("429"), "40"),
                    ("412", "Thành phố Vinh"),
                ),
                "kind",
                "district_abolished or rename",
            ),
            (
                change(
                    ChangeKind::Merge,
                    ("Phường Lê Mao", None, "412"),
                    ("412", "Thành phố Vinh"),
                ),
                "successor_code",
                "a change keeps the level",
            ),
            (
                change(
                    ChangeKind::Split,
                    ("Phường Lê Mao", None, "412"),
                    ("16681", "Phường Quang Trung"),
                ),
                "kind",
                "a split with one successor",
            ),
        ];
        for (bad, field, says) in cases {
            let got = problems(std::slice::from_ref(&bad), &HashMap::new());
            assert!(
                got.iter()
                    .any(|(i, f, m)| *i == 0 && *f == field && m.contains(says)),
                "{bad:?}: {got:?}"
            );
        }
    }

    #[test]
    fn repeats_splits_and_dates_out_of_order() {
        let twice = problems(&[le_mao(), le_mao()], &HashMap::new());
        assert!(
            twice
                .iter()
                .any(|(i, _, m)| *i == 1 && m.contains("repeats change 1")),
            "{twice:?}"
        );
        let two_ways = [
            le_mao(),
            change(
                ChangeKind::Merge,
                ("Phường Lê Mao", None, "412"),
                ("17902", "Xã Nghi Phong"),
            ),
        ];
        let got = problems(&two_ways, &HashMap::new());
        assert!(
            got.iter()
                .any(|(_, f, m)| *f == "kind" && m.contains("that is a split")),
            "{got:?}"
        );
        // Nghi Ân (no longer a unit) became part of Quang Trung in 2024, yet Lê Mao became
        // Nghi Ân in 2025.
        let merged_early = change(
            ChangeKind::Merge,
            ("Xã Nghi Ân", Some("17900"), "412"),
            ("16681", "Phường Quang Trung"),
        );
        let into_it_later = UnitChange {
            effective: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default(),
            ..change(
                ChangeKind::Merge,
                ("Phường Lê Mao", None, "412"),
                ("17900", "Xã Nghi Ân"),
            )
        };
        let changes = [merged_early, into_it_later];
        let got = problems(&changes, &HashMap::new());
        assert!(
            got.iter()
                .any(|(i, f, m)| *i == 1 && *f == "effective" && m.contains("dates out of order")),
            "{got:?}"
        );
        // A unit still current may take others in after a change of its own (Mường Nọc gave
        // part of itself to Kim Sơn in 2020 and stayed).
        let [_, mut later] = changes;
        later.successor_code = "17902".into();
        later.successor_name = "Xã Nghi Phong".into();
        let split_off = change(
            ChangeKind::Merge,
            ("Xã Nghi Phong", Some("17902"), "412"),
            ("16681", "Phường Quang Trung"),
        );
        let got = problems(&[split_off, later], &HashMap::new());
        assert!(!got.iter().any(|(_, f, _)| *f == "effective"), "{got:?}");
    }

    #[test]
    fn successors_must_cover_their_predecessor() {
        // Xã Nghi Ân (17900) is no longer a current unit: its last outline is known.
        let merged = change(
            ChangeKind::Merge,
            ("Xã Nghi Ân", Some("17900"), "412"),
            ("16681", "Phường Quang Trung"),
        );
        let mut outlines: HashMap<String, MultiPolygon<f64>> = units()
            .into_iter()
            .map(|u| (u.code.clone(), u.geometry))
            .collect();
        let closed = unit("17900", "Xã Nghi Ân", "412", (105.70, 18.75, 0.02)).geometry;
        outlines.insert("17900".into(), closed);
        let got = problems(std::slice::from_ref(&merged), &outlines);
        assert!(
            got.iter()
                .any(|(_, f, m)| *f == "successor_code"
                    && m.contains("lies outside Phường Quang Trung")),
            "{got:?}"
        );
        // Once the successor's outline holds the predecessor's, the merge passes.
        let big = unit("16681", "Phường Quang Trung", "412", (105.6, 18.6, 0.2)).geometry;
        outlines.insert("16681".into(), big);
        assert_eq!(problems(&[merged], &outlines), vec![]);
        // A predecessor still current is not compared: the boundaries are from before the
        // change (the sample's 2021 districts beside the 2024 merge of Cửa Lò into Vinh).
        let still_there = change(
            ChangeKind::Merge,
            ("Xã Nghi Phong", Some("17902"), "412"),
            ("16681", "Phường Quang Trung"),
        );
        let small = unit("16681", "Phường Quang Trung", "412", (105.68, 18.67, 0.01)).geometry;
        outlines.insert("16681".into(), small);
        assert_eq!(problems(&[still_there], &outlines), vec![]);
    }

    #[test]
    fn kinds_read_back() {
        for kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ChangeKind::parse("merged"), None);
    }

    #[test]
    fn a_change_says_what_became_of_the_unit() {
        let change = le_mao();
        assert_eq!(change.predecessor.level(), Some(Level::Commune));
        assert_eq!(change.id(), "2024-12-01:le-mao@412>16681");
        assert_eq!(
            change.explanation(None, None),
            "Phường Lê Mao — merged into Phường Quang Trung by Resolution 1243/NQ-UBTVQH15 (in force from 2024-12-01)"
        );
        let units = units();
        let province = &units[0];
        let vinh = &units[1];
        let thanh_vinh = AdminUnit {
            name: "Phường Thành Vinh".into(),
            ..units[3].clone()
        };
        assert!(change
            .explanation(Some(&thanh_vinh), Some(province))
            .ends_with("(in force from 2024-12-01); now Phường Thành Vinh"));
        let abolished = UnitChange {
            kind: ChangeKind::DistrictAbolished,
            predecessor: FormerUnit {
                code: Some("412".into()),
                name: "Thành phố Vinh".into(),
                parent_code: "40".into(),
            },
            successor_code: "40".into(),
            successor_name: "Tỉnh Nghệ An".into(),
            ..le_mao()
        };
        assert!(abolished
            .explanation(Some(province), None)
            .ends_with("; its communes are directly under Tỉnh Nghệ An"));
        let moved = UnitChange {
            kind: ChangeKind::Move,
            ..le_mao()
        };
        assert!(moved
            .explanation(Some(&units[3]), Some(vinh))
            .starts_with("Phường Lê Mao — moved to Thành phố Vinh by"));
        assert!(moved
            .explanation(Some(&units[3]), Some(province))
            .starts_with("Phường Lê Mao — moved directly under Tỉnh Nghệ An by"));
    }
}
