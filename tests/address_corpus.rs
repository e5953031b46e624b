//! Accuracy of the address gazetteer on `fixtures/addresses.tsv`: addresses written the way
//! residents write them (with and without diacritics, abbreviated, reordered, with typos,
//! numbers in words, house and street in front; communes by the names they had before the
//! 2019–2020 and 2024 merges, communes under the district they left; English type words,
//! districts cut to initials), each with the unit it names. The sample units and changes are
//! those `make run` loads (seed 2021). `fixtures/addresses_two_tier.tsv` does the same for the
//! province moved to two tiers. At least 95 % top-1 overall and in every style, and no wrong
//! answer given as sure.

#![allow(clippy::unwrap_used)]

use covidmap_lookup::gazetteer::CONFIDENT;
use std::collections::BTreeMap;

/// Share of addresses whose best match must be the expected unit.
const REQUIRED_TOP1: f64 = 0.95;

#[test]
fn at_least_95_percent_of_the_corpus_resolves_to_the_right_unit() {
    check(&covidmap_benches::province_snapshot(), "addresses.tsv", 300);
}

/// The province after its move to two tiers (1 July 2025), with addresses written with the
/// new names, the names of before (commune and district), both mixed, and the names merged
/// away in 2019–2024.
#[test]
fn after_the_move_to_two_tiers_new_and_old_addresses_resolve() {
    check(
        &covidmap_benches::province_snapshot_two_tier(),
        "addresses_two_tier.tsv",
        400,
    );
}

fn check(snapshot: &covidmap_lookup::Snapshot, fixture: &str, at_least: usize) {
    let corpus = std::fs::read_to_string(covidmap_tests::fixture(fixture)).unwrap();
    let rows: Vec<(&str, &str, &str)> = corpus
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0], f[1], f[2])
        })
        .collect();
    assert!(
        rows.len() >= at_least,
        "the corpus has only {} addresses",
        rows.len()
    );
    // Every expected code is a unit of the sample data, so a miss is the gazetteer's.
    for (text, code, _) in &rows {
        assert!(
            snapshot.unit(code).is_some(),
            "{text:?} expects unknown unit {code}"
        );
    }
    let mut by_style: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    // Wrong answers given as sure: the one kind of miss a resident would act on.
    let mut sure_and_wrong = Vec::new();
    for (text, code, style) in &rows {
        let got = snapshot.resolve_address(text);
        let got_code = got.as_ref().map_or("-", |a| a.best.unit.code.as_str());
        let counts = by_style.entry(style).or_default();
        counts.1 += 1;
        if got_code == *code {
            counts.0 += 1;
        } else {
            if got.as_ref().is_some_and(|a| a.best.confidence >= CONFIDENT) {
                sure_and_wrong.push(*text);
            }
            let shown = got.as_ref().map_or_else(String::new, |a| {
                let others: Vec<&str> = a
                    .alternatives
                    .iter()
                    .map(|o| o.unit.code.as_str())
                    .collect();
                format!(
                    "{} ({:?}, confidence {}, alternatives {others:?})",
                    a.best.unit.name, a.best.matched_text, a.best.confidence
                )
            });
            misses.push(format!(
                "  {text:?}: expected {code}, got {got_code} {shown}"
            ));
        }
    }
    let right: usize = by_style.values().map(|c| c.0).sum();
    #[allow(clippy::cast_precision_loss)]
    let top1 = right as f64 / rows.len() as f64;
    println!(
        "address corpus {fixture}: {right}/{} top-1 = {:.1}%",
        rows.len(),
        top1 * 100.0
    );
    for (style, (r, n)) in &by_style {
        println!("  {style:<18} {r}/{n}");
    }
    if !misses.is_empty() {
        println!("misses:\n{}", misses.join("\n"));
    }
    println!(
        "wrong with confidence >= {CONFIDENT}: {}",
        sure_and_wrong.len()
    );
    assert!(
        top1 >= REQUIRED_TOP1,
        "top-1 accuracy {:.1}% is below 95%",
        top1 * 100.0
    );
    for (style, (r, n)) in &by_style {
        #[allow(clippy::cast_precision_loss)]
        let share = *r as f64 / *n as f64;
        assert!(share >= REQUIRED_TOP1, "style {style}: {r}/{n} below 95%");
    }
    assert!(
        sure_and_wrong.is_empty(),
        "wrong answers given with confidence: {sure_and_wrong:?}"
    );
}
