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
//!
//! Former units (communes merged away, districts abolished, communes moved to another
//! district: [`covidmap_core::lineage`]) are names too, each standing for the current unit it
//! became and hanging under the parent it had then, so "Phường Lê Mao, TP Vinh" reaches Phường
//! Quang Trung and "Nghi Phong, Nghi Lộc" the Nghi Phong that is now in Vinh; the answer names
//! the change. A former name costs a little, so the current reading of a name wins a tie.
//!
//! An answer is given as sure ([`CONFIDENT`]) only when every name in it matched exactly (up
//! to diacritics and spaces) and no district the address names contradicts it: a commune found
//! by edit distance, or one outside the district written, is a guess, however close.

mod chains;
mod former;

use crate::address::{Address, Role};
use covidmap_core::lineage::{ChangeKind, UnitChange};
use covidmap_core::AdminUnit;
use covidmap_core::{Level, UnitType};
use std::collections::{BTreeMap, HashMap};

/// Confidence from which an answer is the place meant; below it, a guess to be confirmed
/// (imports leave such rows out, the pages ask "did you mean").
pub const CONFIDENT: f64 = 0.6;
/// Most confidence a guess may have: as sure as a tie.
const GUESS: f64 = 0.5;
/// Score lost for naming a unit by a name it no longer has.
const FORMER_COST: f64 = 0.5;

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
    /// The entry of the current unit it means: itself, or for a former name the unit it
    /// became.
    stands_for: usize,
    /// For a former name, the change that ended it (in [`Gazetteer::changes`]).
    former: Option<usize>,
    /// A district's name with its first syllables cut to initials ("qluu" for Quỳnh Lưu, as
    /// "Q.Lưu" and "QLuu" write it): matched exactly only.
    initials: bool,
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
    /// The distinct compact names of districts and communes (current and former), each
    /// with the entries that bear it: a run of words is compared once with a name however
    /// many units bear it.
    names: Vec<Name>,
    /// Indexes into `names` by the length of the name, so a run of words is compared only
    /// with names it could be two edits from.
    by_length: Vec<Vec<usize>>,
    /// Districts' names cut to initials, matched exactly only, by compact name.
    by_initials: HashMap<String, Vec<usize>>,
    /// `children[e]`: entries whose parent is `e`.
    children: Vec<Vec<usize>>,
    /// Hamlets with names rather than numbers ("Bản Na Huồi"), by compact name, so they are
    /// found without their commune.
    named_hamlets: HashMap<String, Vec<usize>>,
    /// The administrative changes former names come from.
    changes: Vec<UnitChange>,
    /// For each former district abolished into its province (two tiers), the current units
    /// that lay in it: only those may be written under its name.
    held: HashMap<usize, Vec<usize>>,
}

/// A compact name and the district and commune entries that bear it.
#[derive(Debug, Clone)]
struct Name {
    compact: String,
    histogram: Histogram,
    entries: Vec<usize>,
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
    /// The name matched with no edit (diacritics and spaces aside).
    exact: bool,
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
    /// far ahead of the next candidate it is (half when tied); at most [`GUESS`] for a guess.
    pub confidence: f64,
    /// The changes of the former names it was read through (in [`Gazetteer::changes`]).
    pub changes: Vec<usize>,
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
    /// The administrative changes of the former names the address used, if any.
    pub changes: Vec<&'a UnitChange>,
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
    pub fn answer<'a>(&'a self, units: &'a [AdminUnit], text: &str) -> Option<AddressAnswer<'a>> {
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
            changes: c.changes.iter().map(|&i| &self.changes[i]).collect(),
        };
        let best = to_match(&resolution.best);
        let alternatives = resolution.alternatives.iter().map(to_match).collect();
        Some(AddressAnswer {
            best,
            alternatives,
            address,
        })
    }

    /// Indexes the hamlets, communes and districts among `units`, with the former names the
    /// administrative `changes` give.
    #[must_use]
    pub fn with_changes(units: &[AdminUnit], changes: Vec<UnitChange>) -> Self {
        let mut gazetteer = Gazetteer::default();
        let mut by_code: HashMap<&str, usize> = HashMap::new();
        // Provinces are entries too, never found by name: what districts abolished into
        // them stand for, and the parent of their communes in two tiers.
        for (unit, u) in units.iter().enumerate() {
            let compact: String = u.name_key.chars().filter(|c| *c != ' ').collect();
            let number = if u.level == Level::Hamlet {
                compact.parse().ok()
            } else {
                None
            };
            let (_, bare) = covidmap_core::names::split_type_prefix(&u.name);
            let accented = accented_compact(bare);
            let stands_for = gazetteer.entries.len();
            by_code.insert(&u.code, stands_for);
            gazetteer.entries.push(Entry {
                unit,
                level: u.level,
                unit_type: u.unit_type,
                parent: None,
                histogram: Histogram::of(&compact),
                compact,
                accented,
                number,
                stands_for,
                former: None,
                initials: false,
            });
        }
        for e in 0..gazetteer.entries.len() {
            let unit = &units[gazetteer.entries[e].unit];
            gazetteer.entries[e].parent = unit
                .parent_code
                .as_deref()
                .and_then(|c| by_code.get(c))
                .copied();
        }
        gazetteer.changes = changes;
        former::add_former_names(&mut gazetteer, &by_code);
        add_initials(&mut gazetteer, units);
        gazetteer.children = vec![Vec::new(); gazetteer.entries.len()];
        let mut name_of: HashMap<String, usize> = HashMap::new();
        for e in 0..gazetteer.entries.len() {
            if let Some(p) = gazetteer.entries[e].parent {
                gazetteer.children[p].push(e);
            }
            let entry = &gazetteer.entries[e];
            match entry.level {
                Level::District if entry.initials => gazetteer
                    .by_initials
                    .entry(entry.compact.clone())
                    .or_default()
                    .push(e),
                Level::District | Level::Commune => {
                    let n = *name_of.entry(entry.compact.clone()).or_insert_with(|| {
                        let len = entry.compact.len();
                        if gazetteer.by_length.len() <= len {
                            gazetteer.by_length.resize(len + 1, Vec::new());
                        }
                        gazetteer.by_length[len].push(gazetteer.names.len());
                        gazetteer.names.push(Name {
                            compact: entry.compact.clone(),
                            histogram: entry.histogram,
                            entries: Vec::new(),
                        });
                        gazetteer.names.len() - 1
                    });
                    gazetteer.names[n].entries.push(e);
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

    /// The administrative changes its former names come from.
    #[must_use]
    pub fn changes(&self) -> &[UnitChange] {
        &self.changes
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
                for &n in bucket {
                    let name = &self.names[n];
                    let Some(edits) = edits_to(span, &name.compact, &name.histogram) else {
                        continue;
                    };
                    for &e in &name.entries {
                        found.extend(self.scored(span, e, edits));
                    }
                }
            }
            for &e in self.by_initials.get(&span.compact).into_iter().flatten() {
                found.extend(self.scored(span, e, 0));
            }
        }
        // Hamlets: those of the communes found, and named ones anywhere by exact name. A
        // commune named by a name merged away keeps its hamlets' names but not their numbers
        // (merged communes renumber their xóm): "Khối 3, Phường Lê Mao" is not Quang Trung's
        // Khối 3, so numbered hamlets are looked for only under communes named as they are
        // now, or moved, renamed or split whole.
        // Each commune found, and whether its hamlets' numbers hold (a commune found both
        // ways keeps them).
        let mut communes: BTreeMap<usize, bool> = BTreeMap::new();
        for f in &found {
            let entry = &self.entries[f.entry];
            if entry.level == Level::Commune {
                let numbers_kept = entry.former.is_none_or(|c| {
                    !matches!(
                        self.changes[c].kind,
                        ChangeKind::Merge | ChangeKind::DistrictAbolished
                    )
                });
                *communes.entry(entry.stands_for).or_default() |= numbers_kept;
            }
        }
        for span in &spans {
            for (&c, &numbers_kept) in &communes {
                for &h in &self.children[c] {
                    if numbers_kept || self.entries[h].number.is_none() {
                        found.extend(self.compare(span, h));
                    }
                }
            }
            for &h in self.named_hamlets.get(&span.compact).into_iter().flatten() {
                if !self.entries[h]
                    .parent
                    .is_some_and(|p| communes.contains_key(&p))
                {
                    found.extend(self.compare(span, h));
                }
            }
        }
        self.choose(address, &found)
    }

    /// How well a run of words matches one entry's name, if at all.
    fn compare(&self, span: &Span, e: usize) -> Option<Found> {
        let entry = &self.entries[e];
        if let Some(n) = entry.number {
            let hamlet_marker = span.marker.is_some_and(|m| m.level() == Level::Hamlet);
            return (span.number == Some(n) && hamlet_marker).then(|| Found {
                entry: e,
                from: span.from,
                to: span.to,
                score: NUMBERED_HAMLET + entry.marker_score(span.marker) - entry.former_cost(),
                best_possible: NUMBERED_HAMLET + MARKER_BONUS + 1.0,
                exact: true,
            });
        }
        let edits = edits_to(span, &entry.compact, &entry.histogram)?;
        self.scored(span, e, edits)
    }

    /// How well a run of words `edits` away from entry `e`'s name matches it, if at all.
    fn scored(&self, span: &Span, e: usize, edits: usize) -> Option<Found> {
        let entry = &self.entries[e];
        // Letters matched: the longer of the two less the edits, so that names of different
        // lengths one edit away score alike.
        #[allow(clippy::cast_precision_loss)] // names are short
        let letters = (span.compact.len().max(entry.compact.len()) - edits) as f64;
        #[allow(clippy::cast_precision_loss)]
        let edit_cost = EDIT_COST * edits as f64;
        let accents = if span.accented == entry.accented {
            ACCENT_BONUS
        } else {
            0.0
        };
        let score =
            letters - edit_cost + entry.marker_score(span.marker) + accents - entry.former_cost();
        (score > 0.0).then_some(Found {
            entry: e,
            from: span.from,
            to: span.to,
            score,
            best_possible: letters + MARKER_BONUS + 1.0,
            exact: edits == 0,
        })
    }
}

impl Entry {
    /// What the type word before a name adds: most for its own type, less for its level,
    /// a loss for another level's.
    fn marker_score(&self, marker: Option<UnitType>) -> f64 {
        match marker {
            Some(t) if t == self.unit_type => MARKER_BONUS + 1.0,
            Some(t) if t.level() == self.level => MARKER_BONUS,
            Some(_) => -MARKER_BONUS,
            None => 0.0,
        }
    }

    /// What naming a unit by a name it no longer has costs.
    fn former_cost(&self) -> f64 {
        if self.former.is_some() {
            FORMER_COST
        } else {
            0.0
        }
    }
}

/// Edits from a run of words to a name, `None` when more than the name's length allows
/// (none after a type word that opens the run).
fn edits_to(span: &Span, compact: &str, histogram: &Histogram) -> Option<usize> {
    let len = compact.len();
    let allowed = match len {
        _ if span.opens_with_marker => 0,
        0..=3 => 0,
        4..=6 => 1,
        _ => MAX_EDITS,
    };
    if span.compact.len().abs_diff(len) > allowed || span.histogram.min_edits(histogram) > allowed {
        return None;
    }
    let edits = if span.compact == compact {
        0
    } else {
        strsim::osa_distance(&span.compact, compact)
    };
    (edits <= allowed).then_some(edits)
}

/// Adds each current district's name with all but its last syllable cut to initials
/// ("Quỳnh Lưu" → "qluu"), standing for the district: how addresses on forms and parcels
/// shorten them ("Q.Lưu", "QLuu-N An").
fn add_initials(gazetteer: &mut Gazetteer, units: &[AdminUnit]) {
    let districts: Vec<usize> = (0..gazetteer.entries.len())
        .filter(|&e| {
            let entry = &gazetteer.entries[e];
            entry.level == Level::District && entry.former.is_none()
        })
        .collect();
    for e in districts {
        let words: Vec<&str> = units[gazetteer.entries[e].unit]
            .name_key
            .split(' ')
            .collect();
        let Some((last, first)) = words.split_last() else {
            continue;
        };
        if first.is_empty() {
            continue;
        }
        let compact: String = first
            .iter()
            .filter_map(|w| w.chars().next())
            .chain(last.chars())
            .collect();
        let mut alias = gazetteer.entries[e].clone();
        alias.histogram = Histogram::of(&compact);
        alias.accented.clone_from(&compact);
        alias.compact = compact;
        alias.initials = true;
        gazetteer.entries.push(alias);
    }
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
mod tests;
