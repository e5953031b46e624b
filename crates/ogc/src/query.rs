//! An items request read into an [`ItemsQuery`]: every parameter checked and named when wrong
//! (`bbox`, `bbox-crs`, `crs`, `datetime`, `limit`, `offset`, `filter`, `filter-lang`,
//! `filter-crs`, `sortby`, `properties`, and `property=value` for each queryable).

use crate::collection::{Collection, Property, PropertyType};
use crate::crs::{Crs, Vn2000Zone};
use crate::filter::{self, Comparison, FilterLang, Predicate, Scalar};
use crate::temporal::Temporal;
use crate::OgcError;
use chrono::FixedOffset;
use std::collections::BTreeMap;

/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest page.
pub const MAX_LIMIT: u32 = 10_000;
/// Features skipped at most (paging deeper than every hamlet of a nation is a mistake).
pub const MAX_OFFSET: u32 = 10_000_000;

/// The parameters every items request may carry besides the queryables.
pub const ITEMS_PARAMETERS: [&str; 12] = [
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "limit",
    "offset",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
    "f",
];

/// The parameters one item's request may carry.
pub const ITEM_PARAMETERS: [&str; 3] = ["crs", "datetime", "f"];

/// What the service is set up with: the province's VN-2000 zone and its time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// The VN-2000 / TM-3 zone offered besides the WGS 84 ones.
    pub zone: Vn2000Zone,
    /// The province's offset from UTC (when a bare date in `datetime` begins).
    pub utc_offset: FixedOffset,
}

impl Service {
    /// The CRSs offered, the default first.
    #[must_use]
    pub fn crs(&self) -> [Crs; 4] {
        Crs::offered(self.zone)
    }
}

/// An order on one property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// The property.
    pub property: &'static Property,
    /// Largest first.
    pub descending: bool,
}

/// What to read from a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsQuery {
    /// The collection.
    pub collection: &'static Collection,
    /// Only the feature with this id.
    pub id: Option<String>,
    /// Only features meeting this box (min x, min y, max x, max y in its CRS's x/y order).
    pub bbox: Option<([f64; 4], Crs)>,
    /// The CRS of the answer.
    pub crs: Crs,
    /// When.
    pub datetime: Temporal,
    /// Page size.
    pub limit: u32,
    /// Features skipped.
    pub offset: u32,
    /// Only features meeting this condition (the filter and the `property=value` pairs).
    pub filter: Option<Predicate>,
    /// The CRS of the filter's geometries.
    pub filter_crs: Crs,
    /// The order, after which features are ordered by id.
    pub sortby: Vec<SortKey>,
    /// Only these properties (`None`: all).
    pub properties: Option<Vec<&'static Property>>,
}

impl ItemsQuery {
    /// Reads an items request.
    ///
    /// # Errors
    /// 400 naming the parameter at fault.
    pub fn read(
        collection: &'static Collection,
        params: &BTreeMap<String, String>,
        service: &Service,
    ) -> Result<ItemsQuery, OgcError> {
        let equal_to = |name: &str| {
            collection
                .property(name)
                .filter(|p| p.kind != PropertyType::TextList)
        };
        if let Some(unknown) = params
            .keys()
            .find(|k| !ITEMS_PARAMETERS.contains(&k.as_str()) && equal_to(k).is_none())
        {
            return Err(OgcError::bad_parameter(
                unknown.clone(),
                format!(
                    "unknown parameter {unknown:?}; use {} or a queryable of {} ({})",
                    ITEMS_PARAMETERS.join(", "),
                    collection.id,
                    collection.property_names()
                ),
            ));
        }
        let mut query = ItemsQuery::basic(collection, params, service)?;
        let mut conditions = Vec::new();
        if let Some(text) = params.get("filter") {
            let lang = params
                .get("filter-lang")
                .map_or(Ok(FilterLang::Text), |l| FilterLang::parse(l))?;
            conditions.push(filter::parse(text, lang, collection)?);
        } else if let Some(name) = ["filter-lang", "filter-crs"]
            .into_iter()
            .find(|n| params.contains_key(*n))
        {
            return Err(OgcError::bad_parameter(
                name,
                format!("{name} is given without filter"),
            ));
        }
        for (name, value) in params {
            if let Some(property) =
                equal_to(name).filter(|_| !ITEMS_PARAMETERS.contains(&name.as_str()))
            {
                conditions.push(equality(property, value)?);
            }
        }
        query.filter = match conditions.len() {
            0 => None,
            1 => conditions.pop(),
            _ => Some(Predicate::And(conditions)),
        };
        query.filter_crs = crs_param(params, "filter-crs", service)?;
        query.bbox = bbox_param(params, service)?;
        query.sortby = sortby_param(collection, params.get("sortby"))?;
        query.properties = properties_param(collection, params.get("properties"))?;
        query.limit = number_param(params, "limit", DEFAULT_LIMIT, MAX_LIMIT, 1)?;
        query.offset = number_param(params, "offset", 0, MAX_OFFSET, 0)?;
        Ok(query)
    }

    /// Reads one item's request.
    ///
    /// # Errors
    /// 400 naming the parameter at fault.
    pub fn read_one(
        collection: &'static Collection,
        id: &str,
        params: &BTreeMap<String, String>,
        service: &Service,
    ) -> Result<ItemsQuery, OgcError> {
        if let Some(unknown) = params
            .keys()
            .find(|k| !ITEM_PARAMETERS.contains(&k.as_str()))
        {
            return Err(OgcError::bad_parameter(
                unknown.clone(),
                format!(
                    "unknown parameter {unknown:?}; one feature takes {}",
                    ITEM_PARAMETERS.join(", ")
                ),
            ));
        }
        let mut query = ItemsQuery::basic(collection, params, service)?;
        query.id = Some(id.to_owned());
        query.limit = 1;
        Ok(query)
    }

    fn basic(
        collection: &'static Collection,
        params: &BTreeMap<String, String>,
        service: &Service,
    ) -> Result<ItemsQuery, OgcError> {
        if let Some(f) = params
            .get("f")
            .filter(|f| !matches!(f.as_str(), "json" | "geojson"))
        {
            return Err(OgcError::bad_parameter(
                "f",
                format!("f={f:?}: features are served as GeoJSON only (f=json)"),
            ));
        }
        let datetime = params.get("datetime").map_or(Ok(Temporal::Now), |t| {
            Temporal::parse(t, service.utc_offset)
        })?;
        Ok(ItemsQuery {
            collection,
            id: None,
            bbox: None,
            crs: crs_param(params, "crs", service)?,
            datetime,
            limit: DEFAULT_LIMIT,
            offset: 0,
            filter: None,
            filter_crs: Crs::Crs84,
            sortby: Vec::new(),
            properties: None,
        })
    }
}

/// `property=value`: equality, the value read as the property's type.
fn equality(property: &'static Property, value: &str) -> Result<Predicate, OgcError> {
    let bad = |what: &str| {
        OgcError::bad_parameter(
            property.name,
            format!("{}={value:?}: {} is {what}", property.name, property.name),
        )
    };
    let right = match property.kind {
        PropertyType::Text => Scalar::Text(value.to_owned()),
        PropertyType::Integer | PropertyType::Number => {
            Scalar::Number(value.trim().parse().map_err(|_| bad("a number"))?)
        }
        PropertyType::Date => Scalar::Date(
            chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
                .map_err(|_| bad("a date (YYYY-MM-DD)"))?,
        ),
        PropertyType::DateTime => Scalar::Timestamp(
            chrono::DateTime::parse_from_rfc3339(value.trim())
                .map_err(|_| bad("an RFC 3339 instant"))?
                .with_timezone(&chrono::Utc),
        ),
        PropertyType::TextList => return Err(bad("a list and cannot be compared")),
    };
    Ok(Predicate::Compare {
        op: Comparison::Eq,
        left: Scalar::Property(property),
        right,
    })
}

fn crs_param(
    params: &BTreeMap<String, String>,
    name: &'static str,
    service: &Service,
) -> Result<Crs, OgcError> {
    let offered = service.crs();
    params.get(name).map_or(Ok(Crs::Crs84), |uri| {
        Crs::parse(uri, &offered).ok_or_else(|| {
            OgcError::bad_parameter(
                name,
                format!(
                    "{name} {uri:?} is not offered; use one of {}",
                    offered.map(Crs::uri).join(", ")
                ),
            )
        })
    })
}

fn bbox_param(
    params: &BTreeMap<String, String>,
    service: &Service,
) -> Result<Option<([f64; 4], Crs)>, OgcError> {
    let crs = crs_param(params, "bbox-crs", service)?;
    let Some(text) = params.get("bbox") else {
        if params.contains_key("bbox-crs") {
            return Err(OgcError::bad_parameter(
                "bbox-crs",
                "bbox-crs is given without bbox",
            ));
        }
        return Ok(None);
    };
    let bad = |why: &str| {
        OgcError::bad_parameter(
            "bbox",
            format!("bbox {text:?}: {why}; give four numbers, the lower corner first, e.g. bbox=105.6,18.6,105.8,18.8 in CRS84"),
        )
    };
    let numbers = text
        .split(',')
        .map(|n| n.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect::<Option<Vec<f64>>>()
        .ok_or_else(|| bad("not numbers"))?;
    let mut corners = match numbers.as_slice() {
        [a, b, c, d] => [*a, *b, *c, *d],
        [a, b, _, d, e, _] => [*a, *b, *d, *e],
        _ => return Err(bad("not 4 (or 6) numbers")),
    };
    if corners[0] > corners[2] || corners[1] > corners[3] {
        return Err(bad("the lower corner comes after the upper one (boxes across the antimeridian are not offered)"));
    }
    if crs.northing_first() {
        corners = [corners[1], corners[0], corners[3], corners[2]];
    }
    if crs.is_geographic()
        && !(corners[0] >= -180.0
            && corners[2] <= 180.0
            && corners[1] >= -90.0
            && corners[3] <= 90.0)
    {
        return Err(bad("outside longitudes −180…180 and latitudes −90…90"));
    }
    Ok(Some((corners, crs)))
}

fn sortby_param(collection: &Collection, text: Option<&String>) -> Result<Vec<SortKey>, OgcError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(|key| {
            let key = key.trim();
            let (name, descending) = match key.strip_prefix('-') {
                Some(name) => (name, true),
                None => (key.strip_prefix('+').unwrap_or(key), false),
            };
            collection
                .property(name)
                .filter(|p| p.kind.sortable())
                .map(|property| SortKey {
                    property,
                    descending,
                })
                .ok_or_else(|| {
                    OgcError::bad_parameter(
                        "sortby",
                        format!(
                            "sortby: {name:?} is not a sortable of {}; see /sortables",
                            collection.id
                        ),
                    )
                })
        })
        .collect()
}

fn properties_param(
    collection: &Collection,
    text: Option<&String>,
) -> Result<Option<Vec<&'static Property>>, OgcError> {
    let Some(text) = text else { return Ok(None) };
    text.split(',')
        .filter(|n| !n.trim().is_empty())
        .map(|name| {
            collection.property(name.trim()).ok_or_else(|| {
                OgcError::bad_parameter(
                    "properties",
                    format!(
                        "properties: {name:?} is not a property of {}; its properties are {}",
                        collection.id,
                        collection.property_names()
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn number_param(
    params: &BTreeMap<String, String>,
    name: &'static str,
    default: u32,
    max: u32,
    min: u32,
) -> Result<u32, OgcError> {
    params.get(name).map_or(Ok(default), |v| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                OgcError::bad_parameter(
                    name,
                    format!("{name} {v:?} must be a whole number from {min} to {max}"),
                )
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> Service {
        Service {
            zone: Vn2000Zone::nearest(104.9),
            utc_offset: FixedOffset::east_opt(7 * 3600).unwrap(),
        }
    }

    fn read(collection: &str, pairs: &[(&str, &str)]) -> Result<ItemsQuery, OgcError> {
        let params = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ItemsQuery::read(Collection::find(collection).unwrap(), &params, &service())
    }

    #[test]
    fn defaults_and_a_full_request() {
        let q = read("hamlets", &[]).unwrap();
        assert_eq!(
            (q.limit, q.offset, q.crs, q.datetime),
            (DEFAULT_LIMIT, 0, Crs::Crs84, Temporal::Now)
        );
        let q = read(
            "zones",
            &[
                ("bbox", "18.6,105.6,18.8,105.8"),
                ("bbox-crs", "http://www.opengis.net/def/crs/EPSG/0/4326"),
                ("crs", "http://www.opengis.net/def/crs/EPSG/0/9208"),
                ("limit", "10000"),
                ("level", "4"),
                ("filter", "name LIKE 'K%'"),
                ("sortby", "-started_at,name"),
                ("properties", "name,level"),
            ],
        )
        .unwrap();
        assert_eq!(
            q.bbox.map(|b| b.0),
            Some([105.6, 18.6, 105.8, 18.8]),
            "latitude first in EPSG:4326"
        );
        assert_eq!(q.crs.srid(), 9208);
        assert!(matches!(q.filter, Some(Predicate::And(ref v)) if v.len() == 2));
        assert!(q.sortby[0].descending && !q.sortby[1].descending);
        assert_eq!(q.properties.map(|p| p.len()), Some(2));
    }

    #[test]
    fn each_bad_parameter_is_named() {
        for (pairs, named) in [
            (vec![("bbox", "1,2,3")], "bbox"),
            (vec![("bbox", "106,18,105,19")], "bbox"),
            (vec![("bbox", "a,b,c,d")], "bbox"),
            (vec![("bbox", "-200,18,105,19")], "bbox"),
            (vec![("bbox-crs", "EPSG:4326")], "bbox-crs"),
            (
                vec![("bbox", "105,18,106,19"), ("bbox-crs", "EPSG:2154")],
                "bbox-crs",
            ),
            (vec![("crs", "EPSG:2154")], "crs"),
            (vec![("limit", "10001")], "limit"),
            (vec![("limit", "0")], "limit"),
            (vec![("offset", "-1")], "offset"),
            (vec![("datetime", "last week")], "datetime"),
            (vec![("filter", "name =")], "filter"),
            (vec![("filter", "colour = 'red'")], "filter"),
            (vec![("filter-lang", "cql2-json")], "filter-lang"),
            (
                vec![("filter", "level = 1"), ("filter-lang", "ecql")],
                "filter-lang",
            ),
            (vec![("sortby", "geometry")], "sortby"),
            (vec![("properties", "colour")], "properties"),
            (vec![("level", "high")], "level"),
            (vec![("colour", "red")], "colour"),
            (vec![("f", "html")], "f"),
        ] {
            let e = read("zones", &pairs).unwrap_err();
            assert_eq!(e.parameter(), named, "{pairs:?}: {e}");
        }
    }
}
