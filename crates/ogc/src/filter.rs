//! CQL2 filters (OGC API – Features Part 3), in text or JSON: parsed by the `cql2` crate, then
//! checked against a collection's queryables into a typed [`Predicate`], which the store writes
//! as SQL with bound values. Nothing of a filter reaches SQL as text but the names of
//! queryables, which come from the collection, not from the request.

use crate::collection::{Collection, Property, PropertyType};
use crate::OgcError;
use chrono::{DateTime, NaiveDate, Utc};
use cql2::Expr;

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

/// A condition on features.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// Every one holds.
    And(Vec<Predicate>),
    /// One at least holds.
    Or(Vec<Predicate>),
    /// It does not hold.
    Not(Box<Predicate>),
    /// Always or never.
    Literal(bool),
    /// Two values compared.
    Compare {
        /// How.
        op: Comparison,
        /// The left value.
        left: Scalar,
        /// The right value.
        right: Scalar,
    },
    /// A text matches a pattern (`%` any run, `_` one character).
    Like {
        /// The text.
        value: Scalar,
        /// The pattern.
        pattern: Scalar,
    },
    /// A value lies between two others, both included.
    Between {
        /// The value.
        value: Scalar,
        /// The lower bound.
        low: Scalar,
        /// The upper bound.
        high: Scalar,
    },
    /// A value is one of a list.
    In {
        /// The value.
        value: Scalar,
        /// The list.
        list: Vec<Scalar>,
    },
    /// A property has no value.
    IsNull(Scalar),
    /// Two shapes in a spatial relation.
    Spatial {
        /// The relation.
        op: SpatialOp,
        /// The first shape.
        left: Shape,
        /// The second shape.
        right: Shape,
    },
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `=`.
    Eq,
    /// `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl Comparison {
    /// Its SQL operator.
    #[must_use]
    pub fn sql(self) -> &'static str {
        match self {
            Comparison::Eq => "=",
            Comparison::Ne => "<>",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
        }
    }
}

/// The spatial relations of CQL2 (the DE-9IM ones PostGIS names alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpatialOp {
    /// `S_INTERSECTS`.
    Intersects,
    /// `S_DISJOINT`.
    Disjoint,
    /// `S_WITHIN`.
    Within,
    /// `S_CONTAINS`.
    Contains,
    /// `S_EQUALS`.
    Equals,
    /// `S_TOUCHES`.
    Touches,
    /// `S_OVERLAPS`.
    Overlaps,
    /// `S_CROSSES`.
    Crosses,
}

impl SpatialOp {
    /// The PostGIS function that decides it.
    #[must_use]
    pub fn postgis(self) -> &'static str {
        match self {
            SpatialOp::Intersects => "ST_Intersects",
            SpatialOp::Disjoint => "ST_Disjoint",
            SpatialOp::Within => "ST_Within",
            SpatialOp::Contains => "ST_Contains",
            SpatialOp::Equals => "ST_Equals",
            SpatialOp::Touches => "ST_Touches",
            SpatialOp::Overlaps => "ST_Overlaps",
            SpatialOp::Crosses => "ST_Crosses",
        }
    }

    fn named(op: &str) -> Option<SpatialOp> {
        Some(match op {
            "s_intersects" => SpatialOp::Intersects,
            "s_disjoint" => SpatialOp::Disjoint,
            "s_within" => SpatialOp::Within,
            "s_contains" => SpatialOp::Contains,
            "s_equals" => SpatialOp::Equals,
            "s_touches" => SpatialOp::Touches,
            "s_overlaps" => SpatialOp::Overlaps,
            "s_crosses" => SpatialOp::Crosses,
            _ => return None,
        })
    }
}

/// A shape in a spatial relation; literal shapes are in the filter's CRS (`filter-crs`).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// The feature's own geometry.
    Feature,
    /// A geometry, as WKT.
    Wkt(String),
    /// A box: min x, min y, max x, max y.
    Envelope([f64; 4]),
}

/// A value in a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// A property of the feature.
    Property(&'static Property),
    /// A text.
    Text(String),
    /// A number.
    Number(f64),
    /// A truth value.
    Bool(bool),
    /// A date.
    Date(NaiveDate),
    /// An instant.
    Timestamp(DateTime<Utc>),
    /// A text compared without regard to case (`CASEI`).
    CaseInsensitive(Box<Scalar>),
    /// Arithmetic on numbers.
    Arithmetic {
        /// `+`, `-`, `*` or `/`.
        op: char,
        /// The left operand.
        left: Box<Scalar>,
        /// The right operand.
        right: Box<Scalar>,
    },
}

/// What a value is, for the checks that compare like with like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Bool,
    Time,
    List,
}

impl Scalar {
    fn kind(&self) -> Kind {
        match self {
            Scalar::Property(p) => match p.kind {
                PropertyType::Text => Kind::Text,
                PropertyType::Integer | PropertyType::Number => Kind::Number,
                PropertyType::Date | PropertyType::DateTime => Kind::Time,
                PropertyType::TextList => Kind::List,
            },
            Scalar::Text(_) | Scalar::CaseInsensitive(_) => Kind::Text,
            Scalar::Number(_) | Scalar::Arithmetic { .. } => Kind::Number,
            Scalar::Bool(_) => Kind::Bool,
            Scalar::Date(_) | Scalar::Timestamp(_) => Kind::Time,
        }
    }

    fn describe(&self) -> String {
        match self {
            Scalar::Property(p) => format!("property {:?}", p.name),
            Scalar::Text(t) => format!("text {t:?}"),
            Scalar::Number(n) => format!("number {n}"),
            Scalar::Bool(b) => format!("{b}"),
            Scalar::Date(d) => format!("DATE('{d}')"),
            Scalar::Timestamp(t) => format!("TIMESTAMP('{}')", t.to_rfc3339()),
            Scalar::CaseInsensitive(s) => format!("CASEI({})", s.describe()),
            Scalar::Arithmetic { .. } => "arithmetic".to_owned(),
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

struct Reader<'a> {
    collection: &'a Collection,
    text: &'a str,
}

impl Reader<'_> {
    fn predicate(&self, expr: &Expr) -> Result<Predicate, OgcError> {
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
