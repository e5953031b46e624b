//! Who is late: each kind of organisation's duty to keep a layer current — by default (the
//! store's `duties` table) the district health centres' daily figures every day by 17:00
//! local time, and their testing sites and the police's and the military's checkpoints at
//! least weekly — judged against what the store says was last done. Pure: times and counts
//! come in, standings go out.

use crate::agency::{OrgKind, UnknownName};
use crate::Entity;
use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};
use std::fmt;
use std::str::FromStr;

/// How often a layer is expected to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// Every day, each commune's figures for the day by this local time (`daily@17:00`).
    DailyBy(NaiveTime),
    /// At least one change in this many days (`7d`).
    Days(u32),
}

/// A duty: organisations of `kind` keep `entity` current, as often as `every` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duty {
    /// What they keep.
    pub entity: Entity,
    /// Who keeps it.
    pub kind: OrgKind,
    /// How often.
    pub every: Every,
}

/// A cadence that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DutyError {
    /// Neither `daily@HH:MM` nor `<n>d`.
    #[error("cadence {0:?} is not understood; write daily@HH:MM (the day's figures by that local time) or <n>d (a change at least every n days, 1 to 366)")]
    Cadence(String),
    /// The layer or the kind of organisation is unknown.
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    /// Only daily figures are due by the hour; another layer's duty counts days.
    #[error("only daily_figures can be due daily by an hour; give {0} a cadence in days (7d)")]
    DailyNotFigures(Entity),
    /// The kind of organisation does not keep that layer, so it cannot owe it.
    #[error("{kind} organisations do not keep {entity}, so they cannot be due to")]
    NotKept {
        /// The kind.
        kind: OrgKind,
        /// The layer.
        entity: Entity,
    },
}

impl FromStr for Every {
    type Err = DutyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DutyError::Cadence(s.to_owned());
        if let Some(time) = s.strip_prefix("daily@") {
            return NaiveTime::parse_from_str(time, "%H:%M")
                .map(Every::DailyBy)
                .map_err(|_| bad());
        }
        let days: u32 = s
            .strip_suffix('d')
            .and_then(|n| n.parse().ok())
            .ok_or_else(bad)?;
        if (1..=366).contains(&days) {
            Ok(Every::Days(days))
        } else {
            Err(bad())
        }
    }
}

impl fmt::Display for Every {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Every::DailyBy(time) => write!(f, "daily@{}", time.format("%H:%M")),
            Every::Days(days) => write!(f, "{days}d"),
        }
    }
}

impl Duty {
    /// A duty as the store or the command line names it, checked: the kind must keep the
    /// layer ([`crate::policy::keeps`]), and only daily figures are due by the hour.
    ///
    /// # Errors
    /// A name or the cadence is wrong.
    pub fn parse(entity: &str, kind: &str, every: &str) -> Result<Duty, DutyError> {
        let duty = Duty {
            entity: Entity::parse(entity)?,
            kind: kind.parse()?,
            every: every.parse()?,
        };
        if !crate::policy::keeps(duty.kind).contains(&duty.entity) {
            return Err(DutyError::NotKept {
                kind: duty.kind,
                entity: duty.entity,
            });
        }
        if matches!(duty.every, Every::DailyBy(_)) && duty.entity != Entity::DailyFigures {
            return Err(DutyError::DailyNotFigures(duty.entity));
        }
        Ok(duty)
    }
}

/// Where an organisation stands with a duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Nothing it could do: a daily duty over a district with no current communes (its
    /// boundaries are missing, or it was merged away).
    NoCommunes,
    /// Done; the next deadline.
    OnTime {
        /// When it is next due.
        next_due: DateTime<Utc>,
    },
    /// Not done by the deadline.
    Late {
        /// The deadline missed.
        since: DateTime<Utc>,
    },
}

impl Standing {
    /// Whether the deadline was missed.
    #[must_use]
    pub fn is_late(self) -> bool {
        matches!(self, Standing::Late { .. })
    }
}

/// A duty counted in days: late once `days` have passed since the last change, or, if there
/// never was one, since `start` (when the duty was set).
#[must_use]
pub fn by_days(
    days: u32,
    last_changed: Option<DateTime<Utc>>,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Standing {
    let due = last_changed.unwrap_or(start) + TimeDelta::days(i64::from(days));
    if now <= due {
        Standing::OnTime { next_due: due }
    } else {
        Standing::Late { since: due }
    }
}

/// The day whose figures a daily duty asks for now, and that day's deadline: today's once
/// today's deadline has passed, else yesterday's.
#[must_use]
pub fn day_due(
    by: NaiveTime,
    now: DateTime<Utc>,
    offset: FixedOffset,
) -> (NaiveDate, DateTime<Utc>) {
    let today = now.with_timezone(&offset).date_naive();
    let deadline = |day: NaiveDate| deadline_of(day, by, offset);
    if now >= deadline(today) {
        (today, deadline(today))
    } else {
        let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
        (yesterday, deadline(yesterday))
    }
}

/// A day's deadline at `by`, local time, as an instant.
fn deadline_of(day: NaiveDate, by: NaiveTime, offset: FixedOffset) -> DateTime<Utc> {
    (day.and_time(by) - offset).and_utc()
}

/// A daily duty: on time when every commune has the due day's figures (then due again at
/// the next deadline), else late since the due day's deadline. Figures count as there
/// whenever they came, before the deadline or after; the day before the due one is no
/// longer asked for.
#[must_use]
pub fn daily(
    by: NaiveTime,
    now: DateTime<Utc>,
    offset: FixedOffset,
    reported: usize,
    communes: usize,
) -> Standing {
    let (day, deadline) = day_due(by, now, offset);
    if communes == 0 {
        Standing::NoCommunes
    } else if reported >= communes {
        let next = day.checked_add_days(Days::new(1)).unwrap_or(day);
        Standing::OnTime {
            next_due: deadline_of(next, by, offset),
        }
    } else {
        Standing::Late { since: deadline }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
        Some(o) => o,
        None => panic!(),
    };

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn cadences_read_and_print_back() {
        for text in ["daily@17:00", "daily@08:30", "7d", "1d", "366d"] {
            assert_eq!(text.parse::<Every>().unwrap().to_string(), text);
        }
        for bad in [
            "",
            "daily",
            "daily@25:00",
            "0d",
            "367d",
            "7",
            "weekly",
            "-1d",
            "7 d",
        ] {
            let e = bad.parse::<Every>().unwrap_err().to_string();
            assert!(e.contains("daily@HH:MM"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_duty_is_checked_against_what_its_kind_keeps() {
        assert!(Duty::parse("checkpoints", "police", "7d").is_ok());
        let e = Duty::parse("checkpoints", "labour", "7d").unwrap_err();
        assert!(
            e.to_string()
                .contains("labour organisations do not keep checkpoints"),
            "{e}"
        );
        let e = Duty::parse("testing_sites", "district_health_centre", "daily@17:00").unwrap_err();
        assert!(e.to_string().contains("only daily_figures"), "{e}");
        let e = Duty::parse("vaccinations", "cdc", "1d").unwrap_err();
        assert!(e.to_string().contains("vaccinations"), "{e}");
    }

    #[test]
    fn the_figures_due_are_todays_after_five_and_yesterdays_before() {
        let five = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        // 16:59 in Vinh is 09:59 UTC: yesterday's figures are the ones due.
        let (day, deadline) = day_due(five, at("2021-09-13T09:59:00Z"), VIETNAM);
        assert_eq!(day.to_string(), "2021-09-12");
        assert_eq!(deadline, at("2021-09-12T10:00:00Z"));
        let (day, deadline) = day_due(five, at("2021-09-13T10:00:00Z"), VIETNAM);
        assert_eq!(day.to_string(), "2021-09-13");
        assert_eq!(deadline, at("2021-09-13T10:00:00Z"));
        // Local midnight is not UTC midnight: 23:30 UTC is already the next day in Vinh.
        let (day, _) = day_due(five, at("2021-09-13T23:30:00Z"), VIETNAM);
        assert_eq!(day.to_string(), "2021-09-13");

        let now = at("2021-09-13T11:00:00Z");
        assert_eq!(
            daily(five, now, VIETNAM, 20, 21),
            Standing::Late {
                since: at("2021-09-13T10:00:00Z")
            }
        );
        assert_eq!(daily(five, now, VIETNAM, 0, 0), Standing::NoCommunes);
        assert_eq!(
            daily(five, now, VIETNAM, 21, 21),
            Standing::OnTime {
                next_due: at("2021-09-14T10:00:00Z")
            }
        );
    }

    #[test]
    fn a_weekly_duty_is_late_a_week_after_the_last_change_or_after_it_was_set() {
        let start = at("2021-09-01T00:00:00Z");
        let last = at("2021-09-06T08:00:00Z");
        assert_eq!(
            by_days(7, Some(last), start, at("2021-09-13T08:00:00Z")),
            Standing::OnTime {
                next_due: at("2021-09-13T08:00:00Z")
            }
        );
        assert_eq!(
            by_days(7, Some(last), start, at("2021-09-13T08:00:01Z")),
            Standing::Late {
                since: at("2021-09-13T08:00:00Z")
            }
        );
        assert!(!by_days(7, None, start, at("2021-09-02T00:00:00Z")).is_late());
        assert_eq!(
            by_days(7, None, start, at("2021-09-09T00:00:00Z")),
            Standing::Late {
                since: at("2021-09-08T00:00:00Z")
            }
        );
    }
}
