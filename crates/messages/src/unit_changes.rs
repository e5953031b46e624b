//! A file of administrative changes (`POST /api/v1/unit-changes`, `covidmap unit-changes`):
//! CSV with a header, or JSON (`{"changes": [...]}` or a bare array of objects with the same
//! keys). Every row and field is read and every problem named; the cross-checks against the
//! units known are [`covidmap_core::lineage::check`]'s.

use crate::FieldError;
use chrono::NaiveDate;
use covidmap_core::lineage::{ChangeKind, ChangeProblem, FormerUnit, UnitChange};
use serde_json::Value;

/// The columns (and JSON keys) of a change.
pub const COLUMNS: [&str; 9] = [
    "effective",
    "act",
    "kind",
    "predecessor_code",
    "predecessor_name",
    "predecessor_parent_code",
    "successor_code",
    "successor_name",
    "source",
];
/// Most changes one file may hold.
pub const MAX_CHANGES: usize = 5000;
/// Longest act, in characters.
const MAX_ACT: usize = 300;
/// Longest source, in characters.
const MAX_SOURCE: usize = 1000;

/// The changes a file holds, each with where it is in the file ("line 5", "changes[3]").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChangesFile {
    /// The changes, in file order.
    pub changes: Vec<UnitChange>,
    /// `labels[i]` says where `changes[i]` is.
    pub labels: Vec<String>,
}

impl ChangesFile {
    /// The cross-check problems, as field errors naming the row.
    #[must_use]
    pub fn field_errors(&self, problems: Vec<ChangeProblem>) -> Vec<FieldError> {
        problems
            .into_iter()
            .map(|p| FieldError::new(self.field(p.index, p.field), p.message))
            .collect()
    }

    /// Reads one change from its cells into the file, or its problems into `errors`.
    fn read_change(
        &mut self,
        label: String,
        join: &str,
        cell: &dyn Fn(&str) -> String,
        errors: &mut Vec<FieldError>,
    ) {
        match change(&label, join, cell) {
            Ok(c) => {
                self.changes.push(c);
                self.labels.push(label);
            }
            Err(e) => errors.extend(e),
        }
    }

    /// The file, unless anything in it was wrong.
    fn unless(self, errors: Vec<FieldError>) -> Result<Self, Vec<FieldError>> {
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    fn field(&self, index: usize, field: &str) -> String {
        let label = self.labels.get(index).map_or("", String::as_str);
        if label.ends_with(']') {
            format!("{label}.{field}")
        } else {
            format!("{label}, {field}")
        }
    }
}

/// Reads a CSV file of changes.
///
/// # Errors
/// Every problem found, by line and column; the file is refused as a whole.
pub fn read_csv(bytes: &[u8]) -> Result<ChangesFile, Vec<FieldError>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_ascii_lowercase).collect(),
        Err(e) => {
            return Err(vec![FieldError::new(
                "line 1, header",
                format!("unreadable: {e}"),
            )])
        }
    };
    let mut errors: Vec<FieldError> = headers
        .iter()
        .filter(|h| !COLUMNS.contains(&h.as_str()))
        .map(|h| {
            FieldError::new(
                format!("line 1, {h}"),
                format!(
                    "is not a column of a changes file; use: {}",
                    COLUMNS.join(", ")
                ),
            )
        })
        .collect();
    errors.extend(
        COLUMNS
            .iter()
            .filter(|c| **c != "predecessor_code" && !headers.iter().any(|h| h == *c))
            .map(|c| FieldError::new("line 1, header", format!("needs a {c} column"))),
    );
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut file = ChangesFile::default();
    for (index, record) in reader.records().enumerate() {
        let fallback_line = index as u64 + 2;
        if index >= MAX_CHANGES {
            return Err(vec![FieldError::new(
                format!("line {fallback_line}"),
                format!("over {MAX_CHANGES} changes; split the file"),
            )]);
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(fallback_line, csv::Position::line);
                errors.push(FieldError::new(
                    format!("line {line}, row"),
                    format!("unreadable: {e}"),
                ));
                continue;
            }
        };
        let line = record.position().map_or(fallback_line, csv::Position::line);
        let label = format!("line {line}");
        let cell = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_owned()
        };
        file.read_change(label, ", ", &cell, &mut errors);
    }
    file.unless(errors)
}

/// Reads changes sent as JSON.
///
/// # Errors
/// Every problem found, by index and key.
pub fn read_json(body: &Value) -> Result<ChangesFile, Vec<FieldError>> {
    let (list, prefix) = match body {
        Value::Array(list) => (list, ""),
        Value::Object(o) => match o.get("changes") {
            Some(Value::Array(list)) => (list, "changes"),
            _ => {
                return Err(vec![FieldError::new(
                    "changes",
                    "send {\"changes\": [...]} with one object per change",
                )])
            }
        },
        _ => {
            return Err(vec![FieldError::new(
                "body",
                "send {\"changes\": [...]} with one object per change",
            )])
        }
    };
    if list.len() > MAX_CHANGES {
        return Err(vec![FieldError::new(
            prefix,
            format!("over {MAX_CHANGES} changes; send them in parts"),
        )]);
    }
    let mut file = ChangesFile::default();
    let mut errors = Vec::new();
    for (index, item) in list.iter().enumerate() {
        let label = format!("{prefix}[{index}]");
        let Some(object) = item.as_object() else {
            errors.push(FieldError::new(&label, "must be an object"));
            continue;
        };
        errors.extend(
            object
                .keys()
                .filter(|k| !COLUMNS.contains(&k.as_str()))
                .map(|k| {
                    FieldError::new(
                        format!("{label}.{k}"),
                        format!("is not a field of a change; use: {}", COLUMNS.join(", ")),
                    )
                }),
        );
        let cell = |name: &str| match object.get(name) {
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        for (key, value) in object {
            if !matches!(value, Value::String(_) | Value::Null) && COLUMNS.contains(&key.as_str()) {
                errors.push(FieldError::new(
                    format!("{label}.{key}"),
                    "must be a string",
                ));
            }
        }
        file.read_change(label, ".", &cell, &mut errors);
    }
    file.unless(errors)
}

/// One change from its cells; `join` puts the label and the field together.
fn change(
    label: &str,
    join: &str,
    cell: &dyn Fn(&str) -> String,
) -> Result<UnitChange, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut text = |field: &str, most: usize| {
        let value = cell(field);
        let value = value.trim();
        if value.is_empty() {
            errors.push(FieldError::new(
                format!("{label}{join}{field}"),
                "is required",
            ));
        } else if value.chars().count() > most {
            errors.push(FieldError::new(
                format!("{label}{join}{field}"),
                format!("is over {most} characters"),
            ));
        } else if value.contains('\0') {
            errors.push(FieldError::new(
                format!("{label}{join}{field}"),
                "holds a NUL character",
            ));
        }
        value.to_owned()
    };
    let act = text("act", MAX_ACT);
    let predecessor_name = text("predecessor_name", crate::MAX_NAME);
    let predecessor_parent_code = text("predecessor_parent_code", crate::MAX_NAME);
    let successor_code = text("successor_code", crate::MAX_NAME);
    let successor_name = text("successor_name", crate::MAX_NAME);
    let source = text("source", MAX_SOURCE);
    let effective_text = text("effective", 10);
    let kind_text = text("kind", 30);
    let code = cell("predecessor_code");
    let code = code.trim();
    if code.contains('\0') || code.chars().count() > crate::MAX_NAME {
        errors.push(FieldError::new(
            format!("{label}{join}predecessor_code"),
            format!(
                "must be a unit's code, at most {} characters",
                crate::MAX_NAME
            ),
        ));
    }
    let effective = NaiveDate::parse_from_str(&effective_text, "%Y-%m-%d").ok();
    if effective.is_none() && !effective_text.is_empty() {
        errors.push(FieldError::new(
            format!("{label}{join}effective"),
            format!("{effective_text:?} is not a day; write it as YYYY-MM-DD (2024-12-01)"),
        ));
    }
    let kind = ChangeKind::parse(&kind_text);
    if kind.is_none() && !kind_text.is_empty() {
        errors.push(FieldError::new(
            format!("{label}{join}kind"),
            format!(
                "{kind_text:?} is not a kind of change; use one of: {}",
                ChangeKind::ALL.map(ChangeKind::as_str).join(", ")
            ),
        ));
    }
    match (effective, kind) {
        (Some(effective), Some(kind)) if errors.is_empty() => Ok(UnitChange {
            effective,
            act,
            kind,
            predecessor: FormerUnit {
                code: (!code.is_empty()).then(|| code.to_owned()),
                name: predecessor_name,
                parent_code: predecessor_parent_code,
            },
            successor_code,
            successor_name,
            source,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HEADER: &str = "effective,act,kind,predecessor_code,predecessor_name,predecessor_parent_code,successor_code,successor_name,source\n";

    #[test]
    fn a_csv_file_reads_row_by_row() {
        let csv = format!(
            "{HEADER}2024-12-01,Resolution 1243/NQ-UBTVQH15,merge,,Phường Lê Mao,412,16681,Phường Quang Trung,https://example.org/act\n"
        );
        let file = read_csv(csv.as_bytes()).unwrap_or_default();
        assert_eq!(file.labels, ["line 2"]);
        assert_eq!(file.changes[0].predecessor.code, None);
        assert_eq!(file.changes[0].kind, ChangeKind::Merge);
    }

    #[test]
    fn every_bad_cell_is_named_by_line_and_column() {
        let csv =
            format!("{HEADER}2024-13-01,Resolution 1243,merged,,Phường Lê Mao,412,16681,,x\n");
        let errors = read_csv(csv.as_bytes()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "line 2, successor_name",
                "line 2, effective",
                "line 2, kind"
            ]
        );
        assert!(errors[1].message.contains("YYYY-MM-DD"), "{errors:?}");
        assert!(
            errors[2].message.contains("district_abolished"),
            "{errors:?}"
        );
        let unknown = read_csv(b"effective,act,colour\n").unwrap_err();
        assert_eq!(unknown[0].field, "line 1, colour");
        assert!(unknown.iter().any(|e| e.message == "needs a kind column"));
    }

    #[test]
    fn json_reads_the_same_fields() {
        let body = json!({"changes": [{
            "effective": "2024-12-01", "act": "Resolution 1243/NQ-UBTVQH15", "kind": "move",
            "predecessor_code": "17902", "predecessor_name": "Xã Nghi Phong",
            "predecessor_parent_code": "429", "successor_code": "17902",
            "successor_name": "Xã Nghi Phong", "source": "https://example.org/act"
        }, {"effective": 2024, "colour": "red"}]});
        let errors = read_json(&body).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"changes[1].colour"), "{fields:?}");
        assert!(fields.contains(&"changes[1].effective"), "{fields:?}");
        assert!(fields.contains(&"changes[1].kind"), "{fields:?}");
        assert!(read_json(&json!("x")).is_err());
        let one = json!([body["changes"][0]]);
        let file = read_json(&one).unwrap_or_default();
        assert_eq!(file.labels, ["[0]"]);
        let problem = ChangeProblem {
            index: 0,
            field: "kind",
            message: "m".into(),
        };
        assert_eq!(file.field_errors(vec![problem])[0].field, "[0].kind");
    }
}
