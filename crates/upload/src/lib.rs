#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod file_name;
mod unit_changes;

pub use file_name::{saved_name, EXTENSIONS};
pub use unit_changes::{apply_unit_changes, ChangesError};

use covidmap_core::policy::{Action, Place, Refusal};
use covidmap_core::{AdminUnit, Entity, Level, UnitDiff};
use covidmap_ingest::{
    plan, read_file, FieldFlags, FileReport, IngestError, Known, PlanSummary, ReadOptions,
};
use covidmap_store::{Applied, Author, Provenance, Store, StoreError, UnitsChange};
use serde::Serialize;
use std::path::PathBuf;

/// One upload of a boundary file.
#[derive(Debug, Clone)]
pub struct UploadRequest {
    /// The file.
    pub path: PathBuf,
    /// How to read it (level, fields, CRS, encoding).
    pub read: ReadOptions,
    /// `--parent`: the unit every feature lies in.
    pub parent: Option<String>,
    /// Who uploads, as the upload records it.
    pub uploaded_by: String,
    /// The organisation uploading through the API: the upload's audit entry names it.
    pub author: Option<Author>,
    /// Report without writing.
    pub dry_run: bool,
    /// Apply only if the change is still the one a dry run reported (its `diff_digest`).
    pub expected_diff: Option<String>,
    /// Communes put directly in a province that still has districts move it to two tiers;
    /// only when this says so (a mistyped `--parent` would otherwise close every district).
    pub two_tier: bool,
}

impl UploadRequest {
    /// A file of `level`, read as it says (fields, CRS and encoding found by ingest), applied
    /// as uploaded by `uploaded_by`.
    #[must_use]
    pub fn new(path: PathBuf, level: Level, uploaded_by: impl Into<String>) -> Self {
        UploadRequest {
            path,
            read: ReadOptions {
                level,
                fields: FieldFlags::default(),
                source_crs: None,
                encoding: None,
            },
            parent: None,
            uploaded_by: uploaded_by.into(),
            author: None,
            dry_run: false,
            expected_diff: None,
            two_tier: false,
        }
    }
}

/// Whether the uploader may make the change planned: the write policy's answer for the
/// caller (an operator at the command line may make any). It runs off the async runtime:
/// checking hundreds of outlines against a district takes a while.
pub type Guard = std::sync::Arc<dyn Fn(&Action) -> Result<(), Refusal> + Send + Sync>;

/// No check: an operator's upload from the command line, or a test's.
#[must_use]
pub fn unguarded() -> Guard {
    std::sync::Arc::new(|_| Ok(()))
}

/// What an upload did (or would do).
#[derive(Debug, Clone, Serialize)]
pub struct UploadReport {
    /// What reading the file found.
    pub file: FileReport,
    /// The units planned.
    pub plan: PlanSummary,
    /// The change applied (or that would be).
    pub applied: Applied,
    /// A digest of the change, to commit exactly what a dry run showed.
    pub diff_digest: String,
    /// Dry runs: the file's outlines of the units it adds or changes, as a GeoJSON
    /// FeatureCollection (properties `code`, `name`, `change`), for drawing the change
    /// before it is committed. Removed units are not in the file; their outlines are in the
    /// tiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<geojson::FeatureCollection>,
}

/// A digest of a change: SHA-256 of the JSON of its diff, the parents it closes and the
/// units below it moves, in hex.
#[must_use]
pub fn diff_digest(
    diff: &covidmap_core::UnitDiff,
    closing: &[String],
    moved_below: &[(String, String)],
) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(&(diff, closing, moved_below)).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why an upload was refused. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The file or its features.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A worker thread failed.
    #[error("upload worker failed: {0}")]
    Worker(#[from] tokio::task::JoinError),
    /// The write policy refuses the change (a unit of another district, say).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Communes put directly in a province that has districts, without saying it is the
    /// move to two tiers.
    #[error("parent {0} is a province with districts: communes put directly in it move it to two tiers, closing every district; give a district as the parent, or say two_tier (--two-tier) to mean the move")]
    NotTwoTier(String),
}

/// Reads, plans and applies one file, once `guard` allows the change planned: every unit the
/// file holds and every parent it lies under.
///
/// # Errors
/// See [`UploadError`]; a refused upload changes nothing.
pub async fn upload(
    store: &Store,
    request: UploadRequest,
    guard: Guard,
) -> Result<UploadReport, UploadError> {
    let level = request.read.level;
    let options = request.read.clone();
    let path = request.path.clone();
    let started = std::time::Instant::now();
    // Read the file and load what is known at the same time: one is GDAL work, the other
    // waits on the database.
    let reading = tokio::task::spawn_blocking(move || read_file(&path, &options));
    let (read, known) = tokio::join!(
        reading,
        known_units(store, level, request.parent.as_deref())
    );
    let (read, known) = (read??, known?);
    if let Some(province) = request.parent.as_deref() {
        let has_districts = known
            .districts()
            .any(|d| d.parent_code.as_deref() == Some(province));
        if level == Level::Commune && has_districts && !request.two_tier {
            return Err(UploadError::NotTwoTier(province.to_owned()));
        }
    }
    let read_at = started.elapsed();
    let parent = request.parent.clone();
    let (read, planned) = tokio::task::spawn_blocking(move || {
        let planned = plan(&read, level, parent.as_deref(), &known);
        (read, planned)
    })
    .await?;
    let planned = planned?;
    let planned_at = started.elapsed();
    let action = Action::new(
        Entity::Boundaries,
        Place::Boundaries {
            level,
            codes: planned.units.iter().map(|u| u.code.clone()).collect(),
            parents: planned.scope.clone(),
            outlines: planned
                .units
                .iter()
                .map(|u| (u.code.clone(), u.geometry.clone()))
                .collect(),
        },
    );
    tokio::task::spawn_blocking(move || guard(&action)).await??;
    let provenance = Provenance {
        source_file: file_name(&request.path),
        source_crs: read.report.source_crs.clone(),
        encoding: Some(read.report.encoding.encoding.to_string()),
        uploaded_by: request.uploaded_by.clone(),
        notes: read
            .report
            .notes
            .iter()
            .chain(&planned.notes)
            .cloned()
            .collect(),
    };
    let expected = request.expected_diff.clone();
    let (closing, moved) = (planned.closing.clone(), planned.moved_below.clone());
    let accept = move |diff: &covidmap_core::UnitDiff| {
        expected
            .as_ref()
            .is_none_or(|e| *e == diff_digest(diff, &closing, &moved))
    };
    let change = UnitsChange {
        level,
        scope: &planned.scope,
        units: &planned.units,
        provenance: &provenance,
        dry_run: request.dry_run,
        author: request.author.as_ref(),
        moved_below: &planned.moved_below,
        emptied: &planned.closing,
    };
    let applied = store.apply_units_if(&change, &accept).await?;
    tracing::debug!(?read_at, ?planned_at, total = ?started.elapsed(), units = planned.units.len(), "upload timings");
    Ok(UploadReport {
        file: read.report,
        plan: planned.summary(),
        diff_digest: diff_digest(&applied.diff, &planned.closing, &planned.moved_below),
        preview: request
            .dry_run
            .then(|| preview(&planned.units, &applied.diff)),
        applied,
    })
}

/// The outlines of the units a change adds or changes, to 6 decimals (about 0.1 m).
fn preview(units: &[AdminUnit], diff: &UnitDiff) -> geojson::FeatureCollection {
    use geo::MapCoords;
    let by_code: std::collections::HashMap<&str, &AdminUnit> =
        units.iter().map(|u| (u.code.as_str(), u)).collect();
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let features = diff
        .added
        .iter()
        .map(|code| (code.as_str(), "added"))
        .chain(diff.changed.iter().map(|c| (c.code.as_str(), "changed")))
        .filter_map(|(code, change)| {
            let unit = by_code.get(code)?;
            let outline = unit
                .geometry
                .map_coords(|c| geo::coord! { x: round(c.x), y: round(c.y) });
            let mut properties = geojson::JsonObject::new();
            properties.insert("code".into(), code.into());
            properties.insert("name".into(), unit.name.clone().into());
            properties.insert("change".into(), change.into());
            Some(geojson::Feature {
                id: Some(geojson::feature::Id::String(code.to_owned())),
                geometry: Some(geojson::Geometry::from(&outline)),
                properties: Some(properties),
                bbox: None,
                foreign_members: None,
            })
        })
        .collect();
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// What the plan needs: the current units of the level, those they may lie in, and for a
/// commune file the districts and the hamlets (the hamlets of communes removed follow).
/// Communes lie in districts, and in a province only where it has two tiers already or the
/// file is put in it (`put_in`; whether that move was asked for is the caller's check).
///
/// # Errors
/// The database fails.
async fn known_units(
    store: &Store,
    level: Level,
    put_in: Option<&str>,
) -> Result<Known, StoreError> {
    let mut above = Vec::new();
    for &l in level.parent_levels() {
        above.extend(store.current_units(l).await?);
    }
    let same_level = store.current_units(level).await?;
    let (below, communes) = match level {
        Level::Commune => (store.current_units(Level::Hamlet).await?, Vec::new()),
        Level::District => (Vec::new(), store.current_units(Level::Commune).await?),
        _ => (Vec::new(), Vec::new()),
    };
    let structure: Vec<AdminUnit> = above
        .iter()
        .chain(&same_level)
        .chain(&communes)
        .cloned()
        .collect();
    let two_tier = covidmap_core::two_tier_provinces(&structure);
    // For a commune file the rest are provinces; for a hamlet file, communes.
    let (districts, rest): (Vec<AdminUnit>, Vec<AdminUnit>) =
        above.into_iter().partition(|u| u.level == Level::District);
    let parents = match level {
        Level::Commune => districts
            .into_iter()
            .chain(
                rest.into_iter()
                    .filter(|p| two_tier.contains(&p.code) || put_in == Some(p.code.as_str())),
            )
            .collect(),
        _ => districts.into_iter().chain(rest).collect(),
    };
    Ok(Known {
        same_level,
        parents,
        below,
        two_tier,
    })
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use covidmap_core::diff::Change;
    use covidmap_core::UnitType;
    use geo::{polygon, MultiPolygon};

    fn hamlet(code: &str) -> AdminUnit {
        AdminUnit {
            code: code.into(),
            level: Level::Hamlet,
            name: format!("Xóm {code}"),
            name_key: code.into(),
            unit_type: UnitType::Xom,
            parent_code: Some("16663".into()),
            geometry: MultiPolygon(vec![polygon![
                (x: 105.123_456_789, y: 18.0), (x: 105.2, y: 18.0), (x: 105.2, y: 18.1)
            ]]),
        }
    }

    #[test]
    fn a_preview_has_the_added_and_changed_units_only() {
        let units = [hamlet("a"), hamlet("b"), hamlet("c")];
        let diff = UnitDiff {
            added: vec!["a".into()],
            changed: vec![Change {
                code: "b".into(),
                fields: vec!["geometry"],
            }],
            removed: vec!["z".into()],
            unchanged: 1,
        };
        let preview = serde_json::to_value(preview(&units, &diff)).unwrap();
        let features = preview["features"].as_array().unwrap();
        let shown: Vec<(&str, &str)> = features
            .iter()
            .map(|f| {
                (
                    f["properties"]["code"].as_str().unwrap(),
                    f["properties"]["change"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(shown, [("a", "added"), ("b", "changed")]);
        assert_eq!(
            features[0]["geometry"]["coordinates"][0][0][0],
            serde_json::json!([105.123_457, 18.0])
        );
    }
}
