//! The workflow of a file of administrative changes: checked against the units and the
//! changes stored, and the outlines where both sides have one (off the async runtime), then
//! written in one transaction. A refused file changes nothing.

use covidmap_core::lineage::{check, ChangeProblem, Known, UnitChange};
use covidmap_core::Level;
use covidmap_store::{Author, ChangesApplied, Store, StoreError};

/// Why a file of changes was not written.
#[derive(Debug, thiserror::Error)]
pub enum ChangesError {
    /// The file contradicts the units or the changes known: every problem, by change.
    #[error("{} problem(s) with the changes", .0.len())]
    Refused(Vec<ChangeProblem>),
    /// The database failed or refused a row.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The checking worker failed.
    #[error("checking the changes failed: {0}")]
    Checking(#[from] tokio::task::JoinError),
}

/// Checks `changes` and, when nothing is wrong, writes them as `author`'s.
///
/// # Errors
/// [`ChangesError::Refused`] with every problem; nothing is written then.
pub async fn apply_unit_changes(
    store: &Store,
    changes: Vec<UnitChange>,
    author: &Author,
) -> Result<ChangesApplied, ChangesError> {
    let mut units = Vec::new();
    for level in [Level::Province, Level::District, Level::Commune] {
        units.extend(store.current_units(level).await?);
    }
    let stored = store.current_unit_changes().await?;
    let mut codes: Vec<String> = changes
        .iter()
        .flat_map(|c| {
            c.predecessor
                .code
                .iter()
                .cloned()
                .chain([c.successor_code.clone()])
        })
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let outlines = store.latest_outlines(&codes).await?;
    let (changes, problems) = tokio::task::spawn_blocking(move || {
        let known = Known {
            units: &units,
            stored: &stored,
            outlines: &outlines,
        };
        let problems = check(&changes, known);
        (changes, problems)
    })
    .await?;
    if !problems.is_empty() {
        return Err(ChangesError::Refused(problems));
    }
    Ok(store.put_unit_changes(&changes, author).await?)
}
