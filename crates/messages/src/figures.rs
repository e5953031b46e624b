//! Epidemic levels, a commune's figures for a day, returning workers, and the day itself.

use crate::fields::{read_all, Fields};
use crate::FieldError;
use serde_json::Value;

/// A commune's epidemic level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelRequest {
    /// 1–4.
    pub level: u8,
    /// Active cases.
    pub active_cases: i32,
}

/// Reads `{"level": 1–4, "active_cases": n}`.
///
/// # Errors
/// Every problem found.
pub fn level_request(body: &Value) -> Result<LevelRequest, Vec<FieldError>> {
    read_all(|errors| {
        Fields::new(Some(body), "", errors).and_then(|mut p| {
            let level = p.integer("level", 1..=4);
            let active = p.integer("active_cases", 0..=i64::from(i32::MAX));
            p.finish(errors);
            Some(LevelRequest {
                level: u8::try_from(level?).ok()?,
                active_cases: i32::try_from(active?).ok()?,
            })
        })
    })
}

/// Reads a commune's figures for a day: every count required, none negative.
///
/// # Errors
/// Every problem found.
pub fn figures_request(
    body: &Value,
) -> Result<covidmap_core::figures::CaseCounts, Vec<FieldError>> {
    read_all(|errors| {
        Fields::new(Some(body), "", errors).and_then(|mut p| {
            let mut count = |name: &'static str| {
                p.integer(name, 0..=1_000_000)
                    .and_then(|n| i32::try_from(n).ok())
            };
            let counts = (
                count("new_cases"),
                count("active"),
                count("recovered"),
                count("deaths"),
                count("in_quarantine"),
            );
            p.finish(errors);
            Some(covidmap_core::figures::CaseCounts {
                new_cases: counts.0?,
                active: counts.1?,
                recovered: counts.2?,
                deaths: counts.3?,
                in_quarantine: counts.4?,
            })
        })
    })
}

/// Reads `{"arrived": n}`.
///
/// # Errors
/// Every problem found.
pub fn workers_request(body: &Value) -> Result<i32, Vec<FieldError>> {
    read_all(|errors| {
        Fields::new(Some(body), "", errors).and_then(|mut p| {
            let arrived = p.integer("arrived", 0..=1_000_000);
            p.finish(errors);
            i32::try_from(arrived?).ok()
        })
    })
}

/// The first day figures may be dated.
pub const FIRST_DAY: &str = "2020-01-01";

/// Reads a day from a URL (`2021-09-13`): not before [`FIRST_DAY`], not after `today` (the
/// province's date: a report cannot be about tomorrow).
///
/// # Errors
/// The problem, for the `day` field.
pub fn figures_day(text: &str, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, FieldError> {
    let fail = |message: String| FieldError {
        field: "day".into(),
        message,
    };
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| fail(format!("{text:?} is not a date like 2021-09-13")))?;
    if day > today {
        return Err(fail(format!(
            "{day} is in the future (today is {today} in the province)"
        )));
    }
    if day.to_string().as_str() < FIRST_DAY {
        return Err(fail(format!("{day} is before {FIRST_DAY}")));
    }
    Ok(day)
}
