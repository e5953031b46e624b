//! The fuzzing harness: each target is a property over bytes ("never panics"; for the HTTP
//! target, "never answers 5xx") checked first on every file of its seed corpus
//! (`fuzz/corpus/<target>/`), then on inputs made by mutating those seeds — bit flips,
//! interesting bytes, insertions, deletions, repeats, splices and the target's dictionary
//! words — for as long as `COVIDMAP_FUZZ_SECONDS` allows (1 s by default, so `make test`
//! replays every corpus and tries a little; `make fuzz` gives each target minutes).
//!
//! There is no coverage feedback (that needs a nightly compiler): the seeds and the
//! dictionaries carry the structure. An input that fails is written to
//! `fuzz/crashes/<target>/` and the seed that made it is printed (`ARBTEST_SEED=0x… cargo test
//! -p covidmap-fuzz <target>` replays it while the corpus and dictionary are unchanged; the
//! saved file is the copy that lasts); each one found becomes a seed of its corpus and a
//! named `regression_…` test beside its target in `tests/targets.rs`.

use arbitrary::Unstructured;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Duration;

/// Largest input made, in bytes.
const MAX_INPUT: usize = 1 << 20;

/// Bytes that often sit on the edge of a parser's cases.
const INTERESTING: [u8; 14] = [
    0, 0xff, 0x7f, 0x80, 0xc3, 0xe1, b'"', b',', b'\n', b'\r', b'/', b'%', b'.', b'-',
];

/// The folder of this crate.
fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// How long each target is tried beyond its seeds.
#[must_use]
pub fn budget() -> Duration {
    std::env::var("COVIDMAP_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or(Duration::from_secs(1))
}

/// The seed corpus of a target, by file name.
///
/// # Panics
/// The corpus folder is missing or empty: every target has seeds.
#[must_use]
pub fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = here().join("corpus").join(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter_map(|e| {
            let bytes = std::fs::read(e.path()).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), bytes))
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "{} holds no seeds", dir.display());
    seeds
}

/// Checks `property` on every seed of `target`, then on mutated seeds for the budget.
///
/// # Panics
/// The property fails (it panics) on a seed or on a mutated input; the input is saved.
pub fn fuzz(target: &str, dictionary: &[&[u8]], property: impl Fn(&[u8])) {
    let seeds = corpus(target);
    for (name, seed) in &seeds {
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| property(seed))) {
            eprintln!("{target}: the seed {name} fails");
            resume_unwind(e);
        }
    }
    let tried = std::cell::Cell::new(0_u64);
    arbtest::arbtest(|u| {
        let input = mutated(&seeds, dictionary, u)?;
        tried.set(tried.get() + 1);
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| property(&input))) {
            save_crash(target, &input);
            resume_unwind(e);
        }
        Ok(())
    })
    .budget(budget())
    .run();
    println!(
        "{target}: {} seeds, {} mutated inputs in {:?}",
        seeds.len(),
        tried.get(),
        budget()
    );
}

/// Writes a failing input where it can be turned into a regression test.
fn save_crash(target: &str, input: &[u8]) {
    let dir = here().join("crashes").join(target);
    let name = format!("{:016x}", fnv1a(input));
    if std::fs::create_dir_all(&dir).is_ok() && std::fs::write(dir.join(&name), input).is_ok() {
        eprintln!(
            "{target}: failing input saved as {}",
            dir.join(name).display()
        );
    }
}

/// A short stable name for an input (FNV-1a, 64 bits).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A seed (or, one time in eight, fresh bytes) changed a few times over.
fn mutated(
    seeds: &[(String, Vec<u8>)],
    dictionary: &[&[u8]],
    u: &mut Unstructured<'_>,
) -> arbitrary::Result<Vec<u8>> {
    let mut data = if u.ratio(1, 8)? {
        u.arbitrary::<Vec<u8>>()?
    } else {
        seeds[u.choose_index(seeds.len())?].1.clone()
    };
    for _ in 0..u.int_in_range(1..=8)? {
        let at = if data.is_empty() {
            0
        } else {
            u.choose_index(data.len() + 1)?
        };
        match u.int_in_range(0..=6)? {
            0 if at < data.len() => data[at] ^= 1 << u.int_in_range(0..=7)?,
            1 if at < data.len() => data[at] = *u.choose(&INTERESTING)?,
            2 => {
                let bytes: Vec<u8> = (0..u.int_in_range(1..=16)?)
                    .map(|_| u.arbitrary::<u8>())
                    .collect::<arbitrary::Result<_>>()?;
                data.splice(at..at, bytes);
            }
            3 if at < data.len() => {
                let end = at + u.int_in_range(1..=(data.len() - at).min(64))?;
                data.drain(at..end);
            }
            4 if at < data.len() => {
                let end = at + u.int_in_range(1..=(data.len() - at).min(256))?;
                let copy = data[at..end].to_vec();
                let to = u.choose_index(data.len() + 1)?;
                data.splice(to..to, copy);
            }
            5 if !dictionary.is_empty() => {
                let word = *u.choose(dictionary)?;
                data.splice(at..at, word.iter().copied());
            }
            6 => {
                let other = &seeds[u.choose_index(seeds.len())?].1;
                let from = if other.is_empty() {
                    0
                } else {
                    u.choose_index(other.len())?
                };
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            _ => {}
        }
        data.truncate(MAX_INPUT);
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_stay_within_bounds_and_change_the_seed() {
        let seeds = vec![("a".to_owned(), b"Xom 1, xa Nghi Phong".to_vec())];
        let mut changed = 0;
        arbtest::arbtest(|u| {
            let m = mutated(&seeds, &[b"phuong"], u)?;
            assert!(m.len() <= MAX_INPUT);
            changed += usize::from(m != seeds[0].1);
            Ok(())
        })
        .budget_ms(200)
        .run();
        assert!(changed > 10, "{changed}");
    }
}
