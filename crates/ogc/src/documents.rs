//! The standard's documents: the landing page, the conformance declaration, the collections,
//! one collection, its queryables and sortables. Links are absolute, under the base the
//! server was reached at.

use crate::collection::{Collection, COLLECTIONS};
use crate::crs::{Crs, CRS84_URI};
use crate::query::Service;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// The conformance classes declared, each tested in `tests/ogc_*.rs` (the README says how).
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables",
    // Part 4 (Create, Replace, Update, Delete) on the declarations and the facilities, with
    // entity tags for optimistic locking.
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
];

/// The media type of the OpenAPI document.
pub const OPENAPI_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";
/// The media type of features.
pub const GEOJSON: &str = "application/geo+json";
const JSON: &str = "application/json";
const SCHEMA: &str = "application/schema+json";

/// The absolute URL the service is reached at (`http://host:port/ogc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The landing page's URL, without a trailing slash.
    pub base: String,
}

impl Links {
    /// A URL under the landing page.
    #[must_use]
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The service's URL, the landing page's without its `/ogc`.
    #[must_use]
    pub fn service(&self) -> &str {
        self.base.strip_suffix("/ogc").unwrap_or(&self.base)
    }

    fn link(&self, path: &str, rel: &str, media: &str, title: &str) -> Value {
        json!({"href": self.at(path), "rel": rel, "type": media, "title": title})
    }
}

/// A collection's extent: the box its features cover now, and the span of its history.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Extent {
    /// Min lon, min lat, max lon, max lat of the current features (`None`: none, or no
    /// geometry).
    pub bbox: Option<[f64; 4]>,
    /// The first version's start.
    pub first: Option<DateTime<Utc>>,
    /// When the last version ended (`None`: some version is current).
    pub last: Option<DateTime<Utc>>,
}

/// The landing page.
#[must_use]
pub fn landing(links: &Links, title: &str) -> Value {
    json!({
        "title": title,
        "description": "The shared map of the province's COVID-19 information portal: administrative units down to hamlets, lockdowns, checkpoints, quarantine camps, testing sites, essential services, epidemic levels, daily figures and directives. Every collection can be read as it stood at a past moment (datetime).",
        "links": [
            links.link("", "self", JSON, "this document"),
            links.link("/api", "service-desc", OPENAPI_TYPE, "the API definition (OpenAPI 3.0)"),
            links.link("/api.html", "service-doc", "text/html", "the API documentation"),
            links.link("/conformance", "conformance", JSON, "the conformance classes this server implements"),
            links.link("/collections", "data", JSON, "the collections"),
            // The change channels: outside the landing page's path, beside the JSON API.
            json!({"href": format!("{}/api/v1/asyncapi.json", links.service()), "rel": "hub",
                   "type": crate::asyncapi::ASYNCAPI_TYPE, "title": "the change channels (AsyncAPI 3.0): every change as a CloudEvent"}),
        ],
    })
}

/// The conformance declaration.
#[must_use]
pub fn conformance() -> Value {
    json!({"conformsTo": CONFORMANCE})
}

/// Every collection.
#[must_use]
pub fn collections(links: &Links, service: &Service, extents: &[Extent]) -> Value {
    let collections: Vec<Value> = COLLECTIONS
        .iter()
        .zip(extents.iter().chain(std::iter::repeat(&Extent::default())))
        .map(|(c, e)| collection(links, service, c, e))
        .collect();
    json!({
        "links": [links.link("/collections", "self", JSON, "the collections")],
        "collections": collections,
        "crs": service.crs().map(Crs::uri),
    })
}

/// One collection.
#[must_use]
pub fn collection(links: &Links, service: &Service, c: &Collection, extent: &Extent) -> Value {
    let path = format!("/collections/{}", c.id);
    let mut spatial = json!({"crs": CRS84_URI});
    if let Some(b) = extent.bbox {
        spatial["bbox"] = json!([b]);
    }
    let time = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true));
    let mut doc = json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "extent": {
            "spatial": spatial,
            "temporal": {
                "interval": [[time(extent.first), time(extent.last)]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        },
        "links": [
            links.link(&path, "self", JSON, c.title),
            links.link(&format!("{path}/items"), "items", GEOJSON, "its features"),
            links.link(&format!("{path}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA, "what filters may name"),
            links.link(&format!("{path}/sortables"), "http://www.opengis.net/def/rel/ogc/1.0/sortables", SCHEMA, "what sortby may name"),
        ],
    });
    doc["crs"] = json!(service.crs().map(Crs::uri));
    doc["storageCrs"] = json!(CRS84_URI);
    doc
}

/// A collection's queryables (JSON Schema): its properties, and its geometry.
#[must_use]
pub fn queryables(links: &Links, c: &Collection) -> Value {
    schema(links, c, "queryables", |_| true)
}

/// What a collection's features may be ordered by.
#[must_use]
pub fn sortables(links: &Links, c: &Collection) -> Value {
    schema(links, c, "sortables", |p| p.kind.sortable())
}

fn schema(
    links: &Links,
    c: &Collection,
    what: &str,
    include: impl Fn(&crate::Property) -> bool,
) -> Value {
    let mut properties = serde_json::Map::new();
    for p in c.properties.iter().filter(|p| include(p)) {
        let mut s = p.kind.schema();
        s["title"] = json!(p.title);
        if p.read_only {
            s["readOnly"] = json!(true);
        }
        properties.insert(p.name.to_owned(), s);
    }
    if what == "queryables" {
        properties.insert(
            "geometry".to_owned(),
            json!({"title": "the feature's geometry", "format": c.geometry.schema_format()}),
        );
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": links.at(&format!("/collections/{}/{what}", c.id)),
        "type": "object",
        "title": c.title,
        "properties": properties,
        "additionalProperties": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Vn2000Zone;

    fn service() -> Service {
        Service {
            zone: Vn2000Zone::nearest(104.9),
            utc_offset: chrono::FixedOffset::east_opt(7 * 3600).unwrap(),
        }
    }

    #[test]
    fn landing_links_what_clients_look_for() {
        let links = Links {
            base: "http://localhost:8080/ogc".into(),
        };
        let doc = landing(&links, "covidmap");
        let rels: Vec<&str> = doc["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["rel"].as_str().unwrap())
            .collect();
        for rel in ["self", "service-desc", "service-doc", "conformance", "data"] {
            assert!(rels.contains(&rel), "{rel}");
        }
        assert_eq!(doc["links"][1]["type"], OPENAPI_TYPE);
    }

    #[test]
    fn a_collection_says_its_extent_and_crs() {
        let links = Links {
            base: "http://h/ogc".into(),
        };
        let hamlets = Collection::find("hamlets").unwrap();
        let extent = Extent {
            bbox: Some([103.8, 18.5, 105.8, 20.0]),
            first: DateTime::from_timestamp(1_630_000_000, 0),
            last: None,
        };
        let doc = collection(&links, &service(), hamlets, &extent);
        assert_eq!(doc["extent"]["spatial"]["bbox"][0][0], 103.8);
        assert_eq!(doc["extent"]["temporal"]["interval"][0][1], Value::Null);
        assert_eq!(doc["crs"][3], "http://www.opengis.net/def/crs/EPSG/0/9208");
        assert_eq!(doc["storageCrs"], CRS84_URI);
        let figures = collection(
            &links,
            &service(),
            Collection::find("figures").unwrap(),
            &Extent::default(),
        );
        assert_eq!(
            figures["crs"][0], CRS84_URI,
            "figures have their commune's outline"
        );
        let q = queryables(&links, hamlets);
        assert_eq!(
            q["properties"]["geometry"]["format"],
            "geometry-multipolygon"
        );
        assert!(
            sortables(&links, Collection::find("zones").unwrap())["properties"]
                .get("unit_codes")
                .is_none()
        );
    }
}
