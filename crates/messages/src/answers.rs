//! What the API answers, typed: the handlers build these and the OpenAPI document carries
//! their schemas (the status answers are `covidmap-lookup`'s, the vocabulary's types are
//! `covidmap-core`'s).

use crate::import::Unresolved;
use crate::FieldError;
use chrono::{DateTime, NaiveDate, Utc};
use covidmap_core::documents::Document;
use covidmap_core::figures::DayTotals;
use covidmap_core::Level;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorAnswer {
    /// The error.
    pub error: ErrorDetail,
}

/// The error itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// bad_parameter, not_found, unauthorized, forbidden, invalid, conflict, bad_body,
    /// read_only, unavailable, internal.
    pub code: &'static str,
    /// What is wrong and what to do about it, in words.
    pub message: String,
    /// The parameter or body part at fault.
    pub field: Option<String>,
    /// For `invalid` (422): every field at fault, so that all are fixed in one go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldError>>,
}

impl ErrorAnswer {
    /// An error about one field (or none).
    #[must_use]
    pub fn new(code: &'static str, message: String, field: Option<String>) -> Self {
        ErrorAnswer {
            error: ErrorDetail {
                code,
                message,
                field,
                fields: None,
            },
        }
    }
}

/// What a write answers: the new version, and the entity before and after.
#[derive(Debug, Serialize, ToSchema)]
pub struct Written {
    /// The entity's id.
    pub id: String,
    /// The new version's number.
    pub version_id: i64,
    /// The audit entry's number.
    pub audit_id: i64,
    /// The entity before (null when it was created), as `/api/v1/history` shows it.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The entity after.
    #[schema(value_type = Object)]
    pub after: Value,
}

/// `GET /api/v1/health`, when the database answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `error` (with a 503).
    pub status: &'static str,
    /// `reachable` or `unreachable`.
    pub database: &'static str,
    /// Current units per level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<std::collections::BTreeMap<String, i64>>,
    /// The data served is the generated sample of the demo, not real.
    pub sample_data: bool,
    /// Why not, when the database does not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// A unit named in an answer, with its level.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitSummary {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its level.
    pub level: Level,
}

impl From<&covidmap_core::AdminUnit> for UnitSummary {
    fn from(unit: &covidmap_core::AdminUnit) -> Self {
        UnitSummary {
            code: unit.code.clone(),
            name: unit.name.clone(),
            level: unit.level,
        }
    }
}

/// One unit the search found.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its type, as people write it (`Xã`, `Phường` …).
    #[serde(rename = "type")]
    pub unit_type: &'static str,
    /// Its level.
    pub level: Level,
    /// The units it lies in, nearest first (the province left out).
    pub parents: Vec<UnitSummary>,
}

/// `GET /api/v1/search`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchAnswer {
    /// The words searched, trimmed.
    pub query: String,
    /// Best first.
    pub results: Vec<SearchResult>,
}

/// A period's sums.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct PeriodTotals {
    /// Cases found over the period.
    pub new_cases: i64,
    /// Recovered over the period.
    pub recovered: i64,
    /// Deaths over the period.
    pub deaths: i64,
    /// Workers who came back over the period.
    pub returning_workers: i64,
    /// Cases under treatment on the last day.
    pub active_at_end: i32,
    /// People in quarantine on the last day.
    pub in_quarantine_at_end: i32,
}

impl PeriodTotals {
    /// The sums over days, in order.
    #[must_use]
    pub fn of(days: &[DayTotals]) -> Self {
        let sum = |f: fn(&DayTotals) -> i64| days.iter().map(f).sum::<i64>();
        PeriodTotals {
            new_cases: sum(|d| i64::from(d.counts.new_cases)),
            recovered: sum(|d| i64::from(d.counts.recovered)),
            deaths: sum(|d| i64::from(d.counts.deaths)),
            returning_workers: sum(|d| d.returning_workers),
            active_at_end: days.last().map_or(0, |d| d.counts.active),
            in_quarantine_at_end: days.last().map_or(0, |d| d.counts.in_quarantine),
        }
    }
}

/// `GET /api/v1/figures`: one unit's series.
#[derive(Debug, Serialize, ToSchema)]
pub struct FigureSeries {
    /// The unit (the province when none was asked).
    pub unit: UnitSummary,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// The sums of each day.
    pub days: Vec<DayTotals>,
    /// The sums over the period.
    pub totals: PeriodTotals,
}

/// One district's sums for a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictTotals {
    /// The district's code.
    pub code: String,
    /// Its name (null if it is no longer current).
    pub name: Option<String>,
    /// Its sums.
    pub totals: DayTotals,
}

/// `GET /api/v1/figures/districts`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictFigures {
    /// The day.
    pub day: NaiveDate,
    /// The province's sums (null when no commune reported).
    pub province: Option<DayTotals>,
    /// Each district's.
    pub districts: Vec<DistrictTotals>,
}

/// One row of a facilities import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedRow {
    /// Its line in the file.
    pub line: u64,
    /// The facility's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// The unit its address resolved to, when placed by address.
    pub placed_in: Option<String>,
    /// The version made (not in a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<i64>,
}

/// `POST /api/v1/{facility}/import`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportAnswer {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// A dry run: the rows that would be imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<ImportedRow>>,
    /// Otherwise: the rows imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported: Option<Vec<ImportedRow>>,
    /// Rows whose address could not be placed (nothing is imported while there are any).
    pub unresolved: Vec<Unresolved>,
}

/// `POST /api/v1/boundaries`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadAnswer {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// What the file held, the units planned, the change and its digest (`covidmap-upload`'s
    /// report).
    #[schema(value_type = Object)]
    pub report: Value,
}

/// `GET /api/v1/documents`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    /// How many match, over all pages.
    pub matched: i64,
    /// This page, newest first: each document's fields, and `has_pdf`, `changed_by` and
    /// `valid_from` (the PDF itself is at `/api/v1/documents/{id}/pdf`).
    #[schema(value_type = Vec<Document>)]
    pub documents: Vec<Value>,
}

/// `GET /api/v1/unit-changes`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitChangeList {
    /// How many there are.
    pub count: usize,
    /// Each change, oldest first, with its id and its explanation in words.
    pub changes: Vec<UnitChangeEntry>,
}

/// One administrative change in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitChangeEntry {
    /// Its stable id: who became whom on which day.
    pub id: String,
    /// The change.
    #[serde(flatten)]
    pub change: covidmap_core::lineage::UnitChange,
    /// "Phường Lê Mao — merged into Phường Quang Trung by …".
    pub explanation: String,
}

impl UnitChangeList {
    /// The list of the changes the snapshot knows.
    #[must_use]
    pub fn of(snapshot: &covidmap_lookup::Snapshot) -> Self {
        let changes = snapshot.unit_changes();
        UnitChangeList {
            count: changes.len(),
            changes: changes
                .iter()
                .map(|c| UnitChangeEntry {
                    id: c.id(),
                    change: c.clone(),
                    explanation: snapshot.explain(c),
                })
                .collect(),
        }
    }
}

/// One audit entry of `/api/v1/history`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// Its number.
    pub audit_id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// The organisation.
    pub org_id: String,
    /// The token (null for the command line).
    pub token_id: Option<i64>,
    /// create, update, lift, revert.
    pub action: String,
    /// The entity before.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The entity after.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

/// `GET /api/v1/history`.
#[derive(Debug, Serialize, ToSchema)]
pub struct History {
    /// The entity, as its audit entries name it (its table; `boundaries` for uploads).
    pub entity: &'static str,
    /// Its id.
    pub id: String,
    /// Oldest first.
    pub entries: Vec<HistoryEntry>,
}

/// The organisation a token stands for.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgSummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its kind (`district_committee`, `health_centre` …).
    pub kind: &'static str,
    /// Its district, for district organisations.
    pub district_code: Option<String>,
}

/// An entity as the pages name it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntityDescription {
    /// Its name (`zones`, `checkpoints` …), as `/history` and `/revert` take it.
    pub name: &'static str,
    /// Its URL under `/api/v1`.
    pub url: &'static str,
    /// Its Vietnamese title.
    pub title: &'static str,
    /// The noun in messages.
    pub noun: &'static str,
    /// The tile layers that draw it.
    pub tile_layers: &'static [&'static str],
    /// Whether it is a facility.
    pub facility: bool,
    /// A facility's statuses.
    pub statuses: Option<&'static [&'static str]>,
    /// Whether it is a lockdown declaration (zones, points).
    pub declaration: bool,
}

/// `GET /api/v1/me`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The organisation.
    pub org: OrgSummary,
    /// The token's role.
    pub role: &'static str,
    /// The entities it may write, by name.
    pub writes: Vec<&'static str>,
    /// Every entity.
    pub entities: Vec<EntityDescription>,
}

/// When a layer last changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct LayerFreshness {
    /// Its collection (`checkpoints`, `figures` …).
    pub collection: &'static str,
    /// Its Vietnamese title.
    pub title: &'static str,
    /// Its English title.
    pub title_en: &'static str,
    /// Its last change (null: none kept).
    pub last_changed: Option<DateTime<Utc>>,
}

/// Whether a district's figures due now are in.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictReporting {
    /// The district (the province, in a two-tier province).
    pub code: String,
    /// Its name.
    pub name: Option<String>,
    /// The day whose figures are due.
    pub day: NaiveDate,
    /// Their deadline.
    pub due: DateTime<Utc>,
    /// Its current communes.
    pub communes: usize,
    /// Of them, those with the day's figures.
    pub reported: usize,
    /// The deadline passed with communes missing.
    pub overdue: bool,
}

/// Where an organisation stands with a duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DutyState {
    /// The deadline passed with the work not done.
    Late,
    /// Done; due again at `due`.
    OnTime,
    /// A daily duty over a district with no current communes.
    NoCommunes,
}

/// Where an organisation stands with one of its duties.
#[derive(Debug, Serialize, ToSchema)]
pub struct DutyStanding {
    /// The organisation.
    pub org_id: String,
    /// Its name.
    pub org_name: String,
    /// The layer it keeps (its collection).
    pub collection: &'static str,
    /// How often (`daily@17:00`, `7d`).
    pub every: String,
    /// Its last change to the layer (null: none kept).
    pub last_changed: Option<DateTime<Utc>>,
    /// Where it stands.
    pub state: DutyState,
    /// Late: the deadline missed; on time: the next one; none without communes.
    pub due: Option<DateTime<Utc>>,
    /// What is missing or done, in words.
    pub detail: Option<String>,
}

/// `GET /api/v1/freshness`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Freshness {
    /// When this was worked out.
    pub now: DateTime<Utc>,
    /// Each layer's last change.
    pub layers: Vec<LayerFreshness>,
    /// The daily figures due now, per district.
    pub figures: Vec<DistrictReporting>,
    /// The duties the caller sees: every organisation's for the provincial office and the
    /// CDC, its own for any other, none without a token. Late ones first.
    pub duties: Vec<DutyStanding>,
}
