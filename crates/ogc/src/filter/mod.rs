//! CQL2 filters (OGC API – Features Part 3), in text or JSON: parsed by the `cql2` crate, then
//! checked against a collection's queryables into a typed [`Predicate`], which the store writes
//! as SQL with bound values. Nothing of a filter reaches SQL as text but the names of
//! queryables, which come from the collection, not from the request.

mod predicate;
mod reader;

pub use predicate::{Comparison, Predicate, Scalar, Shape, SpatialOp};

use crate::collection::Collection;
use crate::OgcError;
use cql2::Expr;
use reader::Reader;

/// The encoding of a filter (`filter-lang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterLang {
    /// `cql2-text`, the default.
    Text,
    /// `cql2-json`.
    Json,
}

impl FilterLang {
    /// The `filter-lang` values.
    pub const NAMES: [&'static str; 2] = ["cql2-text", "cql2-json"];

    /// The encoding `filter-lang` names.
    ///
    /// # Errors
    /// 400 naming `filter-lang`.
    pub fn parse(name: &str) -> Result<FilterLang, OgcError> {
        match name {
            "cql2-text" => Ok(FilterLang::Text),
            "cql2-json" => Ok(FilterLang::Json),
            other => Err(OgcError::bad_parameter(
                "filter-lang",
                format!(
                    "filter-lang {other:?} is not one of {}",
                    FilterLang::NAMES.join(", ")
                ),
            )),
        }
    }
}

/// Reads a filter for a collection.
///
/// # Errors
/// 400 naming `filter`: not CQL2 in that encoding (with where, as the parser says), an
/// unknown queryable (with its position), a function or an operator this server does not
/// offer, or values that cannot be compared.
pub fn parse(text: &str, lang: FilterLang, collection: &Collection) -> Result<Predicate, OgcError> {
    let expr = match lang {
        FilterLang::Text => parse_whole_text(text)?,
        FilterLang::Json => cql2::parse_json(text)
            .map_err(|e| filter_error(format!("filter is not valid CQL2 JSON: {e}")))?,
    };
    Reader { collection, text }.predicate(&expr)
}

/// Parses CQL2 text to its end. The parser stops at the first thing it cannot read and
/// answers what it read before (`level = 3 garbage` reads as `level = 3`), so the text is
/// read a second time in parentheses of its own, which only parse when the whole text is
/// one condition (a text whose parentheses do not balance is refused first, so that the
/// added one cannot close early).
fn parse_whole_text(text: &str) -> Result<Expr, OgcError> {
    let refuse = |message: &str| {
        filter_error(format!(
            "filter is not valid CQL2 text: {}",
            one_line(message)
        ))
    };
    let expr = cql2::parse_text(text).map_err(|e| refuse(&e.to_string()))?;
    let mut depth = 0i32;
    let mut quoted = false;
    for (i, c) in text.chars().enumerate() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Err(refuse(&format!(
                "the ')' at character {} closes no '('",
                i + 1
            )));
        }
    }
    if depth != 0 || quoted {
        return Err(refuse(if quoted {
            "a quoted text is not closed"
        } else {
            "a '(' is not closed"
        }));
    }
    match cql2::parse_text(&format!("({text})")) {
        Ok(_) => Ok(expr),
        Err(e) => {
            let message = e.to_string();
            let at = position(&message).map_or_else(String::new, |c| {
                format!(" at character {}", c.saturating_sub(1).max(1))
            });
            Err(refuse(&format!(
                "the text does not end where a condition ends{at}"
            )))
        }
    }
}

/// The column of a one-line parser message's position (`--> 1:7`).
fn position(message: &str) -> Option<usize> {
    let (_, rest) = message.split_once("--> ")?;
    let (line, rest) = rest.split_once(':')?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (line.trim() == "1").then(|| column.parse().ok()).flatten()
}

fn filter_error(message: String) -> OgcError {
    OgcError::bad_parameter("filter", message)
}

/// A parser's message on one line (pest draws the position over several).
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "|")
        .collect::<Vec<_>>()
        .join(" ")
}
#[cfg(test)]
mod tests {
    use super::*;

    fn zones() -> &'static Collection {
        Collection::find("zones").unwrap()
    }

    fn text(filter: &str) -> Result<Predicate, OgcError> {
        parse(filter, FilterLang::Text, zones())
    }

    #[test]
    fn basic_and_advanced_comparisons() {
        let p = text("level >= 3 AND name LIKE 'Khối%' AND reason IN ('F0', 'F1')").unwrap();
        let Predicate::And(parts) = p else {
            panic!("{p:?}")
        };
        assert_eq!(parts.len(), 3);
        assert!(
            matches!(&parts[0], Predicate::Compare { op: Comparison::Ge, right: Scalar::Number(n), .. } if *n == 3.0)
        );
        assert!(matches!(&parts[1], Predicate::Like { .. }));
        assert!(matches!(&parts[2], Predicate::In { list, .. } if list.len() == 2));
        assert!(matches!(
            text("level BETWEEN 2 AND 4").unwrap(),
            Predicate::Between { .. }
        ));
        assert!(matches!(
            text("planned_end IS NULL").unwrap(),
            Predicate::IsNull(_)
        ));
        assert!(matches!(
            text("CASEI(name) = CASEI('khối 1')").unwrap(),
            Predicate::Compare { .. }
        ));
    }

    #[test]
    fn dates_compare_with_date_literals_and_texts() {
        let p = text("started_at > TIMESTAMP('2021-09-01T00:00:00Z')").unwrap();
        assert!(matches!(
            p,
            Predicate::Compare {
                right: Scalar::Timestamp(_),
                ..
            }
        ));
        let p = text("started_at >= '2021-09-01'").unwrap();
        assert!(matches!(
            p,
            Predicate::Compare {
                right: Scalar::Date(_),
                ..
            }
        ));
        let p = text("T_AFTER(started_at, TIMESTAMP('2021-09-01T00:00:00Z'))").unwrap();
        assert!(matches!(p, Predicate::And(ref v) if v.len() == 1));
        let p = text("T_INTERSECTS(started_at, INTERVAL('2021-09-01', '..'))").unwrap();
        assert!(matches!(p, Predicate::And(ref v) if v.len() == 1), "{p:?}");
    }

    #[test]
    fn spatial_functions_take_points_boxes_and_polygons() {
        for f in [
            "S_INTERSECTS(geometry, POINT(105.68 18.67))",
            "S_INTERSECTS(geometry, BBOX(105.6, 18.6, 105.8, 18.8))",
            "S_WITHIN(geometry, POLYGON((105 18, 106 18, 106 19, 105 19, 105 18)))",
            "S_CONTAINS(geometry, POINT(105.68 18.67))",
        ] {
            assert!(
                matches!(
                    text(f),
                    Ok(Predicate::Spatial {
                        left: Shape::Feature,
                        ..
                    })
                ),
                "{f}"
            );
        }
        let json = r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[105.68,18.67]}]}"#;
        assert!(matches!(
            parse(json, FilterLang::Json, zones()),
            Ok(Predicate::Spatial {
                right: Shape::Wkt(_),
                ..
            })
        ));
    }

    #[test]
    fn bad_filters_say_what_and_where() {
        let message = |f: &str| text(f).unwrap_err().to_string();
        for malformed in [
            "level >= ",
            "level = 3 garbage",
            "level = 3)",
            "(level = 3",
            "name = 'x",
        ] {
            assert!(
                message(malformed).contains("not valid CQL2 text"),
                "{malformed}: {}",
                message(malformed)
            );
        }
        let unknown = message("level = 3 AND colour = 'red'");
        assert!(
            unknown.contains("\"colour\" at character 15") && unknown.contains("queryable"),
            "{unknown}"
        );
        assert!(message("name = 3").contains("cannot be compared"));
        assert!(message("started_at > 'soon'").contains("not a date"));
        assert!(message("S_INTERSECTS(name, POINT(1 2))").contains("geometry"));
        let e = parse("{\"op\":", FilterLang::Json, zones()).unwrap_err();
        assert!(e.to_string().contains("not valid CQL2 JSON"), "{e}");
        let e = parse(
            r#"{"op":"=","args":[{"property":"colour"},1]}"#,
            FilterLang::Json,
            zones(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        assert_eq!(e.parameter(), "filter");
    }
}
