//! Autocomplete over every unit: diacritic-insensitive, any word order, each typed word a
//! prefix of a word in the unit's name or its parents' names.

use crate::Snapshot;
use covidmap_core::text::fold;
use covidmap_core::AdminUnit;

/// The folded words a unit is found by: its own name (with its type word), then its parents'.
#[derive(Debug, Clone, Default)]
pub struct SearchText {
    own: Vec<String>,
    parents: Vec<String>,
}

impl SearchText {
    /// Builds the words of a unit given its ancestors' names, nearest first.
    #[must_use]
    pub fn new(unit: &AdminUnit, ancestors: &[&str]) -> Self {
        let mut own: Vec<String> = fold(&unit.name).split(' ').map(str::to_owned).collect();
        let type_words = fold(unit.unit_type.label());
        for w in type_words.split(' ') {
            if !own.iter().any(|o| o == w) {
                own.push(w.to_owned());
            }
        }
        let parents = ancestors
            .iter()
            .flat_map(|a| fold(a).split(' ').map(str::to_owned).collect::<Vec<_>>())
            .collect();
        SearchText { own, parents }
    }

    /// How well the query's words match, or `None` when some word matches nothing.
    /// Words matching the unit's own name count most; whole words more than prefixes.
    #[must_use]
    pub fn score(&self, query_words: &[&str]) -> Option<u32> {
        let mut score = 0;
        for q in query_words {
            let hit = |words: &[String]| {
                if words.iter().any(|w| w == q) {
                    Some(3)
                } else if words.iter().any(|w| w.starts_with(q)) {
                    Some(2)
                } else {
                    None
                }
            };
            score += match (hit(&self.own), hit(&self.parents)) {
                (Some(s), _) => s * 2,
                (None, Some(s)) => s,
                (None, None) => return None,
            };
        }
        Some(score)
    }
}

/// The query's words, folded.
#[must_use]
pub fn query_words(query: &str) -> Vec<String> {
    fold(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Snapshot {
    /// Units whose names (or their parents' names) hold every word of the query, best first:
    /// own-name matches before parent matches, whole words before prefixes, coarser levels
    /// before finer, then by code.
    #[must_use]
    pub fn search(&self, query: &str, limit: usize) -> Vec<&AdminUnit> {
        let words = query_words(query);
        if words.is_empty() {
            return Vec::new();
        }
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let mut hits: Vec<(u32, usize)> = self
            .units
            .search
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.score(&words).map(|score| (score, i)))
            .collect();
        hits.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(self.units.list[a.1].level.cmp(&self.units.list[b.1].level))
                .then(self.units.list[a.1].code.cmp(&self.units.list[b.1].code))
        });
        hits.into_iter()
            .take(limit)
            .map(|(_, i)| &self.units.list[i])
            .collect()
    }
}
