//! The `datetime` parameter: an instant, or an interval whose ends may be open (`..` or
//! empty), in RFC 3339. A bare date stands for the whole of that day in the province's time.

use crate::OgcError;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// The moment or span a request asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temporal {
    /// Now: the current versions.
    Now,
    /// The versions in force at one instant.
    Instant(DateTime<Utc>),
    /// Every feature in force at some moment of the span, as it stood last within it; an end
    /// left open reaches to the beginning of time, or to now. Both ends are inclusive.
    Interval {
        /// Its start.
        start: Option<DateTime<Utc>>,
        /// Its end.
        end: Option<DateTime<Utc>>,
    },
}

impl Temporal {
    /// Reads `datetime`; the province's UTC offset says when a bare date begins and ends.
    ///
    /// # Errors
    /// 400 naming `datetime`: not an instant or an interval, or an interval that ends before
    /// it starts.
    pub fn parse(text: &str, offset: FixedOffset) -> Result<Temporal, OgcError> {
        let text = text.trim();
        let Some((start, end)) = text.split_once('/') else {
            return match read_end(text, offset)? {
                Some(End::Instant(t)) => Ok(Temporal::Instant(t)),
                Some(End::Day(first, last)) => Ok(Temporal::Interval {
                    start: Some(first),
                    end: Some(last),
                }),
                None => Err(bad(
                    "datetime is empty; give an instant, e.g. 2021-09-20T00:00:00Z, or an interval",
                )),
            };
        };
        let start = read_end(start, offset)?.map(|e| e.first());
        let end = read_end(end, offset)?.map(|e| e.last());
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                return Err(bad(format!(
                    "datetime's interval ends ({e}) before it starts ({s}); give the earlier moment first"
                )));
            }
        }
        if start.is_none() && end.is_none() {
            return Err(bad("datetime's interval is open at both ends (../..): leave datetime out to mean every moment, or close one end"));
        }
        Ok(Temporal::Interval { start, end })
    }
}

enum End {
    Instant(DateTime<Utc>),
    /// A day: its first and last instant.
    Day(DateTime<Utc>, DateTime<Utc>),
}

impl End {
    fn first(&self) -> DateTime<Utc> {
        match self {
            End::Instant(t) | End::Day(t, _) => *t,
        }
    }
    fn last(&self) -> DateTime<Utc> {
        match self {
            End::Instant(t) | End::Day(_, t) => *t,
        }
    }
}

fn read_end(text: &str, offset: FixedOffset) -> Result<Option<End>, OgcError> {
    if text.is_empty() || text == ".." {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(End::Instant(t.with_timezone(&Utc))));
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let start = day
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(offset).single());
        let next = day
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| t.and_local_timezone(offset).single());
        if let (Some(start), Some(next)) = (start, next) {
            let last = next - chrono::Duration::microseconds(1);
            return Ok(Some(End::Day(
                start.with_timezone(&Utc),
                last.with_timezone(&Utc),
            )));
        }
    }
    Err(bad(format!(
        "datetime: {text:?} is not an RFC 3339 date-time (2021-09-20T00:00:00Z, 2021-09-20T07:00:00+07:00) or date (2021-09-20); an interval is two of them with '/', an open end '..'"
    )))
}

fn bad(message: impl Into<String>) -> OgcError {
    OgcError::bad_parameter("datetime", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vietnam() -> FixedOffset {
        FixedOffset::east_opt(7 * 3600).unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn instants_intervals_and_days() {
        let p = |t: &str| Temporal::parse(t, vietnam());
        assert_eq!(
            p("2021-09-20T00:00:00Z"),
            Ok(Temporal::Instant(at("2021-09-20T00:00:00Z")))
        );
        assert_eq!(
            p("2021-09-01T00:00:00+07:00/.."),
            Ok(Temporal::Interval {
                start: Some(at("2021-08-31T17:00:00Z")),
                end: None
            })
        );
        assert_eq!(
            p("/2021-09-01T00:00:00Z"),
            Ok(Temporal::Interval {
                start: None,
                end: Some(at("2021-09-01T00:00:00Z"))
            })
        );
        let Ok(Temporal::Interval {
            start: Some(s),
            end: Some(e),
        }) = p("2021-09-20")
        else {
            panic!("a day is an interval");
        };
        assert_eq!(s, at("2021-09-19T17:00:00Z"));
        assert!(e < at("2021-09-20T17:00:00Z") && e > at("2021-09-20T16:59:59Z"));
    }

    #[test]
    fn malformed_datetimes_are_named() {
        for bad in [
            "yesterday",
            "2021-13-01",
            "2021-09-20T25:00:00Z",
            "../..",
            "",
            "2021-09-02/2021-09-01",
            "2021-09-01/x",
        ] {
            let e = Temporal::parse(bad, vietnam()).unwrap_err();
            assert_eq!(e.parameter(), "datetime", "{bad}");
        }
    }
}
