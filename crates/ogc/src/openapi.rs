//! The OpenAPI 3.0 definition of the OGC API: one items path per collection, with its
//! queryables as `property=value` parameters (GDAL's OAPIF driver reads them to push `-where`
//! down), and the page size's default and maximum stated on `limit`.

use crate::collection::{Collection, PropertyType, COLLECTIONS};
use crate::crs::Crs;
use crate::documents::{Links, GEOJSON, OPENAPI_TYPE};
use crate::filter::FilterLang;
use crate::query::{Service, DEFAULT_LIMIT, MAX_LIMIT};
use serde_json::{json, Map, Value};

/// The OpenAPI document.
#[must_use]
pub fn document(links: &Links, service: &Service) -> Value {
    let mut paths = Map::new();
    paths.insert(
        "/".into(),
        get(
            "landing",
            "The landing page",
            "application/json",
            vec![param_ref("f")],
        ),
    );
    paths.insert(
        "/conformance".into(),
        get(
            "conformance",
            "The conformance classes",
            "application/json",
            vec![param_ref("f")],
        ),
    );
    paths.insert(
        "/collections".into(),
        get(
            "collections",
            "The collections",
            "application/json",
            vec![param_ref("f")],
        ),
    );
    for c in COLLECTIONS {
        let base = format!("/collections/{}", c.id);
        let name = c.id.replace('-', "_");
        paths.insert(
            base.clone(),
            get(
                &format!("collection_{name}"),
                c.title,
                "application/json",
                vec![param_ref("f")],
            ),
        );
        let mut items = get(
            &format!("items_{name}"),
            c.description,
            GEOJSON,
            items_parameters(c),
        );
        let mut item = get(
            &format!("item_{name}"),
            &format!("One feature of {}, now or as it stood at datetime", c.id),
            GEOJSON,
            vec![
                json!({"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}}),
                param_ref("crs"),
                param_ref("datetime"),
                param_ref("f"),
            ],
        );
        item["get"]["responses"]["404"] = json!({"$ref": "#/components/responses/NotFound"});
        if c.editable().is_some() {
            add_writes(&mut items, &mut item, &name);
        }
        paths.insert(format!("{base}/items"), items);
        paths.insert(format!("{base}/items/{{featureId}}"), item);
        for what in ["queryables", "sortables"] {
            paths.insert(
                format!("{base}/{what}"),
                get(
                    &format!("{what}_{name}"),
                    &format!("The {what} of {}", c.id),
                    "application/schema+json",
                    vec![param_ref("f")],
                ),
            );
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "covidmap OGC API – Features",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "OGC API – Features Parts 1, 2, 3 and 4 over the portal's layers, with their history through datetime; the declarations and the facilities are written here under the portal's write policy.",
            "license": {"name": "MIT"},
        },
        "servers": [{"url": links.base}],
        "paths": paths,
        "components": components(service),
    })
}

/// The media type of this document, for its answer.
pub const MEDIA_TYPE: &str = OPENAPI_TYPE;

fn items_parameters(c: &Collection) -> Vec<Value> {
    // The parameters the request reader takes, so that the document cannot drift from it.
    let mut params: Vec<Value> = crate::query::ITEMS_PARAMETERS
        .into_iter()
        .map(param_ref)
        .collect();
    for p in c
        .properties
        .iter()
        .filter(|p| p.kind != PropertyType::TextList)
    {
        params.push(json!({
            "name": p.name,
            "in": "query",
            "required": false,
            "description": format!("only features whose {} equals this ({})", p.name, p.title),
            "schema": p.kind.schema(),
            "style": "form",
            "explode": false,
        }));
    }
    params
}

fn param_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/parameters/{name}")})
}

fn get(id: &str, summary: &str, media: &str, parameters: Vec<Value>) -> Value {
    json!({"get": {
        "operationId": id,
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": summary, "content": {media: {"schema": {"type": "object"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "500": {"$ref": "#/components/responses/ServerError"},
        },
    }})
}

/// Part 4's operations on an editable collection's items and item.
fn add_writes(items: &mut Value, item: &mut Value, name: &str) {
    let feature =
        |media: &str| json!({"required": true, "content": {media: {"schema": {"type": "object"}}}});
    let responses = |ok: &str, description: &str| {
        json!({
            ok: {"description": description, "headers": {"ETag": {"description": "the new version's entity tag", "schema": {"type": "string"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "401": {"$ref": "#/components/responses/Refused"},
            "403": {"$ref": "#/components/responses/Refused"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "412": {"$ref": "#/components/responses/Stale"},
            "422": {"$ref": "#/components/responses/Invalid"},
        })
    };
    let security = json!([{"bearer": []}, {"basic": []}]);
    let if_match = json!({"name": "If-Match", "in": "header", "required": false, "description": "the ETag of the version the edit was made on; refused with 412 when another is current", "schema": {"type": "string"}});
    let content_crs = json!({"name": "Content-Crs", "in": "header", "required": false, "description": "the CRS of the geometry sent: CRS84 (the default) or EPSG:4326", "schema": {"type": "string"}});
    let feature_id =
        json!({"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}});
    let mut created = responses("201", "created; Location says where");
    created["201"]["headers"]["Location"] =
        json!({"description": "the new feature", "schema": {"type": "string"}});
    items["post"] = json!({
        "operationId": format!("create_{name}"),
        "summary": "Adds a feature: as the JSON write API does, under the same write policy",
        "security": security,
        "parameters": [content_crs],
        "requestBody": feature(GEOJSON),
        "responses": created,
    });
    item["put"] = json!({
        "operationId": format!("replace_{name}"),
        "summary": "Replaces the feature (a new version)",
        "security": security,
        "parameters": [feature_id, if_match, content_crs],
        "requestBody": feature(GEOJSON),
        "responses": responses("200", "replaced"),
    });
    item["patch"] = json!({
        "operationId": format!("update_{name}"),
        "summary": "Changes what a merge patch (RFC 7396) names, on the version read",
        "security": security,
        "parameters": [feature_id, if_match, content_crs],
        "requestBody": feature("application/merge-patch+json"),
        "responses": responses("200", "changed"),
    });
    let mut deleted = responses("204", "a facility deleted, a declaration lifted");
    deleted["204"] = json!({"description": "a facility deleted, a declaration lifted"});
    item["delete"] = json!({
        "operationId": format!("delete_{name}"),
        "summary": "Deletes a facility or lifts a declaration (its history stays)",
        "security": security,
        "parameters": [feature_id, if_match],
        "responses": deleted,
    });
}

fn components(service: &Service) -> Value {
    let crs: Vec<String> = service.crs().map(Crs::uri).to_vec();
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema, "style": "form", "explode": false});
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    json!({
        "parameters": {
            "bbox": query("bbox", "only features meeting this box: lower corner, upper corner (4 or 6 numbers), in bbox-crs", json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}})),
            "bbox-crs": query("bbox-crs", "the CRS of bbox (CRS84 by default)", json!({"type": "string", "format": "uri", "enum": crs})),
            "crs": query("crs", "the CRS of the answer's geometries (CRS84 by default)", json!({"type": "string", "format": "uri", "enum": crs})),
            "datetime": query("datetime", "as the collection stood at an instant, or every feature in force during an interval (as it stood last within it); open ends as '..'; none: now", json!({"type": "string"})),
            "limit": query("limit", "features per page", json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT})),
            "offset": query("offset", "features skipped (the next link carries it)", json!({"type": "integer", "minimum": 0, "default": 0})),
            "filter": query("filter", "a CQL2 filter on the queryables", json!({"type": "string"})),
            "filter-lang": query("filter-lang", "the filter's encoding", json!({"type": "string", "enum": FilterLang::NAMES, "default": "cql2-text"})),
            "filter-crs": query("filter-crs", "the CRS of the filter's geometries (CRS84 by default)", json!({"type": "string", "format": "uri", "enum": crs})),
            "sortby": query("sortby", "sortables, '-' before one for largest first", json!({"type": "array", "items": {"type": "string"}})),
            "properties": query("properties", "only these properties", json!({"type": "array", "items": {"type": "string"}})),
            "f": query("f", "the encoding: JSON (GeoJSON for features) only", json!({"type": "string", "enum": ["json", "geojson"]})),
        },
        "responses": {
            "BadRequest": error("a parameter is wrong: the answer names it"),
            "NotFound": error("no such collection or feature"),
            "ServerError": error("the server failed; the database may be unavailable (503)"),
            "Refused": error("no token, or one that may not make this write here: the answer says why"),
            "Stale": error("If-Match names a version that is no longer current: read the feature again"),
            "Invalid": error("the feature's fields are wrong: each is named"),
        },
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "an organisation's token"},
            "basic": {"type": "http", "scheme": "basic", "description": "the token as the password (any user name): what GIS clients' connection dialogs send"},
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"},
                }}},
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Vn2000Zone;

    #[test]
    fn limit_states_its_default_and_maximum_and_queryables_are_parameters() {
        let service = Service {
            zone: Vn2000Zone::nearest(104.9),
            utc_offset: chrono::FixedOffset::east_opt(25200).unwrap(),
        };
        let doc = document(
            &Links {
                base: "http://h/ogc".into(),
            },
            &service,
        );
        let limit = &doc["components"]["parameters"]["limit"]["schema"];
        assert_eq!(
            (limit["default"].as_u64(), limit["maximum"].as_u64()),
            (Some(100), Some(10_000))
        );
        let params = doc["paths"]["/collections/hamlets/items"]["get"]["parameters"]
            .as_array()
            .unwrap();
        assert!(params.iter().any(|p| p["name"] == "parent_code"));
        assert_eq!(doc["servers"][0]["url"], "http://h/ogc");
        let checkpoint = &doc["paths"]["/collections/checkpoints/items/{featureId}"];
        assert!(checkpoint["patch"]["requestBody"]["content"]
            .get("application/merge-patch+json")
            .is_some());
        assert!(doc["paths"]["/collections/communes/items"]
            .get("post")
            .is_none());
    }
}
