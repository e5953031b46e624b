//! The typed filter the store writes as SQL: conditions, comparisons, spatial operators,
//! shapes and scalars.

use crate::collection::{Property, PropertyType};
use chrono::{DateTime, NaiveDate, Utc};

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

    pub(super) fn named(op: &str) -> Option<SpatialOp> {
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
pub(super) enum Kind {
    Text,
    Number,
    Bool,
    Time,
    List,
}

impl Scalar {
    pub(super) fn kind(&self) -> Kind {
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

    pub(super) fn describe(&self) -> String {
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
