//! Choosing the answer: the chains of readings (a unit and the parents the address also
//! names), best first, with former names filling their units' places; the alternatives; the
//! confidence, capped for a guess.

use super::{
    Address, Candidate, Found, Gazetteer, Level, Resolution, Role, AMBIGUITY, GUESS,
    MAX_ALTERNATIVES,
};
use std::collections::HashMap;

impl Gazetteer {
    /// Builds the chains, best first, and reads off the answer.
    pub(super) fn choose(&self, address: &Address, found: &[Found]) -> Option<Resolution> {
        // Readings by the current unit they stand for: a former name fills its unit's place.
        let mut by_unit: HashMap<usize, Vec<&Found>> = HashMap::new();
        for f in found {
            by_unit
                .entry(self.entries[f.entry].stands_for)
                .or_default()
                .push(f);
        }
        // A former district alone stands for the whole province it was abolished into:
        // no answer.
        let mut chains: Vec<(Vec<Found>, f64)> = found
            .iter()
            .filter(|f| self.entries[self.entries[f.entry].stands_for].level != Level::Province)
            .map(|f| {
                let parts = self.best_chain(vec![*f], &by_unit);
                let score = parts.iter().map(|p| p.score).sum();
                (parts, score)
            })
            .collect();
        let unit_of = |parts: &[Found]| self.entries[parts[0].entry].stands_for;
        chains.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(
                    self.entries[a.0[0].entry]
                        .level
                        .cmp(&self.entries[b.0[0].entry].level),
                )
                .then(a.0[0].entry.cmp(&b.0[0].entry))
        });
        // Once per unit: its best chain.
        let mut seen = std::collections::HashSet::new();
        chains.retain(|(parts, _)| seen.insert(unit_of(parts)));
        let (best, best_score) = chains.first()?;
        let around_best = self.units_around(best);
        let alternatives: Vec<&(Vec<Found>, f64)> = chains[1..]
            .iter()
            .filter(|(parts, score)| {
                best_score - *score < AMBIGUITY && !around_best.contains(&unit_of(parts))
            })
            .take(MAX_ALTERNATIVES)
            .collect();
        let runner_up = chains.get(1).map_or(0.0, |c| c.1);
        let candidate = |parts: &[Found], score: f64, next_score: f64| {
            let matched: f64 = parts.iter().map(|p| p.score).sum();
            let possible: f64 = parts.iter().map(|p| p.best_possible).sum();
            let exactness = (matched / possible).clamp(0.0, 1.0);
            // Half when tied with the next reading, 0.91 one edit ahead.
            let separation = 1.0 - 0.5 * (-(score - next_score).max(0.0)).exp2();
            let mut confidence = exactness * coverage(address, parts).sqrt() * separation;
            if self.is_guess(parts, found) {
                confidence = confidence.min(GUESS);
            }
            let mut ranges: Vec<(usize, usize)> = parts.iter().map(|p| (p.from, p.to)).collect();
            ranges.sort_unstable();
            let mut changes: Vec<usize> = parts
                .iter()
                .filter_map(|p| self.entries[p.entry].former)
                .collect();
            changes.dedup();
            Candidate {
                unit: self.entries[parts[0].entry].unit,
                parts: ranges,
                score,
                confidence: (confidence * 100.0).round() / 100.0,
                changes,
            }
        };
        Some(Resolution {
            best: candidate(best, *best_score, runner_up),
            alternatives: alternatives
                .iter()
                .map(|(parts, score)| candidate(parts, *score, *best_score))
                .collect(),
        })
    }

    /// The best-scoring chain from `parts` up through the parents: at each level, every
    /// reading that stands for the parent and does not overlap the parts is tried (a current
    /// name and a former one lead up through different parents).
    fn best_chain(&self, parts: Vec<Found>, by_unit: &HashMap<usize, Vec<&Found>>) -> Vec<Found> {
        let score = |parts: &[Found]| parts.iter().map(|p| p.score).sum::<f64>();
        let Some(last) = parts.last().copied() else {
            return parts;
        };
        let mut next = self.entries[last.entry].parent;
        // Hierarchies are a few levels deep; the bound only guards against a cycle.
        for _ in 0..8 {
            let Some(parent) = next else { break };
            let readings: Vec<&Found> = by_unit
                .get(&self.entries[parent].stands_for)
                .into_iter()
                .flatten()
                .copied()
                .filter(|g| parts.iter().all(|q| g.to <= q.from || g.from >= q.to))
                .filter(|g| g.entry == parent || self.held_by(g.entry, last.entry))
                .collect();
            if readings.is_empty() {
                next = self.entries[parent].parent;
                continue;
            }
            return readings
                .into_iter()
                .map(|g| {
                    let mut longer = parts.clone();
                    longer.push(*g);
                    self.best_chain(longer, by_unit)
                })
                .max_by(|a, b| score(a).total_cmp(&score(b)))
                .unwrap_or(parts);
        }
        parts
    }

    /// The units a chain names and the ancestors of each (current and former ones): readings
    /// of these are part of the answer, not alternatives to it.
    fn units_around(&self, parts: &[Found]) -> Vec<usize> {
        let mut around = Vec::new();
        for p in parts {
            for start in [p.entry, self.entries[p.entry].stands_for] {
                let mut next = Some(start);
                // Hierarchies are a few levels deep; the bound only guards against a cycle.
                for _ in 0..8 {
                    let Some(n) = next else { break };
                    around.push(self.entries[n].stands_for);
                    next = self.entries[n].parent;
                }
            }
        }
        around
    }

    /// Whether a chain is a guess: a name in it matched only by edit distance, or the address
    /// names, exactly and apart from the chain, a district the unit does not lie in.
    fn is_guess(&self, parts: &[Found], found: &[Found]) -> bool {
        if parts.iter().any(|p| !p.exact) {
            return true;
        }
        let around = self.units_around(parts);
        found.iter().any(|g| {
            self.entries[g.entry].level == Level::District
                && g.exact
                && parts.iter().all(|q| g.to <= q.from || g.from >= q.to)
                && !(around.contains(&self.entries[g.entry].stands_for)
                    && parts.iter().any(|p| self.held_by(g.entry, p.entry)))
        })
    }

    /// Whether the unit `e` stands for may be written under `district`: always, but for a
    /// district abolished into its province, which stands for the whole province and holds
    /// only the units its communes became.
    fn held_by(&self, district: usize, e: usize) -> bool {
        match self.held.get(&district) {
            Some(held) => held.contains(&self.entries[e].stands_for),
            None => true,
        }
    }
}

/// Share of the address's name words that the parts explain (1 when it has none).
fn coverage(address: &Address, parts: &[Found]) -> f64 {
    let is_name = |w: &crate::address::Word| w.role == Role::Name;
    let total = address.words.iter().filter(|w| is_name(w)).count();
    if total == 0 {
        return 1.0;
    }
    let covered: usize = parts
        .iter()
        .map(|p| {
            address.words[p.from..p.to]
                .iter()
                .filter(|w| is_name(w))
                .count()
        })
        .sum();
    #[allow(clippy::cast_precision_loss)] // word counts
    let share = covered as f64 / total as f64;
    share.min(1.0)
}
