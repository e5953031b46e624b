//! Write requests read from JSON. Every field is checked and every problem named, so an
//! agency fixes its request in one go (HTTP 422 with the list). Text is kept exactly as sent:
//! it is stored through bound parameters and answered as JSON strings, never run or
//! interpreted.

use chrono::{DateTime, Duration, Utc};
use covidmap_core::layers::FacilityKind;
use covidmap_core::{Entity, Level};
use covidmap_lookup::Snapshot;
use geo::{Area, CoordsIter, MultiPolygon, Point, Validation};
use serde::Serialize;
use serde_json::{Map, Value};
use std::ops::RangeInclusive;

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Where, as a path into the body (`properties.level`, `properties.unit_codes[2]`).
    pub field: String,
    /// What is wrong and what to send instead.
    pub message: String,
}

/// Longest name, in characters.
pub const MAX_NAME: usize = 200;
/// Longest reason or note, in characters.
pub const MAX_TEXT: usize = 1000;
/// Most vertices in one drawn area.
pub const MAX_VERTICES: usize = 20_000;
/// How far ahead a declaration may start.
const MAX_START_AHEAD_DAYS: i64 = 30;

/// Reads the fields of one JSON object, collecting problems instead of stopping at the first.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
    known: Vec<&'static str>,
    errors: Vec<FieldError>,
}

/// Reads a request with `read`, which records every problem it finds: the request when
/// there were none, else all of them (not only the first).
fn read_all<T>(read: impl FnOnce(&mut Vec<FieldError>) -> Option<T>) -> Result<T, Vec<FieldError>> {
    let mut errors = Vec::new();
    match read(&mut errors) {
        Some(request) if errors.is_empty() => Ok(request),
        _ => Err(errors),
    }
}

impl<'a> Fields<'a> {
    fn new(value: Option<&'a Value>, prefix: &str, errors: &mut Vec<FieldError>) -> Option<Self> {
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

    fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn error(&mut self, name: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: self.path(name),
            message: message.into(),
        });
    }

    /// The value, `None` when absent or null.
    fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.known.push(name);
        self.object.get(name).filter(|v| !v.is_null())
    }

    fn required(&mut self, name: &'static str) -> Option<&'a Value> {
        let v = self.get(name);
        if v.is_none() {
            self.error(name, "is required");
        }
        v
    }

    fn text_value(&mut self, name: &'static str, v: &Value, max: usize) -> Option<String> {
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

    fn text(&mut self, name: &'static str, max: usize) -> Option<String> {
        let v = self.required(name)?;
        self.text_value(name, v, max)
    }

    fn integer_value(
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

    fn integer(&mut self, name: &'static str, range: RangeInclusive<i64>) -> Option<i64> {
        let v = self.required(name)?;
        self.integer_value(name, v, range)
    }

    fn number(&mut self, name: &'static str, above: f64, at_most: f64) -> Option<f64> {
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

    fn time_value(&mut self, name: &'static str, v: &Value) -> Option<DateTime<Utc>> {
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

    fn time(&mut self, name: &'static str) -> Option<DateTime<Utc>> {
        let v = self.required(name)?;
        self.time_value(name, v)
    }

    fn optional_time(&mut self, name: &'static str) -> Option<Option<DateTime<Utc>>> {
        match self.get(name) {
            None => Some(None),
            Some(v) => self.time_value(name, v).map(Some),
        }
    }

    fn one_of(&mut self, name: &'static str, allowed: &[&str]) -> Option<String> {
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
    fn entity(&mut self, name: &'static str) -> Option<Entity> {
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

    fn optional_one_of(&mut self, name: &'static str, allowed: &[&str]) -> Option<Option<String>> {
        if self.get(name).is_none() {
            return Some(None);
        }
        self.one_of(name, allowed).map(Some)
    }

    /// Problems so far, and any field nobody asked for (a typo, most likely).
    fn finish(mut self, errors: &mut Vec<FieldError>) {
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
fn check_id(id: &str) -> bool {
    (1..=63).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The optional `id` property.
fn id_field(fields: &mut Fields<'_>) -> Option<Option<String>> {
    match fields.get("id") {
        None => Some(None),
        Some(Value::String(id)) if check_id(id) => Some(Some(id.clone())),
        Some(_) => {
            fields.error("id", "must be 1–63 lower-case letters, digits and dashes (or left out: the server makes one)");
            None
        }
    }
}

/// Where a declaration applies: an area drawn, or whole units by code.
#[derive(Debug, Clone, PartialEq)]
pub enum ZoneArea {
    /// Drawn on the map (EPSG:4326).
    Drawn(MultiPolygon<f64>),
    /// Whole communes or hamlets.
    Units(Vec<String>),
}

/// A lockdown zone to declare or change.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneRequest {
    /// The id asked for, if any.
    pub id: Option<String>,
    /// What is declared.
    pub declared: DeclarationRequest,
    /// Where.
    pub area: ZoneArea,
}

/// The parts of a GeoJSON Feature: its geometry (may be null) and its properties.
fn feature<'a>(
    body: &'a Value,
    errors: &mut Vec<FieldError>,
) -> Option<(Option<&'a Value>, Fields<'a>)> {
    let Some(object) = body.as_object() else {
        errors.push(FieldError {
            field: "body".into(),
            message: "must be a GeoJSON Feature: {\"type\": \"Feature\", \"geometry\": …, \"properties\": {…}}".into(),
        });
        return None;
    };
    if object.get("type").and_then(Value::as_str) != Some("Feature") {
        errors.push(FieldError {
            field: "type".into(),
            message: "must be \"Feature\"".into(),
        });
    }
    for key in object
        .keys()
        .filter(|k| !["type", "geometry", "properties", "id", "bbox"].contains(&k.as_str()))
    {
        errors.push(FieldError {
            field: key.clone(),
            message: "is not a member of a Feature; attributes go in `properties`".into(),
        });
    }
    let geometry = object.get("geometry").filter(|g| !g.is_null());
    let properties = Fields::new(object.get("properties"), "properties.", errors)?;
    Some((geometry, properties))
}

/// A GeoJSON Polygon or MultiPolygon, valid and not too large.
fn area_geometry(value: &Value, errors: &mut Vec<FieldError>) -> Option<MultiPolygon<f64>> {
    let mut fail = |message: String| {
        errors.push(FieldError {
            field: "geometry".into(),
            message,
        });
        None
    };
    let geometry = match geojson::Geometry::from_json_value(value.clone()) {
        Ok(g) => g,
        Err(e) => return fail(format!("is not GeoJSON: {e}")),
    };
    let area = match geo::Geometry::<f64>::try_from(geometry) {
        Ok(geo::Geometry::Polygon(p)) => MultiPolygon(vec![p]),
        Ok(geo::Geometry::MultiPolygon(m)) => m,
        Ok(_) => return fail("must be a Polygon or MultiPolygon".into()),
        Err(e) => return fail(format!("is not GeoJSON: {e}")),
    };
    let vertices = area.coords_count();
    if vertices > MAX_VERTICES {
        return fail(format!("has {vertices} vertices; at most {MAX_VERTICES}"));
    }
    if area
        .coords_iter()
        .any(|c| !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y))
    {
        return fail("has coordinates outside longitude −180…180 / latitude −90…90: send WGS 84 longitude, latitude".into());
    }
    if let Err(e) = area.check_validation() {
        return fail(format!("is not a valid polygon: {e}"));
    }
    if area.unsigned_area() <= 0.0 {
        return fail("has no area".into());
    }
    Some(area)
}

/// A GeoJSON Point.
fn point_geometry(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Option<Point<f64>> {
    let mut fail = |message: &str| {
        errors.push(FieldError {
            field: "geometry".into(),
            message: message.into(),
        });
        None
    };
    let Some(value) = value else {
        return fail("is required: a GeoJSON Point [longitude, latitude]");
    };
    match geojson::Geometry::from_json_value(value.clone()).map(geo::Geometry::<f64>::try_from) {
        Ok(Ok(geo::Geometry::Point(p)))
            if (-180.0..=180.0).contains(&p.x()) && (-90.0..=90.0).contains(&p.y()) =>
        {
            Some(p)
        }
        Ok(Ok(geo::Geometry::Point(_))) => fail("is outside longitude −180…180 / latitude −90…90"),
        _ => fail("must be a GeoJSON Point [longitude, latitude]"),
    }
}

/// What a zone or a lockdown point declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclarationRequest {
    /// Name as announced.
    pub name: String,
    /// 1–4.
    pub level: u8,
    /// Why.
    pub reason: String,
    /// In force since.
    pub started_at: DateTime<Utc>,
    /// Planned end.
    pub planned_end: Option<DateTime<Utc>>,
}

fn declaration(p: &mut Fields<'_>, now: DateTime<Utc>) -> Option<DeclarationRequest> {
    let name = p.text("name", MAX_NAME);
    let level = p.integer("level", 1..=4);
    let reason = p.text("reason", MAX_TEXT);
    let started_at = p.time("started_at");
    let planned_end = p.optional_time("planned_end");
    if let Some(start) = started_at {
        if start > now + Duration::days(MAX_START_AHEAD_DAYS) {
            p.error(
                "started_at",
                format!("is more than {MAX_START_AHEAD_DAYS} days ahead"),
            );
        }
        if let Some(Some(end)) = planned_end {
            if end <= start {
                p.error("planned_end", "must be after started_at");
            }
        }
    }
    Some(DeclarationRequest {
        name: name?,
        level: u8::try_from(level?).ok()?,
        reason: reason?,
        started_at: started_at?,
        planned_end: planned_end?,
    })
}

/// Reads a zone: a Feature with a drawn Polygon or MultiPolygon, or with a null geometry
/// and `unit_codes` naming current communes or hamlets.
///
/// # Errors
/// Every problem found.
pub fn zone_request(
    body: &Value,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<ZoneRequest, Vec<FieldError>> {
    read_all(|errors| {
        feature(body, errors).and_then(|(geometry, mut p)| {
            let id = id_field(&mut p);
            let decl = declaration(&mut p, now);
            let codes = p.get("unit_codes");
            let area = match (geometry, codes) {
                (Some(_), Some(_)) => {
                    p.error(
                        "unit_codes",
                        "give either a geometry or unit_codes, not both",
                    );
                    None
                }
                (None, None) => {
                    p.error(
                        "unit_codes",
                        "give a Polygon geometry, or unit_codes naming whole communes or hamlets",
                    );
                    None
                }
                (Some(g), None) => area_geometry(g, &mut p.errors).map(ZoneArea::Drawn),
                (None, Some(codes)) => unit_codes(&mut p, codes, snapshot).map(ZoneArea::Units),
            };
            p.finish(errors);
            Some(ZoneRequest {
                id: id?,
                declared: decl?,
                area: area?,
            })
        })
    })
}

/// Current commune or hamlet codes, each checked.
fn unit_codes(p: &mut Fields<'_>, codes: &Value, snapshot: &Snapshot) -> Option<Vec<String>> {
    let Some(list) = codes.as_array().filter(|l| !l.is_empty() && l.len() <= 500) else {
        p.error(
            "unit_codes",
            "must be a list of 1–500 commune or hamlet codes",
        );
        return None;
    };
    let mut ok = true;
    let mut out = Vec::with_capacity(list.len());
    for (i, code) in list.iter().enumerate() {
        let field = format!("unit_codes[{i}]");
        match code.as_str().map(|c| (c, snapshot.unit(c))) {
            Some((c, Some(u))) if matches!(u.level, Level::Commune | Level::Hamlet) => {
                out.push(c.to_owned())
            }
            Some((c, Some(u))) => {
                ok = false;
                p.errors.push(FieldError {
                    field: p.path(&field),
                    message: format!(
                        "{c} is a {} ({}); lockdowns are declared on communes or hamlets, or drawn",
                        u.level, u.name
                    ),
                });
            }
            Some((c, None)) => {
                ok = false;
                p.errors.push(FieldError {
                    field: p.path(&field),
                    message: format!(
                        "no current unit has the code {c:?}; /api/v1/search?q= finds codes"
                    ),
                });
            }
            None => {
                ok = false;
                p.errors.push(FieldError {
                    field: p.path(&field),
                    message: "must be a unit code as text".into(),
                });
            }
        }
    }
    out.sort();
    out.dedup();
    ok.then_some(out)
}

/// A lockdown point to declare or change.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRequest {
    /// The id asked for, if any.
    pub id: Option<String>,
    /// What is declared.
    pub declared: DeclarationRequest,
    /// Where.
    pub location: Point<f64>,
    /// Radius in metres, up to 5 km.
    pub radius_m: f64,
}

/// Reads a lockdown point: a Feature with a Point geometry.
///
/// # Errors
/// Every problem found.
pub fn point_request(body: &Value, now: DateTime<Utc>) -> Result<PointRequest, Vec<FieldError>> {
    read_all(|errors| {
        feature(body, errors).and_then(|(geometry, mut p)| {
            let location = point_geometry(geometry, &mut p.errors);
            let id = id_field(&mut p);
            let decl = declaration(&mut p, now);
            let radius_m = p.number("radius_m", 0.0, 5000.0);
            p.finish(errors);
            Some(PointRequest {
                id: id?,
                declared: decl?,
                location: location?,
                radius_m: radius_m?,
            })
        })
    })
}

/// A checkpoint, camp, testing site or service to add or change.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityRequest {
    /// The id asked for, if any.
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Where.
    pub location: Point<f64>,
    /// active/closed (checkpoints), open/closed (the rest).
    pub status: String,
    /// Who runs it (checkpoints, camps), when given.
    pub managed_by: Option<String>,
    /// Kind of service.
    pub category: Option<String>,
    /// Places (camps).
    pub capacity: Option<i32>,
    /// People in it (camps).
    pub occupancy: Option<i32>,
}

/// Service categories.
pub const CATEGORIES: [&str; 7] = [
    "market",
    "supermarket",
    "grocery",
    "pharmacy",
    "petrol",
    "bank",
    "clinic",
];

/// Reads a facility of `kind`: a Feature with a Point geometry.
///
/// # Errors
/// Every problem found.
pub fn facility_request(
    kind: FacilityKind,
    body: &Value,
) -> Result<FacilityRequest, Vec<FieldError>> {
    read_all(|errors| {
        feature(body, errors).and_then(|(geometry, mut p)| {
            let location = point_geometry(geometry, &mut p.errors);
            let id = id_field(&mut p);
            let name = p.text("name", MAX_NAME);
            let statuses: &[&str] = if kind == FacilityKind::Checkpoint {
                &["active", "closed"]
            } else {
                &["open", "closed"]
            };
            let status = p.one_of("status", statuses);
            let managed_by = match kind {
                FacilityKind::Checkpoint => {
                    p.optional_one_of("managed_by", &["police", "military", "district"])
                }
                FacilityKind::QuarantineCamp => {
                    p.optional_one_of("managed_by", &["military", "health"])
                }
                _ => Some(None),
            };
            let category = if kind == FacilityKind::EssentialService {
                p.one_of("category", &CATEGORIES).map(Some)
            } else {
                Some(None)
            };
            let (capacity, occupancy) = if kind == FacilityKind::QuarantineCamp {
                let capacity = p.integer("capacity", 0..=i64::from(i32::MAX));
                let occupancy = p.integer("occupancy", 0..=i64::from(i32::MAX));
                if let (Some(c), Some(o)) = (capacity, occupancy) {
                    if o > c {
                        p.error("occupancy", format!("is {o}, over the capacity of {c}"));
                    }
                }
                (
                    capacity.map(|c| i32::try_from(c).ok()),
                    occupancy.map(|o| i32::try_from(o).ok()),
                )
            } else {
                (Some(None), Some(None))
            };
            p.finish(errors);
            Some(FacilityRequest {
                id: id?,
                name: name?,
                location: location?,
                status: status?,
                managed_by: managed_by?,
                category: category?,
                capacity: capacity?,
                occupancy: occupancy?,
            })
        })
    })
}

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
            "{day} is in the future (today is {today} in Nghệ An)"
        )));
    }
    if day.to_string().as_str() < FIRST_DAY {
        return Err(fail(format!("{day} is before {FIRST_DAY}")));
    }
    Ok(day)
}

/// A document's particulars as sent: everything but its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRequest {
    /// The id asked for, if any.
    pub id: Option<String>,
    /// Directive or support policy.
    pub kind: covidmap_core::documents::DocumentKind,
    /// Its number.
    pub number: String,
    /// Its title.
    pub title: String,
    /// When it was signed.
    pub issued_on: chrono::NaiveDate,
    /// Who issued it.
    pub issuer: String,
    /// Summary.
    pub summary: String,
    /// Where it is published.
    pub link: Option<String>,
}

/// Reads a document's particulars; `today` bounds the date it was signed.
///
/// # Errors
/// Every problem found.
pub fn document_request(
    body: &Value,
    today: chrono::NaiveDate,
) -> Result<DocumentRequest, Vec<FieldError>> {
    read_all(|errors| {
        Fields::new(Some(body), "", errors).and_then(|mut p| {
            let id = id_field(&mut p);
            let kind = p
                .one_of("kind", &["directive", "support_policy"])
                .and_then(|k| k.parse().ok());
            let number = p.text("number", 100);
            let title = p.text("title", 500);
            let issued_on = p.required("issued_on").and_then(|v| {
                match v
                    .as_str()
                    .map(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d"))
                {
                    Some(Ok(d)) if d <= today => Some(d),
                    Some(Ok(d)) => {
                        p.error("issued_on", format!("{d} is in the future"));
                        None
                    }
                    _ => {
                        p.error("issued_on", "must be a date like 2021-09-13");
                        None
                    }
                }
            });
            let issuer = p.text("issuer", MAX_NAME);
            let summary = match p.get("summary") {
                None => Some(String::new()),
                Some(v) => p.text_value("summary", v, 5000),
            };
            let link = match p.get("link") {
                None => Some(None),
                Some(v) => match v.as_str() {
                    Some(l)
                        if (l.starts_with("https://") || l.starts_with("http://"))
                            && l.len() <= 500
                            && !l.chars().any(|c| c.is_whitespace() || c.is_control()) =>
                    {
                        Some(Some(l.to_owned()))
                    }
                    _ => {
                        p.error(
                            "link",
                            "must be an http:// or https:// address of at most 500 characters",
                        );
                        None
                    }
                },
            };
            p.finish(errors);
            Some(DocumentRequest {
                id: id?,
                kind: kind?,
                number: number?,
                title: title?,
                issued_on: issued_on?,
                issuer: issuer?,
                summary: summary?,
                link: link?,
            })
        })
    })
}

/// A revert: which entity, back to which version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertRequest {
    /// What is reverted.
    pub entity: Entity,
    /// The entity's id.
    pub id: String,
    /// The version to make current again.
    pub version_id: i64,
}

/// Reads `{"entity", "id", "version_id"}`.
///
/// # Errors
/// Every problem found.
pub fn revert_request(body: &Value) -> Result<RevertRequest, Vec<FieldError>> {
    read_all(|errors| {
        Fields::new(Some(body), "", errors).and_then(|mut p| {
            let entity = p.entity("entity");
            let id = p.text("id", 64);
            let version = p.integer("version_id", 1..=i64::MAX);
            p.finish(errors);
            Some(RevertRequest {
                entity: entity?,
                id: id?,
                version_id: version?,
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2021-09-13T08:00:00+07:00")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_drawn_zone_reads_with_its_declaration() {
        let body = json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[105.6, 18.6], [105.61, 18.6], [105.61, 18.61], [105.6, 18.6]]]},
            "properties": {"name": "Phong toả <b>khối 3</b>'; DROP TABLE x;--", "level": 4, "reason": "ca mắc",
                           "started_at": "2021-09-13T08:00:00+07:00", "planned_end": "2021-09-27T08:00:00+07:00"}
        });
        let z = zone_request(&body, &Snapshot::new(vec![]), now()).unwrap();
        assert_eq!(
            z.declared.name, "Phong toả <b>khối 3</b>'; DROP TABLE x;--",
            "text is kept as sent"
        );
        assert_eq!((z.declared.level, z.id), (4, None));
        assert!(matches!(z.area, ZoneArea::Drawn(_)));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let body = json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[105.6, 18.6], [105.61, 18.61], [105.61, 18.6], [105.6, 18.61], [105.6, 18.6]]]},
            "properties": {"name": "", "level": 5, "started_at": "yesterday",
                           "planned_end": "2021-09-01T00:00:00Z", "levle": 3, "id": "Bad Id"}
        });
        let errors = zone_request(&body, &Snapshot::new(vec![]), now()).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "properties.id",
                "properties.name",
                "properties.level",
                "properties.reason",
                "properties.started_at",
                "geometry",
                "properties.levle"
            ],
            "{errors:#?}"
        );
        assert!(
            errors[5].message.starts_with("is not a valid polygon"),
            "{}",
            errors[5].message
        );
    }

    #[test]
    fn end_before_start_and_unknown_codes_are_refused() {
        let body = json!({
            "type": "Feature", "geometry": null,
            "properties": {"name": "x", "level": 3, "reason": "r", "started_at": "2021-09-13T08:00:00+07:00",
                           "planned_end": "2021-09-12T08:00:00+07:00", "unit_codes": ["nope", 7]}
        });
        let errors = zone_request(&body, &Snapshot::new(vec![]), now()).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "properties.planned_end",
                "properties.unit_codes[0]",
                "properties.unit_codes[1]"
            ],
            "{errors:#?}"
        );
    }

    #[test]
    fn camps_cannot_hold_more_than_their_capacity() {
        let body = json!({
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [105.6, 18.7]},
            "properties": {"name": "Khu cách ly KTX", "status": "open", "capacity": 100, "occupancy": 120}
        });
        let errors = facility_request(FacilityKind::QuarantineCamp, &body).unwrap_err();
        assert_eq!(fields(&errors), ["properties.occupancy"]);
        let negative = json!({
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [105.6, 18.7]},
            "properties": {"name": "x", "status": "open", "capacity": -1, "occupancy": 0}
        });
        let errors = facility_request(FacilityKind::QuarantineCamp, &negative).unwrap_err();
        assert_eq!(fields(&errors), ["properties.capacity"]);
        assert_eq!(errors[0].message, "is -1; must be from 0 to 2147483647");
    }

    #[test]
    fn figures_cannot_be_negative_or_dated_ahead() {
        let errors =
            figures_request(&json!({"new_cases": 3, "active": -1, "recovered": 0, "deaths": 0}))
                .unwrap_err();
        assert_eq!(fields(&errors), ["active", "in_quarantine"]);
        let today = chrono::NaiveDate::from_ymd_opt(2021, 9, 13).unwrap();
        assert!(figures_day("2021-09-13", today).is_ok());
        let ahead = figures_day("2021-09-14", today).unwrap_err();
        assert_eq!(
            ahead.message,
            "2021-09-14 is in the future (today is 2021-09-13 in Nghệ An)"
        );
        assert!(figures_day("13/09/2021", today).is_err());
        assert!(figures_day("2019-12-31", today).is_err());
        assert_eq!(workers_request(&json!({"arrived": 12})), Ok(12));
    }

    #[test]
    fn documents_need_their_particulars_and_a_web_link() {
        let today = chrono::NaiveDate::from_ymd_opt(2021, 9, 13).unwrap();
        let ok = json!({"kind": "directive", "number": "15/CT-UBND", "title": "Về việc thực hiện giãn cách",
                        "issued_on": "2021-09-10", "issuer": "UBND tỉnh Nghệ An", "link": "https://nghean.gov.vn/ct15"});
        let d = document_request(&ok, today).unwrap();
        assert_eq!((d.number.as_str(), d.summary.as_str()), ("15/CT-UBND", ""));
        let bad = json!({"kind": "rumour", "number": "", "title": "x", "issued_on": "2021-12-01",
                         "issuer": "x", "link": "javascript:alert(1)"});
        let errors = document_request(&bad, today).unwrap_err();
        assert_eq!(fields(&errors), ["kind", "number", "issued_on", "link"]);
    }

    #[test]
    fn not_a_feature_says_what_to_send() {
        let errors = facility_request(FacilityKind::TestingSite, &json!([1, 2])).unwrap_err();
        assert_eq!(fields(&errors), ["body"]);
        let errors = level_request(&json!({"level": "4", "active_cases": -3})).unwrap_err();
        assert_eq!(fields(&errors), ["level", "active_cases"]);
    }
}
