//! What OGC API – Features Part 4 sends, made into what the write API reads: a GeoJSON
//! feature whose properties are the collection's, less those the server writes, its
//! geometry in CRS84 (a `Content-Crs` of EPSG:4326 has its axes put back in longitude,
//! latitude order), and for `PATCH`, a merge patch (RFC 7396) applied to the feature as it
//! stands. The write API's own readers then check every field, as they do for its clients.

use crate::collection::{Collection, Source};
use crate::crs::{Crs, CRS84_URI};
use crate::OgcError;
use covidmap_core::Entity;
use serde_json::Value;

/// The CRSs a written geometry may be in.
const WRITTEN_IN: [Crs; 2] = [Crs::Crs84, Crs::Epsg4326];

/// The CRS a `Content-Crs` header names (`<uri>`, as Part 2 writes it, or the bare URI);
/// CRS84 when there is none.
///
/// # Errors
/// It names another CRS: geometries are written in CRS84 or EPSG:4326.
pub fn content_crs(header: Option<&str>) -> Result<Crs, OgcError> {
    let Some(header) = header else {
        return Ok(Crs::Crs84);
    };
    let uri = header.trim().trim_start_matches('<').trim_end_matches('>');
    Crs::parse(uri, &WRITTEN_IN).ok_or_else(|| {
        OgcError::bad_parameter(
            "Content-Crs",
            format!(
                "{header:?}: features are written in CRS84 (<{CRS84_URI}>, the default) or EPSG:4326; send the geometry in one of them"
            ),
        )
    })
}

/// A feature as sent (by `POST` or `PUT`), as the write API reads it.
///
/// # Errors
/// The feature's `id` and its `properties.id` disagree.
pub fn write_body(c: &Collection, mut feature: Value, crs: Crs) -> Result<Value, OgcError> {
    let Some(object) = feature.as_object_mut() else {
        // Not an object: the write API's reader says what a feature must be.
        return Ok(feature);
    };
    in_crs84(object, crs);
    // What a read answers and a write does not take: the feature's links.
    object.remove("links");
    let top_id = object.remove("id");
    let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) else {
        return Ok(feature);
    };
    for p in c.properties.iter().filter(|p| p.read_only) {
        properties.remove(p.name);
    }
    if properties.get("id").is_some_and(Value::is_null) {
        properties.remove("id");
    }
    match (top_id, properties.get("id")) {
        (Some(Value::Null) | None, _) => {}
        (Some(top), None) => {
            properties.insert("id".to_owned(), top);
        }
        (Some(top), Some(inner)) if &top == inner => {}
        (Some(top), Some(inner)) => {
            return Err(OgcError::bad_parameter(
                "id",
                format!("the feature's id {top} and its properties.id {inner} differ; send one, or both alike"),
            ))
        }
    }
    if c.source == Source::Entity(Entity::LockdownZones) {
        let units = properties.get("unit_codes").and_then(Value::as_array);
        if units.is_some_and(Vec::is_empty) {
            // A drawn zone reads back with no units: an empty list means none.
            properties.remove("unit_codes");
        } else if units.is_some() {
            // A zone of whole units reads back with their outline as its geometry: the units
            // are what it is (to draw it instead, send no unit_codes).
            object.insert("geometry".to_owned(), Value::Null);
        }
    }
    Ok(feature)
}

/// The feature as it stands (as read, in CRS84) with a merge patch applied; then as
/// [`write_body`] makes it. A zone made of whole units keeps them unless the patch draws a
/// geometry.
///
/// # Errors
/// The patch is not a JSON object, or as for [`write_body`].
pub fn patched(
    c: &Collection,
    mut current: Value,
    patch: &Value,
    crs: Crs,
) -> Result<Value, OgcError> {
    let Some(patch_object) = patch.as_object() else {
        return Err(OgcError::bad_parameter(
            "body",
            "a merge patch (application/merge-patch+json) is a JSON object: {\"properties\": {…}} or {\"geometry\": …}",
        ));
    };
    let mut patch = patch_object.clone();
    in_crs84(&mut patch, crs);
    let draws = patch_object.get("geometry").is_some_and(|g| !g.is_null());
    json_patch::merge(&mut current, &Value::Object(patch));
    if draws {
        // A geometry drawn over a zone of whole units makes it a drawn one.
        if let Some(p) = current.get_mut("properties").and_then(Value::as_object_mut) {
            p.remove("unit_codes");
        }
    }
    // What was read is in CRS84 and the patch's geometry is now too.
    write_body(c, current, Crs::Crs84)
}

/// A feature's (or a patch's) geometry, sent in `crs`, in CRS84's longitude, latitude order.
fn in_crs84(feature: &mut serde_json::Map<String, Value>, crs: Crs) {
    if crs.northing_first() {
        if let Some(coordinates) = feature
            .get_mut("geometry")
            .and_then(|g| g.get_mut("coordinates"))
        {
            swap_axes(coordinates);
        }
    }
}

/// Swaps the first two numbers of every position in GeoJSON `coordinates`.
fn swap_axes(coordinates: &mut Value) {
    if let Some(items) = coordinates.as_array_mut() {
        if items.len() >= 2 && items.iter().all(Value::is_number) {
            items.swap(0, 1);
        } else {
            items.iter_mut().for_each(swap_axes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find(id: &str) -> &'static Collection {
        Collection::find(id).unwrap()
    }

    #[test]
    fn what_the_server_writes_is_dropped_and_the_id_kept() {
        let sent = json!({"type": "Feature", "id": "checkpoint-1",
            "geometry": {"type": "Point", "coordinates": [105.6, 18.7]},
            "properties": {"name": "Chốt", "status": "active", "managed_by": "police",
                           "changed_by": "someone", "valid_from": "2021-09-13T00:00:00Z"}});
        let body = write_body(find("checkpoints"), sent, Crs::Crs84).unwrap();
        assert_eq!(
            body["properties"],
            json!({"name": "Chốt", "status": "active", "managed_by": "police", "id": "checkpoint-1"})
        );
        assert!(body.get("id").is_none());
        let differ = json!({"type": "Feature", "id": "a", "properties": {"id": "b"}});
        assert_eq!(
            write_body(find("checkpoints"), differ, Crs::Crs84)
                .unwrap_err()
                .parameter(),
            "id"
        );
        let read_back = json!({"type": "Feature", "id": "zone-1", "links": [{"rel": "self"}],
            "geometry": {"type": "MultiPolygon", "coordinates": []},
            "properties": {"id": "zone-1", "unit_codes": ["17017"], "declared_by": "UBND"}});
        let body = write_body(find("zones"), read_back, Crs::Crs84).unwrap();
        assert!(
            body.get("links").is_none(),
            "a read's links are not written"
        );
        assert_eq!(
            body["geometry"],
            Value::Null,
            "a zone of units is its units"
        );
        let null_id = json!({"type": "Feature", "properties": {"id": null, "name": "x"}});
        let body = write_body(find("testing-sites"), null_id, Crs::Crs84).unwrap();
        assert_eq!(body["properties"], json!({"name": "x"}));
    }

    #[test]
    fn latitude_first_is_put_back_and_other_crss_are_named() {
        assert_eq!(content_crs(None).unwrap(), Crs::Crs84);
        let crs = content_crs(Some("<http://www.opengis.net/def/crs/EPSG/0/4326>")).unwrap();
        assert_eq!(crs, Crs::Epsg4326);
        let sent = json!({"type": "Feature", "geometry": {"type": "Polygon",
            "coordinates": [[[18.7, 105.6], [18.8, 105.6], [18.8, 105.7], [18.7, 105.6]]]},
            "properties": {}});
        let body = write_body(find("zones"), sent, crs).unwrap();
        assert_eq!(body["geometry"]["coordinates"][0][1], json!([105.6, 18.8]));
        let e = content_crs(Some("<http://www.opengis.net/def/crs/EPSG/0/3857>")).unwrap_err();
        assert_eq!(e.parameter(), "Content-Crs");
    }

    #[test]
    fn a_patch_changes_what_it_names_and_a_zone_of_units_keeps_them() {
        let current = json!({"type": "Feature", "id": "zone-1",
            "geometry": {"type": "MultiPolygon", "coordinates": []},
            "properties": {"id": "zone-1", "name": "old", "level": 3, "unit_codes": ["17017"],
                           "declared_by": "UBND", "changed_by": "UBND", "planned_end": null}});
        let patch = json!({"properties": {"name": "new"}});
        let body = patched(find("zones"), current.clone(), &patch, Crs::Crs84).unwrap();
        assert_eq!(body["properties"]["name"], "new");
        assert_eq!(body["properties"]["level"], 3);
        assert_eq!(body["geometry"], Value::Null, "the units draw it");
        assert!(body["properties"].get("declared_by").is_none());
        let drawn = json!({"geometry": {"type": "Polygon", "coordinates": [[[105.0, 18.0]]]}});
        let body = patched(find("zones"), current, &drawn, Crs::Crs84).unwrap();
        assert!(body["properties"].get("unit_codes").is_none());
        assert_eq!(body["geometry"]["type"], "Polygon");
        assert!(patched(find("zones"), json!({}), &json!([1]), Crs::Crs84).is_err());
    }
}
