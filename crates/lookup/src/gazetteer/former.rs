//! Former names: one entry for each predecessor of an administrative change, standing for
//! the current unit (or units, after a split) it became, under the parent it had then.

use super::{accented_compact, Entry, Gazetteer, Histogram};
use covidmap_core::lineage::UnitChange;
use covidmap_core::names::split_type_prefix;
use covidmap_core::Level;
use std::collections::HashMap;

/// How many changes deep a successor is followed to the unit it is now.
const MAX_CHAIN: usize = 8;

/// Adds the former names of `gazetteer.changes`; `by_code` gives the current units' entries.
pub(super) fn add_former_names(gazetteer: &mut Gazetteer, by_code: &HashMap<&str, usize>) {
    // Former districts first: former communes hang under them.
    let mut order: Vec<usize> = (0..gazetteer.changes.len()).collect();
    order.sort_by_key(|&i| gazetteer.changes[i].predecessor.level() != Some(Level::District));
    let mut former_by_code: HashMap<String, usize> = HashMap::new();
    for i in order {
        let change = &gazetteer.changes[i];
        let Some(unit_type) = change.predecessor.unit_type() else {
            continue;
        };
        let level = unit_type.level();
        if !matches!(level, Level::District | Level::Commune) {
            continue;
        }
        let parent_code = change.predecessor.parent_code.as_str();
        let parent = by_code
            .get(parent_code)
            .or_else(|| former_by_code.get(parent_code))
            .copied();
        let compact: String = change
            .predecessor
            .name_key()
            .chars()
            .filter(|c| *c != ' ')
            .collect();
        let accented = accented_compact(split_type_prefix(&change.predecessor.name).1);
        let code = change.predecessor.code.clone();
        for successor in current_successors(&gazetteer.changes, by_code, &change.successor_code) {
            let now = &gazetteer.entries[successor];
            // The unit others merged into, under its own name and parent, is there already.
            let same_as_now = now.compact == compact && now.parent == parent;
            // A district abolished into its province stands for the province (two tiers).
            let into_province = now.level == Level::Province && level == Level::District;
            if same_as_now || (now.level != level && !into_province) {
                continue;
            }
            let unit = now.unit;
            let entry = gazetteer.entries.len();
            gazetteer.entries.push(Entry {
                unit,
                level,
                unit_type,
                parent,
                histogram: Histogram::of(&compact),
                compact: compact.clone(),
                accented: accented.clone(),
                number: None,
                stands_for: successor,
                former: Some(i),
                initials: false,
            });
            if let Some(code) = &code {
                former_by_code.entry(code.clone()).or_insert(entry);
            }
        }
    }
    // What each district abolished into its province held: the units its communes became,
    // whichever of its former names they hang under (a district renamed, then abolished,
    // has two). One with none listed holds nothing: no commune may be written under it.
    let abolished = |g: &Gazetteer, e: usize| {
        let entry = &g.entries[e];
        entry.former.is_some() && g.entries[entry.stands_for].level == Level::Province
    };
    let code_of = |g: &Gazetteer, e: usize| {
        let change = g.entries[e].former.map(|c| &g.changes[c]);
        change.map_or_else(String::new, |c| {
            c.predecessor
                .code
                .clone()
                .unwrap_or_else(|| c.predecessor.name_key())
        })
    };
    let mut by_district: HashMap<String, Vec<usize>> = HashMap::new();
    for e in 0..gazetteer.entries.len() {
        if abolished(gazetteer, e) {
            by_district.entry(code_of(gazetteer, e)).or_default();
        }
        let Some(parent) = gazetteer.entries[e].parent else {
            continue;
        };
        if abolished(gazetteer, parent) {
            let held = by_district.entry(code_of(gazetteer, parent)).or_default();
            let unit = gazetteer.entries[e].stands_for;
            if !held.contains(&unit) {
                held.push(unit);
            }
        }
    }
    for e in 0..gazetteer.entries.len() {
        if abolished(gazetteer, e) {
            let held = by_district
                .get(&code_of(gazetteer, e))
                .cloned()
                .unwrap_or_default();
            gazetteer.held.insert(e, held);
        }
    }
}

/// The current units a change's successor is now: itself, or what later changes made of it.
fn current_successors(
    changes: &[UnitChange],
    by_code: &HashMap<&str, usize>,
    code: &str,
) -> Vec<usize> {
    let mut found = Vec::new();
    let mut todo = vec![(code, 0)];
    while let Some((code, depth)) = todo.pop() {
        if let Some(&entry) = by_code.get(code) {
            found.push(entry);
            continue;
        }
        if depth >= MAX_CHAIN {
            continue;
        }
        todo.extend(
            changes
                .iter()
                .filter(|c| c.predecessor.code.as_deref() == Some(code))
                .map(|c| (c.successor_code.as_str(), depth + 1)),
        );
    }
    found.sort_unstable();
    found.dedup();
    found
}
