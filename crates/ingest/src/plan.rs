//! From raw units to the units an upload would store: names normalised and repaired, types
//! and codes settled, parents assigned and checked, and the change against what is known.

use crate::error::{IngestError, Problem, Result};
use crate::read::{FileRead, RawUnit};
use covidmap_core::containment::{best_parent, outside};
use covidmap_core::names::{name_key, split_type_prefix};
use covidmap_core::text::{fold, normalize_name};
use covidmap_core::{diff_units, AdminUnit, Level, UnitDiff, UnitType};
use geo::Area;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// What the database already holds, as plain data.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Current units at the level being ingested.
    pub same_level: Vec<AdminUnit>,
    /// Current units the level's units may lie in: one level up, or for communes also the
    /// province itself where it has two tiers or the file is put in it (a file that places
    /// communes directly in a province with districts moves it to two tiers).
    pub parents: Vec<AdminUnit>,
    /// Current units one level down (for a commune file, the hamlets): those of units the
    /// file removes follow to the file's unit they lie in.
    pub below: Vec<AdminUnit>,
    /// Provinces with two tiers ([`covidmap_core::two_tier_provinces`]): no district may
    /// be put in them.
    pub two_tier: BTreeSet<String>,
}

impl Known {
    /// The level the units of `level` are placed in: the known parents' (a commune file
    /// placed directly in a province is two-tier), or the one above.
    #[must_use]
    pub fn parent_level(&self, level: Level) -> Option<Level> {
        self.parents.first().map(|p| p.level).or(level.parent())
    }

    /// The districts among the parents (those of a commune file).
    pub fn districts(&self) -> impl Iterator<Item = &AdminUnit> {
        self.parents.iter().filter(|p| p.level == Level::District)
    }
}

/// An upload ready to be applied.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Level of every unit.
    pub level: Level,
    /// The units as they would be stored.
    pub units: Vec<AdminUnit>,
    /// Parents whose children this upload replaces (units of theirs not in the file are removed).
    pub scope: Vec<String>,
    /// The change against what is known now.
    pub diff: UnitDiff,
    /// Names repaired from known units, codes found by name, and other inferences.
    pub notes: Vec<String>,
    /// Districts the file empties, which close with it: those of a province whose communes
    /// it places directly in the province (the move to two tiers).
    pub closing: Vec<String>,
    /// Units one level down whose parent the file removes, by code, each with the file's
    /// unit it lies in as its new parent (the hamlets of merged communes).
    pub moved_below: Vec<(String, String)>,
}

/// A summary of a plan for reports and dry runs.
#[derive(Debug, Clone, Serialize)]
pub struct PlanSummary {
    /// Level.
    pub level: Level,
    /// Units in the file.
    pub units: usize,
    /// The change.
    pub diff: UnitDiff,
    /// Parent codes in scope.
    pub scope: Vec<String>,
    /// Notes.
    pub notes: Vec<String>,
    /// Districts that close (the move to two tiers).
    pub closing: Vec<String>,
    /// Units one level down moved to another parent.
    pub moved_below: usize,
}

impl Plan {
    /// The plan without geometries.
    #[must_use]
    pub fn summary(&self) -> PlanSummary {
        PlanSummary {
            level: self.level,
            units: self.units.len(),
            diff: self.diff.clone(),
            scope: self.scope.clone(),
            notes: self.notes.clone(),
            closing: self.closing.clone(),
            moved_below: self.moved_below.len(),
        }
    }
}

/// Turns what was read into units, checking each against what is known.
///
/// # Errors
/// Every feature problem found: missing names or codes, duplicate codes, a type or parent
/// that does not fit the level, a unit outside its parent.
pub fn plan(read: &FileRead, level: Level, parent: Option<&str>, known: &Known) -> Result<Plan> {
    let file = read.report.file.as_str();
    let parent_level = known.parent_level(level);
    if parent_level.is_some() && known.parents.is_empty() {
        let p = parent_level.map_or("", Level::as_str);
        return Err(IngestError::file(
            file,
            Problem::file(
                format!("no {p} units are loaded yet, so {level} units have nothing to lie in"),
                format!("load the {p} boundaries first (`covidmap ingest FILE --level {p}`)"),
            ),
        ));
    }
    if let Some(code) = parent {
        if !known.parents.iter().any(|p| p.code == code) {
            return Err(IngestError::file(
                file,
                Problem::file(
                    format!(
                        "--parent {code} is not a known {} unit",
                        parent_level.map_or("parent", Level::as_str)
                    ),
                    "check the code (GET /api/v1/units lists them)",
                ),
            ));
        }
    }
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let mut units = Vec::with_capacity(read.units.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Each unit's checks (containment above all) are independent: run them on every core.
    let planned: Vec<(Result<AdminUnit, Problem>, Vec<String>)> = read
        .units
        .par_iter()
        .map(|raw| {
            let mut unit_notes = Vec::new();
            let unit = plan_unit(
                raw,
                level,
                parent,
                known,
                &read.report.fields,
                &mut unit_notes,
            );
            (unit, unit_notes)
        })
        .collect();
    for (raw, (planned, unit_notes)) in read.units.iter().zip(planned) {
        notes.extend(unit_notes);
        match planned {
            Ok(unit) => {
                if let Some(first) = seen.insert(unit.code.clone(), raw.index) {
                    let field = read
                        .report
                        .fields
                        .code
                        .clone()
                        .unwrap_or_else(|| "code".into());
                    problems.push(
                        Problem::feature(
                            raw.index,
                            format!("has code {} which feature {first} already has", unit.code),
                            "give each unit its own code",
                        )
                        .in_field(&field),
                    );
                } else {
                    units.push(unit);
                }
            }
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(IngestError::Features {
            file: file.to_owned(),
            problems,
        });
    }
    if level == Level::District {
        if let Some(u) = units.iter().find(|u| {
            u.parent_code
                .as_ref()
                .is_some_and(|p| known.two_tier.contains(p))
        }) {
            return Err(IngestError::file(
                file,
                Problem::file(
                    format!(
                        "province {} has two tiers (its communes lie directly in it): district {} {:?} has no place in it",
                        u.parent_code.as_deref().unwrap_or_default(),
                        u.code,
                        u.name
                    ),
                    "upload communes directly under the province instead",
                ),
            ));
        }
    }
    let closing = districts_closing(&units, known);
    let scope: Vec<String> = units
        .iter()
        .filter_map(|u| u.parent_code.clone())
        .chain(closing.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // What the file replaces: the units under its parents, and any unit holding one of its
    // codes. Provinces have no parent: a province file adds or changes the provinces it
    // holds and leaves the others (a database may serve several).
    let codes: BTreeSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
    let current: Vec<AdminUnit> = known
        .same_level
        .iter()
        .filter(|u| {
            u.parent_code.as_ref().is_some_and(|p| scope.contains(p))
                || codes.contains(u.code.as_str())
        })
        .cloned()
        .collect();
    let diff = diff_units(&current, &units);
    if !closing.is_empty() {
        check_covered(file, &diff.removed, &units, known)?;
    }
    let moved_below =
        follow(&diff.removed, &units, known).map_err(|problems| IngestError::Features {
            file: file.to_owned(),
            problems,
        })?;
    if !moved_below.is_empty() {
        notes.push(format!(
            "{} unit(s) below the {level}s removed follow to the file's {level} they lie in",
            moved_below.len()
        ));
    }
    if !closing.is_empty() {
        notes.push(format!(
            "the communes lie directly in the province: it moves to two tiers, and districts {} close",
            closing.join(", ")
        ));
    }
    Ok(Plan {
        level,
        units,
        scope,
        diff,
        notes,
        closing,
        moved_below,
    })
}

/// The districts of each province the file's communes are placed in directly.
fn districts_closing(units: &[AdminUnit], known: &Known) -> Vec<String> {
    let provinces: BTreeSet<&str> = units
        .iter()
        .filter_map(|u| u.parent_code.as_deref())
        .filter(|code| {
            known
                .parents
                .iter()
                .any(|p| p.code == *code && p.level == Level::Province)
        })
        .collect();
    known
        .districts()
        .filter(|d| {
            d.parent_code
                .as_deref()
                .is_some_and(|p| provinces.contains(p))
        })
        .map(|d| d.code.clone())
        .collect()
}

/// In a move to two tiers every commune the file removes must lie in the file's communes
/// (within the tolerance): a file of part of the province would otherwise take the rest off
/// the map.
fn check_covered(file: &str, removed: &[String], units: &[AdminUnit], known: &Known) -> Result<()> {
    use geo::{BooleanOps, BoundingRect, Intersects};
    let removed: BTreeSet<&str> = removed.iter().map(String::as_str).collect();
    let problems: Vec<Problem> = known
        .same_level
        .par_iter()
        .filter(|c| removed.contains(c.code.as_str()))
        .filter_map(|c| {
            let bbox = c.geometry.bounding_rect()?;
            let covered = units
                .iter()
                .filter(|u| u.geometry.bounding_rect().is_some_and(|r| r.intersects(&bbox)))
                .fold(geo::MultiPolygon::new(vec![]), |all, u| all.union(&u.geometry));
            let out = outside(&c.geometry, &covered);
            (!out.is_tolerable()).then(|| {
                Problem::file(
                    format!(
                        "{} {} {:?} of district {} is removed, but {:.1}% of it ({:.0} m²) lies in none of the file's communes",
                        c.level,
                        c.code,
                        c.name,
                        c.parent_code.as_deref().unwrap_or_default(),
                        out.fraction * 100.0,
                        out.square_metres
                    ),
                    "a move to two tiers uploads every commune of the province at once",
                )
            })
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(IngestError::Features {
            file: file.to_owned(),
            problems,
        })
    }
}

/// The units below whose parent the file removes, each moved to the file's unit it lies in.
///
/// # Errors
/// One problem for each that lies in none of the file's units.
fn follow(
    removed: &[String],
    units: &[AdminUnit],
    known: &Known,
) -> std::result::Result<Vec<(String, String)>, Vec<Problem>> {
    let removed: BTreeSet<&str> = removed.iter().map(String::as_str).collect();
    let orphans: Vec<&AdminUnit> = known
        .below
        .iter()
        .filter(|u| {
            u.parent_code
                .as_deref()
                .is_some_and(|p| removed.contains(p))
        })
        .collect();
    let placed: Vec<std::result::Result<(String, String), Problem>> = orphans
        .par_iter()
        .map(|child| {
            let candidates = units.iter().map(|p| (p.code.as_str(), &p.geometry));
            let parent = best_parent(&child.geometry, candidates)
                .and_then(|(code, _)| units.iter().find(|u| u.code == code))
                .filter(|p| outside(&child.geometry, &p.geometry).is_tolerable());
            match parent {
                Some(p) => Ok((child.code.clone(), p.code.clone())),
                None => Err(Problem::file(
                    format!(
                        "{} {} {:?} lies in {}, which this file removes, and in none of the file's units",
                        child.level,
                        child.code,
                        child.name,
                        child.parent_code.as_deref().unwrap_or_default()
                    ),
                    format!(
                        "keep {} in the file, or upload its {}s again first",
                        child.parent_code.as_deref().unwrap_or_default(),
                        child.level
                    ),
                )),
            }
        })
        .collect();
    let (moved, problems): (Vec<_>, Vec<_>) = placed.into_iter().partition(|p| p.is_ok());
    if problems.is_empty() {
        Ok(moved.into_iter().filter_map(|p| p.ok()).collect())
    } else {
        Err(problems.into_iter().filter_map(|p| p.err()).collect())
    }
}

fn plan_unit(
    raw: &RawUnit,
    level: Level,
    parent: Option<&str>,
    known: &Known,
    fields: &crate::fields::FieldMap,
    notes: &mut Vec<String>,
) -> Result<AdminUnit, Problem> {
    let index = raw.index;
    let given = raw
        .name
        .as_deref()
        .map(normalize_name)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            Problem::feature(index, "has no name", "fill in the unit's name").in_field(&fields.name)
        })?;
    let unit_type = unit_type(raw, &given, level, fields)?;
    let key = name_key(&given);
    let (code, name) = code_and_name(raw, &given, &key, level, known, fields, notes)?;
    let parent_code = assign_parent(raw, &name, level, parent, known, fields)?;
    Ok(AdminUnit {
        code,
        level,
        name_key: name_key(&name),
        name,
        unit_type,
        parent_code,
        geometry: raw.geometry.clone(),
    })
}

fn unit_type(
    raw: &RawUnit,
    name: &str,
    level: Level,
    fields: &crate::fields::FieldMap,
) -> Result<UnitType, Problem> {
    let from_field = raw.unit_type.as_deref().and_then(UnitType::parse);
    let unit_type = from_field
        .or_else(|| split_type_prefix(name).0)
        .unwrap_or_else(|| level.default_type());
    if unit_type.level() != level {
        let field = fields
            .unit_type
            .clone()
            .unwrap_or_else(|| fields.name.clone());
        return Err(Problem::feature(
            raw.index,
            format!(
                "{name:?} is a {} ({} level) but the file is being ingested as --level {level}",
                unit_type.label(),
                unit_type.level()
            ),
            format!("ingest it with --level {}", unit_type.level()),
        )
        .in_field(&field));
    }
    Ok(unit_type)
}

/// The unit's code (from the file, or from a known unit of the same name) and its name
/// (the known spelling when the file's is a damaged version of it).
fn code_and_name(
    raw: &RawUnit,
    given: &str,
    key: &str,
    level: Level,
    known: &Known,
    fields: &crate::fields::FieldMap,
    notes: &mut Vec<String>,
) -> Result<(String, String), Problem> {
    let code = raw.code.as_deref().map(clean_code);
    let known_unit = match &code {
        Some(code) => known.same_level.iter().find(|u| &u.code == code),
        None => {
            let matches: Vec<&AdminUnit> = known
                .same_level
                .iter()
                .filter(|u| u.name_key == key)
                .collect();
            match matches.as_slice() {
                [one] => {
                    notes.push(format!(
                        "feature {}: code {} taken from the known {level} named {:?}",
                        raw.index, one.code, one.name
                    ));
                    Some(*one)
                }
                _ => {
                    let looked = fields.code.clone().unwrap_or_else(|| "code".into());
                    return Err(Problem::feature(
                        raw.index,
                        format!(
                            "{given:?} has no code and {} known {level} has that name",
                            if matches.is_empty() {
                                "no"
                            } else {
                                "more than one"
                            }
                        ),
                        "add a code field with GSO codes, or pass --code-field",
                    )
                    .in_field(&looked));
                }
            }
        }
    };
    let code = code
        .or_else(|| known_unit.map(|u| u.code.clone()))
        .unwrap_or_default();
    // A type word other than the known one is a new type (a town made a commune in 2025),
    // not a damaged copy.
    let retyped = |k: &AdminUnit| {
        let typed = split_type_prefix(given).0;
        typed.is_some() && typed != split_type_prefix(&k.name).0
    };
    let name = match known_unit {
        Some(k)
            if k.name_key == key
                && k.name != given
                && !retyped(k)
                && marks(given) < marks(&k.name) =>
        {
            notes.push(format!(
                "feature {}: name {given:?} repaired to {:?}",
                raw.index, k.name
            ));
            k.name.clone()
        }
        _ => given.to_owned(),
    };
    Ok((code, name))
}

/// How many letters carry diacritics or a type word: a name with fewer is a damaged copy.
fn marks(name: &str) -> usize {
    let folded = fold(name);
    let typed = usize::from(split_type_prefix(name).0.is_some()) * 10;
    name.chars().filter(|c| !c.is_ascii()).count() + typed + usize::from(folded.is_empty())
}

fn clean_code(code: &str) -> String {
    let code = code.trim();
    code.strip_suffix(".0").unwrap_or(code).to_owned()
}

fn assign_parent(
    raw: &RawUnit,
    name: &str,
    level: Level,
    flag: Option<&str>,
    known: &Known,
    fields: &crate::fields::FieldMap,
) -> Result<Option<String>, Problem> {
    let Some(parent_level) = known.parent_level(level) else {
        return Ok(None);
    };
    let explicit = flag
        .map(str::to_owned)
        .or_else(|| raw.parent_code.as_deref().map(clean_code));
    let parent = match explicit {
        Some(code) => known
            .parents
            .iter()
            .find(|p| p.code == code)
            .ok_or_else(|| {
                let field = fields.parent.clone().unwrap_or_else(|| "--parent".into());
                Problem::feature(
                    raw.index,
                    format!("names parent {code}, which is not a known {parent_level}"),
                    "check the parent code",
                )
                .in_field(&field)
            })?,
        None => {
            let candidates = known.parents.iter().map(|p| (p.code.as_str(), &p.geometry));
            let (code, _) = best_parent(&raw.geometry, candidates).ok_or_else(|| {
                Problem::feature(
                    raw.index,
                    format!("{name:?} lies inside no known {parent_level}"),
                    format!("check the CRS and that --level {level} is right"),
                )
            })?;
            known
                .parents
                .iter()
                .find(|p| p.code == code)
                .ok_or_else(|| Problem::feature(raw.index, "parent vanished", "try again"))?
        }
    };
    let out = outside(&raw.geometry, &parent.geometry);
    if !out.is_tolerable() {
        return Err(Problem::feature(
            raw.index,
            format!(
                "{name:?} lies {:.1}% outside its parent {} {:?} ({:.0} m²)",
                out.fraction * 100.0,
                parent.code,
                parent.name,
                out.square_metres
            ),
            "check the boundary, the CRS and the parent code",
        ));
    }
    let share =
        raw.geometry.unsigned_area() / parent.geometry.unsigned_area().max(f64::MIN_POSITIVE);
    if share > 0.9 && level != Level::District {
        return Err(Problem::feature(
            raw.index,
            format!("{name:?} covers {:.0}% of its parent {:?}: it looks like a unit of the parent's level", share * 100.0, parent.name),
            format!("check --level (a {level} is much smaller than its {parent_level})"),
        ));
    }
    Ok(Some(parent.code.clone()))
}
