//! `covidmap unit-changes FILE`: a file of administrative changes into the database, checked
//! as the API checks it, as the provincial office's (or the organisation named).

use crate::args::{Global, UnitChangesArgs};
use crate::database;
use anyhow::Context as _;
use covidmap_core::agency::OrgKind;
use covidmap_messages::unit_changes::{read_csv, read_json, ChangesFile};
use covidmap_store::{Author, Store};
use covidmap_upload::{apply_unit_changes, ChangesError};
use std::path::Path;

pub async fn load_file(global: &Global, args: &UnitChangesArgs) -> anyhow::Result<()> {
    let file = read_file(&args.file)?;
    let db = database::open(global).await?;
    let done = match answering(&db.store, args.org.as_deref()).await {
        Ok(author) => load(&db.store, file, &author, &args.file).await,
        Err(e) => Err(e),
    };
    db.store.close().await;
    done
}

/// Reads a file of changes, JSON when its name ends in `.json`, CSV otherwise.
pub fn read_file(path: &Path) -> anyhow::Result<ChangesFile> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let read = if is_json {
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        read_json(&value)
    } else {
        read_csv(&bytes)
    };
    read.map_err(|errors| refused(path, errors))
}

/// Who answers for the changes: the organisation named, or the provincial office.
async fn answering(store: &Store, org: Option<&str>) -> anyhow::Result<Author> {
    let organisations = store.organisations().await?;
    let org = match org {
        Some(id) => organisations.iter().find(|o| o.id == id).with_context(|| {
            format!("--org {id}: no such organisation (`covidmap org list` shows them)")
        })?,
        None => organisations
            .iter()
            .find(|o| o.kind == OrgKind::ProvincialOffice)
            .context("no provincial office to answer for the changes: add it (`covidmap org add --kind provincial_office …`) or name one with --org")?,
    };
    Ok(Author::of(org, None))
}

/// Writes the changes as `author`'s.
pub async fn load(
    store: &Store,
    file: ChangesFile,
    author: &Author,
    path: &Path,
) -> anyhow::Result<()> {
    match apply_unit_changes(store, file.changes.clone(), author).await {
        Ok(applied) => {
            eprintln!(
                "{}: {} change(s) added, {} changed, {} already there",
                path.display(),
                applied.added,
                applied.changed,
                applied.unchanged
            );
            Ok(())
        }
        Err(ChangesError::Refused(problems)) => Err(refused(path, file.field_errors(problems))),
        Err(e) => Err(e.into()),
    }
}

fn refused(path: &Path, errors: Vec<covidmap_messages::FieldError>) -> anyhow::Error {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("  {}: {}", e.field, e.message))
        .collect();
    anyhow::anyhow!(
        "{} refused, nothing changed:\n{}",
        path.display(),
        lines.join("\n")
    )
}
