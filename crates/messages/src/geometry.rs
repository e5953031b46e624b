//! The parts of a GeoJSON Feature, and its geometry: a valid area of bounded size, or a point.

use crate::fields::Fields;
use crate::{FieldError, MAX_VERTICES};
use geo::{Area, CoordsIter, MultiPolygon, Point};
use serde_json::Value;

/// The parts of a GeoJSON Feature: its geometry (may be null) and its properties.
pub(crate) fn feature<'a>(
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
pub(crate) fn area_geometry(
    value: &Value,
    errors: &mut Vec<FieldError>,
) -> Option<MultiPolygon<f64>> {
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
    if let Err(e) = crate::validity::check(&area) {
        return fail(format!("is not a valid polygon: {e}"));
    }
    if area.unsigned_area() <= 0.0 {
        return fail("has no area".into());
    }
    Some(area)
}

/// A GeoJSON Point.
pub(crate) fn point_geometry(
    value: Option<&Value>,
    errors: &mut Vec<FieldError>,
) -> Option<Point<f64>> {
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
