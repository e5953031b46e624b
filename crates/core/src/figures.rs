//! Daily case figures per commune, returning workers, and their sums over a district or the
//! province.

use chrono::NaiveDate;
use serde::Serialize;

/// One commune's figures for one day, as its health centre or CDC reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaseCounts {
    /// Cases found that day.
    pub new_cases: i32,
    /// Cases under treatment at the end of the day.
    pub active: i32,
    /// Recovered that day.
    pub recovered: i32,
    /// Deaths that day.
    pub deaths: i32,
    /// People in quarantine at the end of the day.
    pub in_quarantine: i32,
}

/// A commune's figures for a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DailyFigures {
    /// The commune's code.
    pub commune_code: String,
    /// The day (local date, Asia/Ho_Chi_Minh).
    pub day: NaiveDate,
    /// The counts.
    #[serde(flatten)]
    pub counts: CaseCounts,
}

impl DailyFigures {
    /// The stable id of a commune's day: `<commune>/<day>`.
    #[must_use]
    pub fn id(&self) -> String {
        entity_id(&self.commune_code, self.day)
    }
}

/// Workers who came back to a commune on a day (Department of Labour).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReturningWorkers {
    /// The commune's code.
    pub commune_code: String,
    /// The day.
    pub day: NaiveDate,
    /// How many arrived.
    pub arrived: i32,
}

impl ReturningWorkers {
    /// The stable id: `<commune>/<day>`.
    #[must_use]
    pub fn id(&self) -> String {
        entity_id(&self.commune_code, self.day)
    }
}

/// `<commune>/<day>`.
#[must_use]
pub fn entity_id(commune_code: &str, day: NaiveDate) -> String {
    format!("{commune_code}/{day}")
}

/// The sums over the communes of a unit (or the province) for one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayTotals {
    /// The day.
    pub day: NaiveDate,
    /// Summed counts.
    #[serde(flatten)]
    pub counts: CaseCounts,
    /// Returning workers that day.
    pub returning_workers: i64,
    /// How many communes reported case figures that day.
    pub communes_reporting: i64,
}
