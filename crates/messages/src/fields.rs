//! Reading one JSON object field by field, every problem collected (not only the first).

use crate::FieldError;
use chrono::{DateTime, Utc};
use covidmap_core::Entity;
use serde_json::{Map, Value};
use std::ops::RangeInclusive;

/// Reads the fields of one JSON object, collecting problems instead of stopping at the first.
pub(crate) struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
    known: Vec<&'static str>,
    pub(crate) errors: Vec<FieldError>,
}

/// Reads a request with `read`, which records every problem it finds: the request when
/// there were none, else all of them (not only the first).
pub(crate) fn read_all<T>(
    read: impl FnOnce(&mut Vec<FieldError>) -> Option<T>,
) -> Result<T, Vec<FieldError>> {
    let mut errors = Vec::new();
    match read(&mut errors) {
        Some(request) if errors.is_empty() => Ok(request),
        _ => Err(errors),
    }
}

impl<'a> Fields<'a> {
    pub(crate) fn new(
        value: Option<&'a Value>,
        prefix: &str,
        errors: &mut Vec<FieldError>,
    ) -> Option<Self> {
        if let Some(Value::Object(object)) = value {
            Some(Fields {
                object,
                prefix: prefix.to_owned(),
                known: Vec::new(),
                errors: Vec::new(),
            })
        } else {
            errors.push(FieldError {
                field: prefix.trim_end_matches('.').to_owned(),
                message: "must be a JSON object".into(),
            });
            None
        }
    }

    pub(crate) fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub(crate) fn error(&mut self, name: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: self.path(name),
            message: message.into(),
        });
    }

    /// The value, `None` when absent or null.
    pub(crate) fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.known.push(name);
        self.object.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn required(&mut self, name: &'static str) -> Option<&'a Value> {
        let v = self.get(name);
        if v.is_none() {
            self.error(name, "is required");
        }
        v
    }

    pub(crate) fn text_value(
        &mut self,
        name: &'static str,
        v: &Value,
        max: usize,
    ) -> Option<String> {
        let Some(s) = v.as_str() else {
            self.error(name, "must be text");
            return None;
        };
        let s = s.trim();
        let chars = s.chars().count();
        if chars == 0 {
            self.error(name, "must not be empty");
            None
        } else if chars > max {
            self.error(name, format!("is {chars} characters long; at most {max}"));
            None
        } else if s.chars().any(|c| c.is_control()) {
            self.error(name, "must not hold control characters");
            None
        } else {
            Some(s.to_owned())
        }
    }

    pub(crate) fn text(&mut self, name: &'static str, max: usize) -> Option<String> {
        let v = self.required(name)?;
        self.text_value(name, v, max)
    }

    pub(crate) fn integer_value(
        &mut self,
        name: &'static str,
        v: &Value,
        range: RangeInclusive<i64>,
    ) -> Option<i64> {
        match v.as_i64() {
            Some(n) if range.contains(&n) => Some(n),
            Some(n) => {
                let (low, high) = (range.start(), range.end());
                self.error(name, format!("is {n}; must be from {low} to {high}"));
                None
            }
            None => {
                self.error(name, "must be a whole number");
                None
            }
        }
    }

    pub(crate) fn integer(
        &mut self,
        name: &'static str,
        range: RangeInclusive<i64>,
    ) -> Option<i64> {
        let v = self.required(name)?;
        self.integer_value(name, v, range)
    }

    pub(crate) fn number(&mut self, name: &'static str, above: f64, at_most: f64) -> Option<f64> {
        let v = self.required(name)?;
        match v.as_f64() {
            Some(n) if n > above && n <= at_most => Some(n),
            Some(n) => {
                self.error(
                    name,
                    format!("is {n}; must be over {above} and at most {at_most}"),
                );
                None
            }
            None => {
                self.error(name, "must be a number");
                None
            }
        }
    }

    pub(crate) fn time_value(&mut self, name: &'static str, v: &Value) -> Option<DateTime<Utc>> {
        match v.as_str().map(DateTime::parse_from_rfc3339) {
            Some(Ok(t)) => Some(t.with_timezone(&Utc)),
            _ => {
                self.error(
                    name,
                    "must be a date and time with its offset, e.g. 2021-09-13T08:00:00+07:00",
                );
                None
            }
        }
    }

    pub(crate) fn time(&mut self, name: &'static str) -> Option<DateTime<Utc>> {
        let v = self.required(name)?;
        self.time_value(name, v)
    }

    pub(crate) fn optional_time(&mut self, name: &'static str) -> Option<Option<DateTime<Utc>>> {
        match self.get(name) {
            None => Some(None),
            Some(v) => self.time_value(name, v).map(Some),
        }
    }

    pub(crate) fn one_of(&mut self, name: &'static str, allowed: &[&str]) -> Option<String> {
        let v = self.required(name)?;
        match v.as_str() {
            Some(s) if allowed.contains(&s) => Some(s.to_owned()),
            _ => {
                self.error(name, format!("must be one of: {}", allowed.join(", ")));
                None
            }
        }
    }

    /// An entity with versions of its own, by name, table or URL name (`zones`,
    /// `lockdown_zones`); boundaries are reverted by upload.
    pub(crate) fn entity(&mut self, name: &'static str) -> Option<Entity> {
        let v = self.required(name)?;
        match v.as_str().map(Entity::parse) {
            Some(Ok(e)) if e != Entity::Boundaries => Some(e),
            _ => {
                let names: Vec<&str> = Entity::ALL
                    .iter()
                    .filter(|e| **e != Entity::Boundaries)
                    .map(|e| e.url())
                    .collect();
                self.error(
                    name,
                    format!(
                        "must be one of: {} (or their table names)",
                        names.join(", ")
                    ),
                );
                None
            }
        }
    }

    pub(crate) fn optional_one_of(
        &mut self,
        name: &'static str,
        allowed: &[&str],
    ) -> Option<Option<String>> {
        if self.get(name).is_none() {
            return Some(None);
        }
        self.one_of(name, allowed).map(Some)
    }

    /// Problems so far, and any field nobody asked for (a typo, most likely).
    pub(crate) fn finish(mut self, errors: &mut Vec<FieldError>) {
        let mut unknown: Vec<&String> = self
            .object
            .keys()
            .filter(|k| !self.known.contains(&k.as_str()))
            .collect();
        unknown.sort();
        let expected = self.known.join(", ");
        for key in unknown {
            self.errors.push(FieldError {
                field: format!("{}{key}", self.prefix),
                message: format!("is not a field of this request; expected: {expected}"),
            });
        }
        errors.append(&mut self.errors);
    }
}

/// A stable id given by the client: lower-case letters, digits and dashes.
pub(crate) fn check_id(id: &str) -> bool {
    (1..=63).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The optional `id` property.
pub(crate) fn id_field(fields: &mut Fields<'_>) -> Option<Option<String>> {
    match fields.get("id") {
        None => Some(None),
        Some(Value::String(id)) if check_id(id) => Some(Some(id.clone())),
        Some(_) => {
            fields.error("id", "must be 1–63 lower-case letters, digits and dashes (or left out: the server makes one)");
            None
        }
    }
}
