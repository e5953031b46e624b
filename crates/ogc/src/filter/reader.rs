//! A parsed CQL2 expression read into a [`Predicate`], checked against the collection's
//! queryables: every name, operator and value the server offers, and where it is not.

use super::filter_error;
use super::predicate::*;
use crate::collection::{Collection, Property};
use crate::OgcError;
use chrono::{DateTime, NaiveDate, Utc};
use cql2::Expr;

pub(super) struct Reader<'a> {
    pub(super) collection: &'a Collection,
    pub(super) text: &'a str,
}

impl Reader<'_> {
    pub(super) fn predicate(&self, expr: &Expr) -> Result<Predicate, OgcError> {
        match expr {
            Expr::Bool(b) => Ok(Predicate::Literal(*b)),
            Expr::Operation { op, args } => self.operation(op, args),
            other => Err(filter_error(format!(
                "filter: {} is not a condition; compare it with something",
                describe_expr(other)
            ))),
        }
    }

    fn operation(&self, op: &str, args: &[Box<Expr>]) -> Result<Predicate, OgcError> {
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(filter_error(format!(
                    "filter: {op} takes {n} arguments, not {}",
                    args.len()
                )))
            }
        };
        match op {
            "and" | "or" => {
                let parts = args
                    .iter()
                    .map(|a| self.predicate(a))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if op == "and" { Predicate::And(parts) } else { Predicate::Or(parts) })
            }
            "not" => {
                arity(1)?;
                Ok(Predicate::Not(Box::new(self.predicate(&args[0])?)))
            }
            "=" | "<>" | "<" | "<=" | ">" | ">=" => {
                arity(2)?;
                let op = match op {
                    "=" => Comparison::Eq,
                    "<>" => Comparison::Ne,
                    "<" => Comparison::Lt,
                    "<=" => Comparison::Le,
                    ">" => Comparison::Gt,
                    _ => Comparison::Ge,
                };
                let (left, right) = self.comparable(&args[0], &args[1])?;
                Ok(Predicate::Compare { op, left, right })
            }
            "like" => {
                arity(2)?;
                let (value, pattern) = self.comparable(&args[0], &args[1])?;
                if value.kind() != Kind::Text {
                    return Err(filter_error(format!("filter: LIKE compares texts, and {} is not one", value.describe())));
                }
                Ok(Predicate::Like { value, pattern })
            }
            "between" => {
                arity(3)?;
                let (value, low) = self.comparable(&args[0], &args[1])?;
                let (_, high) = self.comparable(&args[0], &args[2])?;
                Ok(Predicate::Between { value, low, high })
            }
            "in" => {
                arity(2)?;
                let Expr::Array(items) = args[1].as_ref() else {
                    return Err(filter_error("filter: IN takes a list in parentheses".into()));
                };
                let value = self.scalar(&args[0])?;
                let list = items
                    .iter()
                    .map(|item| self.comparable(&args[0], item).map(|(_, v)| v))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Predicate::In { value, list })
            }
            "isNull" => {
                arity(1)?;
                Ok(Predicate::IsNull(self.scalar(&args[0])?))
            }
            spatial if spatial.starts_with("s_") => {
                let op = SpatialOp::named(spatial).ok_or_else(|| {
                    filter_error(format!("filter: no spatial function {spatial:?}"))
                })?;
                arity(2)?;
                Ok(Predicate::Spatial { op, left: self.shape(&args[0])?, right: self.shape(&args[1])? })
            }
            temporal if temporal.starts_with("t_") => {
                arity(2)?;
                self.temporal(temporal, &args[0], &args[1])
            }
            array if array.starts_with("a_") => Err(filter_error(format!(
                "filter: array functions ({}) are not offered; unit_codes can be tested with LIKE on one code",
                array.to_uppercase()
            ))),
            other => Err(filter_error(format!(
                "filter: {other:?} is not a condition this server offers (comparisons, LIKE, BETWEEN, IN, IS NULL, S_* spatial and T_BEFORE, T_AFTER, T_EQUALS, T_INTERSECTS, T_DISJOINT, T_DURING on instants)"
            ))),
        }
    }

    /// T_* on an instant property and an instant or interval, as comparisons.
    fn temporal(&self, op: &str, left: &Expr, right: &Expr) -> Result<Predicate, OgcError> {
        let value = self.scalar(left)?;
        if value.kind() != Kind::Time || !matches!(value, Scalar::Property(_)) {
            return Err(filter_error(format!(
                "filter: {} takes a date or date-time property first, not {}",
                op.to_uppercase(),
                value.describe()
            )));
        }
        let (start, end) = match right {
            Expr::Interval { interval } if interval.len() == 2 => (
                self.instant_or_open(&interval[0])?,
                self.instant_or_open(&interval[1])?,
            ),
            other => {
                let t = self.instant(other)?;
                (Some(t.clone()), Some(t))
            }
        };
        let cmp = |op, bound: Option<Scalar>| {
            bound.map(|right| Predicate::Compare {
                op,
                left: value.clone(),
                right,
            })
        };
        let all = |parts: Vec<Option<Predicate>>| {
            let parts: Vec<Predicate> = parts.into_iter().flatten().collect();
            if parts.is_empty() {
                Predicate::Literal(true)
            } else {
                Predicate::And(parts)
            }
        };
        let intersects = all(vec![
            cmp(Comparison::Ge, start.clone()),
            cmp(Comparison::Le, end.clone()),
        ]);
        Ok(match op {
            "t_before" => all(vec![cmp(Comparison::Lt, start)]),
            "t_after" => all(vec![cmp(Comparison::Gt, end)]),
            "t_equals" if start == end => all(vec![cmp(Comparison::Eq, start)]),
            "t_intersects" => intersects,
            "t_disjoint" => Predicate::Not(Box::new(intersects)),
            "t_during" => all(vec![cmp(Comparison::Gt, start), cmp(Comparison::Lt, end)]),
            other => {
                return Err(filter_error(format!(
                    "filter: {} is not offered on instants; use T_BEFORE, T_AFTER, T_EQUALS, T_INTERSECTS, T_DISJOINT or T_DURING",
                    other.to_uppercase()
                )))
            }
        })
    }

    fn instant_or_open(&self, expr: &Expr) -> Result<Option<Scalar>, OgcError> {
        match expr {
            Expr::Literal(t) if t == ".." => Ok(None),
            other => self.instant(other).map(Some),
        }
    }

    fn instant(&self, expr: &Expr) -> Result<Scalar, OgcError> {
        let value = self.scalar(expr)?;
        match value {
            Scalar::Date(_) | Scalar::Timestamp(_) => Ok(value),
            Scalar::Text(t) => time_literal(&t),
            other => Err(filter_error(format!(
                "filter: expected a DATE(…) or TIMESTAMP(…), not {}",
                other.describe()
            ))),
        }
    }

    /// Two values that may be compared: a text compared with a date property is read as a
    /// date or an instant.
    fn comparable(&self, left: &Expr, right: &Expr) -> Result<(Scalar, Scalar), OgcError> {
        let left = self.scalar(left)?;
        let mut right = self.scalar(right)?;
        if left.kind() == Kind::Time {
            if let Scalar::Text(t) = &right {
                right = time_literal(t)?;
            }
        }
        let (a, b) = (left.kind(), right.kind());
        if a != b || a == Kind::List {
            return Err(filter_error(format!(
                "filter: {} cannot be compared with {}",
                left.describe(),
                right.describe()
            )));
        }
        Ok((left, right))
    }

    fn scalar(&self, expr: &Expr) -> Result<Scalar, OgcError> {
        Ok(match expr {
            Expr::Property { property } => Scalar::Property(self.queryable(property)?),
            Expr::Float(n) => Scalar::Number(*n),
            Expr::Literal(t) => Scalar::Text(t.clone()),
            Expr::Bool(b) => Scalar::Bool(*b),
            Expr::Date { date } => match date.as_ref() {
                Expr::Literal(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .map(Scalar::Date)
                    .map_err(|_| {
                        filter_error(format!("filter: DATE('{t}') is not a date (YYYY-MM-DD)"))
                    })?,
                other => self.scalar(other)?,
            },
            Expr::Timestamp { timestamp } => match timestamp.as_ref() {
                Expr::Literal(t) => time_literal(t)?,
                other => self.scalar(other)?,
            },
            Expr::Operation { op, args } if op == "casei" && args.len() == 1 => {
                let inner = self.scalar(&args[0])?;
                if inner.kind() != Kind::Text {
                    return Err(filter_error(format!(
                        "filter: CASEI takes a text, not {}",
                        inner.describe()
                    )));
                }
                Scalar::CaseInsensitive(Box::new(inner))
            }
            Expr::Operation { op, args }
                if matches!(op.as_str(), "+" | "-" | "*" | "/") && args.len() == 2 =>
            {
                let left = self.scalar(&args[0])?;
                let right = self.scalar(&args[1])?;
                for side in [&left, &right] {
                    if side.kind() != Kind::Number {
                        return Err(filter_error(format!(
                            "filter: arithmetic takes numbers, not {}",
                            side.describe()
                        )));
                    }
                }
                Scalar::Arithmetic {
                    op: op.chars().next().unwrap_or('+'),
                    left: Box::new(left),
                    right: Box::new(right),
                }
            }
            Expr::Operation { op, .. } if op == "accenti" => {
                return Err(filter_error(
                    "filter: ACCENTI is not offered; names can be matched with LIKE and CASEI"
                        .into(),
                ))
            }
            other => {
                return Err(filter_error(format!(
                    "filter: {} is not a value that can be compared",
                    describe_expr(other)
                )))
            }
        })
    }

    fn shape(&self, expr: &Expr) -> Result<Shape, OgcError> {
        match expr {
            Expr::Property { property } if property == "geometry" || property == "geom" => {
                Ok(Shape::Feature)
            }
            Expr::Property { property } => Err(self.unknown(property, "a spatial function takes geometry or a geometry literal")),
            Expr::Geometry(g) => g
                .to_wkt()
                .map(Shape::Wkt)
                .map_err(|e| filter_error(format!("filter: unreadable geometry: {e}"))),
            Expr::BBox { bbox } | Expr::Operation { op: _, args: bbox } if is_bbox(expr) => {
                let numbers: Vec<f64> = bbox
                    .iter()
                    .map(|b| match b.as_ref() {
                        Expr::Float(n) => Ok(*n),
                        _ => Err(filter_error("filter: BBOX takes numbers".into())),
                    })
                    .collect::<Result<_, _>>()?;
                let corners = match numbers.as_slice() {
                    [a, b, c, d] => [*a, *b, *c, *d],
                    [a, b, _, d, e, _] => [*a, *b, *d, *e],
                    _ => return Err(filter_error("filter: BBOX takes 4 numbers (or 6 with heights)".into())),
                };
                if corners[0] > corners[2] || corners[1] > corners[3] {
                    return Err(filter_error("filter: BBOX's lower corner must come first".into()));
                }
                Ok(Shape::Envelope(corners))
            }
            other => Err(filter_error(format!(
                "filter: {} is not a geometry; use the geometry property, a WKT geometry or BBOX(…)",
                describe_expr(other)
            ))),
        }
    }

    fn queryable(&self, name: &str) -> Result<&'static Property, OgcError> {
        self.collection
            .property(name)
            .ok_or_else(|| self.unknown(name, "see its queryables"))
    }

    fn unknown(&self, name: &str, hint: &str) -> OgcError {
        let at = self
            .text
            .find(name)
            .map(|i| format!(" at character {}", self.text[..i].chars().count() + 1))
            .unwrap_or_default();
        filter_error(format!(
            "filter: {name:?}{at} is not a queryable of {}; {hint}: {}",
            self.collection.id,
            self.collection.property_names()
        ))
    }
}

/// `BBOX(…)`: the JSON encoding's `{"bbox": […]}`, or the text's function.
fn is_bbox(expr: &Expr) -> bool {
    match expr {
        Expr::BBox { .. } => true,
        Expr::Operation { op, .. } => op == "bbox",
        _ => false,
    }
}

fn time_literal(text: &str) -> Result<Scalar, OgcError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Scalar::Timestamp(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Scalar::Date)
        .map_err(|_| {
            filter_error(format!(
                "filter: {text:?} is not a date (YYYY-MM-DD) or an RFC 3339 instant"
            ))
        })
}

fn describe_expr(expr: &Expr) -> String {
    expr.to_text().unwrap_or_else(|_| format!("{expr:?}"))
}
