//! The gazetteer: which hamlet, commune or district an address names.
//!
//! Every run of up to four words of the address is compared with every district and commune
//! name (and the hamlets of the communes found), diacritic-free and with spaces ignored, so
//! "nghiphong", "Nghi Phong" and "nghi phongg" all reach Xã Nghi Phong. A match scores the
//! letters it explains, less 2.5 per edit, plus 3 when a type word of the right level stands
//! before it ("xã", "X.", "huyện"…) and one more for the exact type; a type word of another
//! level costs 3. Numbered hamlets ("Xóm 5") match only a number after a hamlet type word.
//! The answer is the chain (hamlet, commune, district) whose parts fit the hierarchy, do not
//! overlap and score most; chains naming other units that score less than one edit below it
//! are the alternatives.

use crate::address::{Address, Role};
use covidmap_core::AdminUnit;
use covidmap_core::{Level, UnitType};
use std::collections::HashMap;

/// Longest run of words compared with a name.
const MAX_NAME_WORDS: usize = 4;
/// Most edits a name may be off by (names of 7 letters or more; 1 for 4–6, none below).
const MAX_EDITS: usize = 2;
/// Score lost per edit.
const EDIT_COST: f64 = 2.5;
/// Score for a type word of the right level before a name.
const MARKER_BONUS: f64 = 3.0;
/// Score for a name typed with exactly its diacritics: it decides between names that differ
/// only in them.
const ACCENT_BONUS: f64 = 1.0;
/// Score for a numbered hamlet after a hamlet type word (its digits explain little text).
const NUMBERED_HAMLET: f64 = 6.0;
/// Readings within this many points of the best are ambiguous with it: less than one edit.
const AMBIGUITY: f64 = EDIT_COST;
/// At most this many alternatives.
const MAX_ALTERNATIVES: usize = 4;

/// A unit's name, ready for matching.
#[derive(Debug, Clone)]
struct Entry {
    /// Index in the units the gazetteer was built from.
    unit: usize,
    level: Level,
    unit_type: UnitType,
    /// Entry of the parent unit.
    parent: Option<usize>,
    /// Folded name without type word or spaces: "nghiphong".
    compact: String,
    /// The same in lower case with its diacritics: "nghivạn" (Nghi Vạn and Nghi Văn are
    /// both communes of Nghi Lộc).
    accented: String,
    histogram: Histogram,
    /// The number of a numbered hamlet ("Xóm 5").
    number: Option<u32>,
}

/// Letter counts: half the difference between two of them bounds the edit distance from
/// below, which rules most names out before any edit distance is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Histogram([u8; 36]);

impl Histogram {
    fn of(text: &str) -> Self {
        let mut counts = [0_u8; 36];
        for b in text.bytes() {
            let slot = match b {
                b'a'..=b'z' => usize::from(b - b'a'),
                b'0'..=b'9' => 26 + usize::from(b - b'0'),
                _ => continue,
            };
            counts[slot] = counts[slot].saturating_add(1);
        }
        Histogram(counts)
    }

    fn min_edits(&self, other: &Histogram) -> usize {
        let diff: usize = self
            .0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| usize::from(a.abs_diff(*b)))
            .sum();
        diff.div_ceil(2)
    }
}

/// Every hamlet, commune and district name, indexed.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    entries: Vec<Entry>,
    /// District and commune entries by the length of their compact name, so a run of words
    /// is compared only with names it could be two edits from.
    by_length: Vec<Vec<usize>>,
    /// `children[e]`: entries whose parent is `e`.
    children: Vec<Vec<usize>>,
    /// Hamlets with names rather than numbers ("Bản Na Huồi"), by compact name, so they are
    /// found without their commune.
    named_hamlets: HashMap<String, Vec<usize>>,
}

/// Words `from..to` of the address compared with one name.
#[derive(Debug)]
struct Span {
    from: usize,
    to: usize,
    compact: String,
    accented: String,
    histogram: Histogram,
    number: Option<u32>,
    marker: Option<UnitType>,
    /// The run opens with a type word ("Xá Lượng" after "xã" folds to "xa luong"): only an
    /// exact match may use it.
    opens_with_marker: bool,
}

/// A name found in the address.
#[derive(Debug, Clone, Copy)]
struct Found {
    entry: usize,
    from: usize,
    to: usize,
    score: f64,
    best_possible: f64,
}

/// A unit the address may mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Index of the unit in the slice the gazetteer was built from.
    pub unit: usize,
    /// Word ranges of the address that named it and its parents, in address order.
    pub parts: Vec<(usize, usize)>,
    /// Sum of the parts' scores.
    pub score: f64,
    /// 0–1: how exactly the names matched, how much of the address they explain, and how
    /// far ahead of the next candidate it is (half when tied).
    pub confidence: f64,
}

/// The best reading of an address, and the others worth showing.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// Best candidate.
    pub best: Candidate,
    /// Runner-ups naming other units, best first.
    pub alternatives: Vec<Candidate>,
}

/// A unit an address may mean, with the words that named it.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressMatch<'a> {
    /// The unit.
    pub unit: &'a AdminUnit,
    /// The words of the address that named it and its parents, as written, in order.
    pub matched_text: String,
    /// 0–1, see [`Candidate::confidence`].
    pub confidence: f64,
}

/// What an address names.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressAnswer<'a> {
    /// The address as read.
    pub address: Address,
    /// The best reading.
    pub best: AddressMatch<'a>,
    /// Other units it may mean, best first, when it is ambiguous.
    pub alternatives: Vec<AddressMatch<'a>>,
}

impl AddressAnswer<'_> {
    /// The house number and street, as written, if any.
    #[must_use]
    pub fn street(&self) -> Option<&str> {
        self.address.street()
    }
}

impl Gazetteer {
    /// Reads `text` and finds what it names among `units` (the slice the gazetteer was
    /// built from).
    #[must_use]
    pub fn answer<'a>(&self, units: &'a [AdminUnit], text: &str) -> Option<AddressAnswer<'a>> {
        let address = Address::read(text);
        let resolution = self.resolve(&address)?;
        let to_match = |c: &Candidate| AddressMatch {
            unit: &units[c.unit],
            matched_text: c
                .parts
                .iter()
                .map(|&(from, to)| address.original(from, to))
                .collect::<Vec<_>>()
                .join(", "),
            confidence: c.confidence,
        };
        let best = to_match(&resolution.best);
        let alternatives = resolution.alternatives.iter().map(to_match).collect();
        Some(AddressAnswer {
            best,
            alternatives,
            address,
        })
    }

    /// Indexes the hamlets, communes and districts among `units`.
    #[must_use]
    pub fn new(units: &[AdminUnit]) -> Self {
        let mut gazetteer = Gazetteer::default();
        let mut by_code: HashMap<&str, usize> = HashMap::new();
        for (unit, u) in units.iter().enumerate() {
            if u.level == Level::Province {
                continue;
            }
            let compact: String = u.name_key.chars().filter(|c| *c != ' ').collect();
            let number = if u.level == Level::Hamlet {
                compact.parse().ok()
            } else {
                None
            };
            let (_, bare) = covidmap_core::names::split_type_prefix(&u.name);
            let accented = accented_compact(bare);
            by_code.insert(&u.code, gazetteer.entries.len());
            gazetteer.entries.push(Entry {
                unit,
                level: u.level,
                unit_type: u.unit_type,
                parent: None,
                histogram: Histogram::of(&compact),
                compact,
                accented,
                number,
            });
        }
        gazetteer.children = vec![Vec::new(); gazetteer.entries.len()];
        for e in 0..gazetteer.entries.len() {
            let unit = &units[gazetteer.entries[e].unit];
            let parent = unit
                .parent_code
                .as_deref()
                .and_then(|c| by_code.get(c))
                .copied();
            gazetteer.entries[e].parent = parent;
            if let Some(p) = parent {
                gazetteer.children[p].push(e);
            }
            let entry = &gazetteer.entries[e];
            match entry.level {
                Level::District | Level::Commune => {
                    let len = entry.compact.len();
                    if gazetteer.by_length.len() <= len {
                        gazetteer.by_length.resize(len + 1, Vec::new());
                    }
                    gazetteer.by_length[len].push(e);
                }
                Level::Hamlet if entry.number.is_none() => gazetteer
                    .named_hamlets
                    .entry(entry.compact.clone())
                    .or_default()
                    .push(e),
                _ => {}
            }
        }
        gazetteer
    }

    /// Reads an address and finds the units it names; `None` when it names none.
    #[must_use]
    pub fn resolve(&self, address: &Address) -> Option<Resolution> {
        let spans = spans(address);
        let mut found: Vec<Found> = Vec::new();
        for span in &spans {
            let len = span.compact.len();
            let lengths = len.saturating_sub(MAX_EDITS)..=len + MAX_EDITS;
            for bucket in lengths.filter_map(|l| self.by_length.get(l)) {
                for &e in bucket {
                    found.extend(self.compare(span, e));
                }
            }
        }
        // Hamlets: those of the communes found, and named ones anywhere by exact name.
        let mut communes: Vec<usize> = found
            .iter()
            .filter(|f| self.entries[f.entry].level == Level::Commune)
            .map(|f| f.entry)
            .collect();
        communes.sort_unstable();
        communes.dedup();
        for span in &spans {
            for &c in &communes {
                for &h in &self.children[c] {
                    found.extend(self.compare(span, h));
                }
            }
            for &h in self.named_hamlets.get(&span.compact).into_iter().flatten() {
                if !communes.contains(&self.entries[h].parent.unwrap_or(usize::MAX)) {
                    found.extend(self.compare(span, h));
                }
            }
        }
        self.choose(address, &found)
    }

    /// How well a run of words matches one entry's name, if at all.
    fn compare(&self, span: &Span, e: usize) -> Option<Found> {
        let entry = &self.entries[e];
        let marker_score = |m: Option<UnitType>| match m {
            Some(t) if t == entry.unit_type => MARKER_BONUS + 1.0,
            Some(t) if t.level() == entry.level => MARKER_BONUS,
            Some(_) => -MARKER_BONUS,
            None => 0.0,
        };
        let found = |score: f64, best_possible: f64| Found {
            entry: e,
            from: span.from,
            to: span.to,
            score,
            best_possible,
        };
        if let Some(n) = entry.number {
            let hamlet_marker = span.marker.is_some_and(|m| m.level() == Level::Hamlet);
            return (span.number == Some(n) && hamlet_marker).then(|| {
                found(
                    NUMBERED_HAMLET + marker_score(span.marker),
                    NUMBERED_HAMLET + MARKER_BONUS + 1.0,
                )
            });
        }
        let len = entry.compact.len();
        let allowed = match len {
            0..=3 => 0,
            4..=6 => 1,
            _ => MAX_EDITS,
        };
        let allowed = if span.opens_with_marker { 0 } else { allowed };
        if span.compact.len().abs_diff(len) > allowed
            || span.histogram.min_edits(&entry.histogram) > allowed
        {
            return None;
        }
        let edits = if span.compact == entry.compact {
            0
        } else {
            strsim::osa_distance(&span.compact, &entry.compact)
        };
        if edits > allowed {
            return None;
        }
        // Letters matched: the longer of the two less the edits, so that names of different
        // lengths one edit away score alike.
        #[allow(clippy::cast_precision_loss)] // names are short
        let letters = (span.compact.len().max(len) - edits) as f64;
        #[allow(clippy::cast_precision_loss)]
        let edit_cost = EDIT_COST * edits as f64;
        let accents = if span.accented == entry.accented {
            ACCENT_BONUS
        } else {
            0.0
        };
        let score = letters - edit_cost + marker_score(span.marker) + accents;
        (score > 0.0).then(|| found(score, letters + MARKER_BONUS + 1.0))
    }

    /// Builds the chains, best first, and reads off the answer.
    fn choose(&self, address: &Address, found: &[Found]) -> Option<Resolution> {
        let mut by_entry: HashMap<usize, Vec<&Found>> = HashMap::new();
        for f in found {
            by_entry.entry(f.entry).or_default().push(f);
        }
        let mut chains: Vec<(Vec<Found>, f64)> = Vec::new();
        for f in found {
            let mut parts = vec![*f];
            let mut next = self.entries[f.entry].parent;
            while let Some(p) = next {
                let best_for_parent = by_entry
                    .get(&p)
                    .into_iter()
                    .flatten()
                    .filter(|g| parts.iter().all(|q| g.to <= q.from || g.from >= q.to))
                    .max_by(|a, b| a.score.total_cmp(&b.score));
                if let Some(g) = best_for_parent {
                    parts.push(**g);
                }
                next = self.entries[p].parent;
            }
            let score = parts.iter().map(|p| p.score).sum();
            chains.push((parts, score));
        }
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
        chains.retain(|(parts, _)| seen.insert(parts[0].entry));
        let (best, best_score) = chains.first()?;
        let best_entry = best[0].entry;
        let alternatives: Vec<&(Vec<Found>, f64)> = chains[1..]
            .iter()
            .filter(|(parts, score)| {
                best_score - *score < AMBIGUITY && !self.is_ancestor(parts[0].entry, best_entry)
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
            let confidence = exactness * coverage(address, parts).sqrt() * separation;
            let mut ranges: Vec<(usize, usize)> = parts.iter().map(|p| (p.from, p.to)).collect();
            ranges.sort_unstable();
            Candidate {
                unit: self.entries[parts[0].entry].unit,
                parts: ranges,
                score,
                confidence: (confidence * 100.0).round() / 100.0,
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

    fn is_ancestor(&self, maybe_ancestor: usize, of: usize) -> bool {
        let mut next = self.entries[of].parent;
        while let Some(p) = next {
            if p == maybe_ancestor {
                return true;
            }
            next = self.entries[p].parent;
        }
        false
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

/// Lower case, no spaces or punctuation, diacritics kept (NFC).
fn accented_compact(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every run of up to four words within one part that could be a name.
fn spans(address: &Address) -> Vec<Span> {
    let words = &address.words;
    let mut out = Vec::new();
    for from in 0..words.len() {
        let opens_with_marker = matches!(words[from].role, Role::Marker(_));
        if !(words[from].role == Role::Name || opens_with_marker) {
            continue;
        }
        let marker = if opens_with_marker {
            None
        } else {
            address.marker_before(from)
        };
        let mut compact = String::new();
        let mut accented = String::new();
        for to in from + 1..=(from + MAX_NAME_WORDS).min(words.len()) {
            let last = &words[to - 1];
            // Type words may sit inside a name ("Nghi Phương"); streets and fillers may not.
            if last.part != words[from].part || matches!(last.role, Role::Street | Role::Filler) {
                break;
            }
            compact.push_str(&last.text);
            accented.push_str(&accented_compact(&address.text[last.start..last.end]));
            let number = words[from]
                .number
                .filter(|(_, len)| *len == to - from)
                .map(|(n, _)| n);
            out.push(Span {
                from,
                to,
                histogram: Histogram::of(&compact),
                compact: compact.clone(),
                accented: accented.clone(),
                number,
                marker,
                opens_with_marker,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use covidmap_core::names::name_key;
    use geo::MultiPolygon;

    fn unit(code: &str, name: &str, unit_type: UnitType, parent: Option<&str>) -> AdminUnit {
        AdminUnit {
            code: code.into(),
            level: unit_type.level(),
            name: name.into(),
            name_key: name_key(name),
            unit_type,
            parent_code: parent.map(Into::into),
            geometry: MultiPolygon(vec![]),
        }
    }

    fn units() -> Vec<AdminUnit> {
        vec![
            unit("40", "Tỉnh Nghệ An", UnitType::Tinh, None),
            unit("412", "Thành phố Vinh", UnitType::ThanhPho, Some("40")),
            unit("429", "Huyện Nghi Lộc", UnitType::Huyen, Some("40")),
            unit("427", "Huyện Nam Đàn", UnitType::Huyen, Some("40")),
            unit("424", "Huyện Đô Lương", UnitType::Huyen, Some("40")),
            unit("16663", "Phường Lê Lợi", UnitType::Phuong, Some("412")),
            unit("17700", "Xã Nghi Phong", UnitType::Xa, Some("429")),
            unit("17701", "Xã Nghi Phương", UnitType::Xa, Some("429")),
            unit("18000", "Thị trấn Nam Đàn", UnitType::ThiTran, Some("427")),
            unit("18100", "Xã Đông Văn", UnitType::Xa, Some("424")),
            unit("18101", "Xã Đông Văn", UnitType::Xa, Some("427")),
            unit("17700-05", "Xóm 5", UnitType::Xom, Some("17700")),
            unit("17700-12", "Xóm 12", UnitType::Xom, Some("17700")),
            unit("17701-05", "Xóm 5", UnitType::Xom, Some("17701")),
            unit("16663-03", "Khối 3", UnitType::Khoi, Some("16663")),
            unit("18101-01", "Bản Na Huồi", UnitType::Ban, Some("18101")),
            unit("17830", "Xã Nghi Văn", UnitType::Xa, Some("429")),
            unit("17911", "Xã Nghi Vạn", UnitType::Xa, Some("429")),
        ]
    }

    fn resolve(text: &str) -> Option<(String, f64, Vec<String>)> {
        let units = units();
        let g = Gazetteer::new(&units);
        let r = g.resolve(&Address::read(text))?;
        Some((
            units[r.best.unit].code.clone(),
            r.best.confidence,
            r.alternatives
                .iter()
                .map(|a| units[a.unit].code.clone())
                .collect(),
        ))
    }

    fn best(text: &str) -> String {
        resolve(text).map(|r| r.0).unwrap_or_default()
    }

    #[test]
    fn finds_the_finest_unit_named() {
        assert_eq!(
            best("Xóm 5, xã Nghi Phong, huyện Nghi Lộc, Nghệ An"),
            "17700-05"
        );
        assert_eq!(best("xom 5 nghi phong nghi loc"), "17700-05");
        assert_eq!(best("nghi loc, nghi phong, xom nam"), "17700-05");
        assert_eq!(best("X.Nghi Phương H.Nghi Lộc xóm 5"), "17701-05");
        assert_eq!(best("xom muoi hai nghi phong"), "17700-12");
        assert_eq!(
            best("Số 12 đường Lê Lợi, khối 3, P. Lê Lợi, TP Vinh"),
            "16663-03"
        );
        assert_eq!(best("Nghi Lộc"), "429");
        assert_eq!(best("tp vinh"), "412");
    }

    #[test]
    fn typos_and_missing_spaces() {
        assert_eq!(best("xom 5 nghi phongg"), "17700-05");
        assert_eq!(best("xom 5 nghiphong nghiloc"), "17700-05");
        assert_eq!(best("xóm 12 Ngi Phong"), "17700-12");
        assert_eq!(best("Nghi Locj"), "429");
    }

    #[test]
    fn type_words_decide_between_namesakes() {
        assert_eq!(best("thị trấn Nam Đàn"), "18000");
        assert_eq!(best("huyện Nam Đàn"), "427");
        assert_eq!(best("Đông Văn, Nam Đàn"), "18101");
    }

    #[test]
    fn ties_are_reported_as_alternatives_with_lower_confidence() {
        let (code, confidence, alternatives) = resolve("xã Đông Văn").unwrap_or_default();
        assert_eq!(code, "18100");
        assert_eq!(alternatives, ["18101"]);
        assert!(confidence <= 0.5, "{confidence}");
        let (_, sure, _) = resolve("xóm 5, xã Nghi Phong, huyện Nghi Lộc").unwrap_or_default();
        assert!(sure > 0.9, "{sure}");
    }

    #[test]
    fn diacritics_decide_between_names_that_fold_alike() {
        assert_eq!(best("xã Nghi Vạn, Nghi Lộc"), "17911");
        assert_eq!(best("xã Nghi Văn, Nghi Lộc"), "17830");
        let (_, confidence, alternatives) = resolve("nghi van nghi loc").unwrap_or_default();
        assert_eq!(alternatives.len(), 1);
        assert!(confidence <= 0.5);
    }

    #[test]
    fn named_hamlets_are_found_without_their_commune() {
        assert_eq!(best("bản Na Huồi"), "18101-01");
    }

    #[test]
    fn nothing_named() {
        assert_eq!(resolve("Hà Nội"), None);
        assert_eq!(resolve("12 Lê Duẩn"), None);
        assert_eq!(resolve("Nghệ An"), None);
    }
}
