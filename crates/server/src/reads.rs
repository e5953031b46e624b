//! Public listings: every layer as GeoJSON, now or at a past moment, by unit or bounding box,
//! a page at a time (`numberMatched`, `numberReturned` and a `next` link, as OGC API –
//! Features pages). No token needed: everything in them is public.

use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::{known, Params};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use covidmap_core::{Entity, Level};
use covidmap_store::FeatureQuery;
use std::sync::Arc;

known!(ListQuery: "at", "in_force", "district", "commune", "bbox", "limit", "offset", "hamlet");
known!(OneQuery: "at");

/// Largest page.
pub const MAX_LIMIT: i64 = 1000;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: i64 = 100;

/// `GET /api/v1/layers/{layer}`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/api/v1/layers/{layer}", get(list::<B>))
        .route("/api/v1/layers/{layer}/{id}", get(one::<B>))
}

/// The listed layer behind a URL name (the layers with a geometry); 404 naming them.
fn listed(layer: &str) -> Result<Entity, ApiError> {
    let listed = || Entity::LAYERS.into_iter().filter(|e| e.has_geometry());
    listed()
        .find(|e| e.url() == layer)
        .ok_or_else(|| ApiError::NoMatch {
            field: "layer".into(),
            message: format!(
                "no layer {layer:?}; the layers are {}",
                listed().map(Entity::url).collect::<Vec<_>>().join(", ")
            ),
        })
}

/// The `at` parameter: a moment in RFC 3339, with its offset.
///
/// # Errors
/// 400 naming `at` when it is not one.
pub(crate) fn at_param<K>(params: &Params<K>) -> Result<Option<DateTime<Utc>>, ApiError> {
    params
        .get("at")
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::bad_parameter(
                        "at",
                        "at must be a date and time with its offset, e.g. 2021-09-20T00:00:00+07:00",
                    )
                })
        })
        .transpose()
}

/// Reads a listing's parameters; 400 naming the one at fault.
///
/// # Errors
/// A parameter is malformed, out of range or names no unit of its level.
pub(crate) fn feature_query<K>(
    entity: Entity,
    params: &Params<K>,
    snapshot: &covidmap_lookup::Snapshot,
) -> Result<FeatureQuery, ApiError> {
    let at = at_param(params)?;
    let in_force = params.bool("in_force")?;
    let mut within_unit = None;
    for (name, level) in [
        ("district", Level::District),
        ("commune", Level::Commune),
        ("hamlet", Level::Hamlet),
    ] {
        if let Some(code) = params.get(name) {
            if within_unit.is_some() {
                return Err(ApiError::bad_parameter(
                    name,
                    "give one of district, commune or hamlet",
                ));
            }
            if snapshot.unit(code).is_none_or(|u| u.level != level) {
                return Err(ApiError::bad_parameter(
                    name,
                    format!(
                        "no current {level} has the code {code:?}; /api/v1/search?q= finds codes"
                    ),
                ));
            }
            within_unit = Some(code.clone());
        }
    }
    let bbox = params.get("bbox").map(|b| parse_bbox(b)).transpose()?;
    Ok(FeatureQuery {
        entity,
        at,
        in_force,
        within_unit,
        bbox,
        id: None,
        limit: params.int("limit", DEFAULT_LIMIT, 1..=MAX_LIMIT)?,
        offset: params.int("offset", 0, 0..=10_000_000)?,
    })
}

pub(crate) fn parse_bbox(text: &str) -> Result<[f64; 4], ApiError> {
    let parts: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>().map_err(|_| bad_bbox()))
        .collect::<Result<_, _>>()?;
    match parts.as_slice() {
        [a, b, c, d] => check_bbox([*a, *b, *c, *d]),
        _ => Err(bad_bbox()),
    }
}

/// A box of degrees as a request gives it, checked: in range, west before east, south
/// before north.
pub(crate) fn check_bbox(b: [f64; 4]) -> Result<[f64; 4], ApiError> {
    let [a, b2, c, d] = b;
    let ok = [a, c].iter().all(|x| (-180.0..=180.0).contains(x))
        && [b2, d].iter().all(|y| (-90.0..=90.0).contains(y))
        && a < c
        && b2 < d;
    if ok {
        Ok(b)
    } else {
        Err(bad_bbox())
    }
}

fn bad_bbox() -> ApiError {
    ApiError::bad_parameter(
        "bbox",
        "bbox must be min_lon,min_lat,max_lon,max_lat in degrees, e.g. 105.6,18.6,105.8,18.8",
    )
}

/// One page of a layer, public.
#[utoipa::path(get, path = "/api/v1/layers/{layer}", tag = "layers", operation_id = "list_layer",
    params(("layer" = String, Path, description = "zones, lockdown-points, checkpoints, quarantine-camps, testing-sites or essential-services"),
           ("at" = Option<String>, Query, description = "as the layer stood at this moment (RFC 3339)"),
           ("in_force" = Option<bool>, Query, description = "only (or no) declarations in force / facilities open"),
           ("district" = Option<String>, Query, description = "only features meeting this district"),
           ("commune" = Option<String>, Query, description = "only features meeting this commune"),
           ("hamlet" = Option<String>, Query, description = "only features meeting this hamlet"),
           ("bbox" = Option<String>, Query, description = "min_lon,min_lat,max_lon,max_lat"),
           ("limit" = Option<i64>, Query, description = "page size, 1–1000 (100)"),
           ("offset" = Option<i64>, Query, description = "features skipped")),
    responses((status = 200, description = "GeoJSON FeatureCollection with numberMatched, numberReturned and a next link", content_type = "application/geo+json"),
              (status = 400, description = "A parameter is wrong", body = crate::error::ErrorAnswer), (status = 404, description = "No such layer", body = crate::error::ErrorAnswer)))]
pub(crate) async fn list<B: Backend>(
    State(backend): State<Arc<B>>,
    Path(layer): Path<String>,
    params: Params<ListQuery>,
) -> Result<Response, ApiError> {
    let entity = listed(&layer)?;
    let q = feature_query(entity, &params, &backend.snapshot())?;
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let page = store.features(&q).await?;
    let returned = i64::try_from(page.features.len()).unwrap_or(i64::MAX);
    let next = (q.offset + returned < page.matched).then(|| {
        let mut next = params.map().clone();
        next.insert("offset".into(), (q.offset + returned).to_string());
        let query: Vec<String> = next
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        // Relative to the request (RFC 8288 allows a URI reference): a Host header, which
        // anyone can set, never makes the link point elsewhere.
        format!("/api/v1/layers/{layer}?{}", query.join("&"))
    });
    let links = next.map_or_else(String::new, |href| {
        format!(
            r#","links":[{{"rel":"next","type":"application/geo+json","href":{}}}]"#,
            serde_json::Value::String(href)
        )
    });
    let body = format!(
        r#"{{"type":"FeatureCollection","numberMatched":{},"numberReturned":{returned}{links},"features":[{}]}}"#,
        page.matched,
        page.features.join(",")
    );
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

/// One feature of a layer as it stands now, or as it stood `at` a moment: what an editor
/// starts from when changing it.
#[utoipa::path(get, path = "/api/v1/layers/{layer}/{id}", tag = "layers", operation_id = "layer_feature",
    params(("layer" = String, Path, description = "zones, lockdown-points, checkpoints, quarantine-camps, testing-sites or essential-services"),
           ("id" = String, Path, description = "the feature's id"),
           ("at" = Option<String>, Query, description = "as it stood at this moment (RFC 3339)")),
    responses((status = 200, description = "A GeoJSON Feature, its geometry unsimplified", content_type = "application/geo+json"),
              (status = 400, description = "A parameter is wrong", body = crate::error::ErrorAnswer),
              (status = 404, description = "No such layer, or no such feature in it then", body = crate::error::ErrorAnswer)))]
pub(crate) async fn one<B: Backend>(
    State(backend): State<Arc<B>>,
    Path((layer, id)): Path<(String, String)>,
    params: Params<OneQuery>,
) -> Result<Response, ApiError> {
    let entity = listed(&layer)?;
    let mut q = feature_query(entity, &params, &backend.snapshot())?;
    q.id = Some(id.clone());
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let page = store.features(&q).await?;
    let feature = page
        .features
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::NoMatch {
            field: "id".into(),
            message: match q.at {
                Some(at) => format!("{layer} had no feature {id:?} at {at}"),
                None => {
                    format!("{layer} has no feature {id:?} now; /api/v1/layers/{layer} lists them")
                }
            },
        })?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], feature).into_response())
}

/// Percent-encodes a query value (everything but unreserved characters).
fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params<ListQuery> {
        Params::of(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn bad_parameters_are_named() {
        let snapshot = covidmap_lookup::Snapshot::new(vec![]);
        for (pairs, field) in [
            (vec![("at", "yesterday")], "at"),
            (vec![("in_force", "yes")], "in_force"),
            (vec![("district", "999")], "district"),
            (vec![("bbox", "105,18,104,19")], "bbox"),
            (vec![("bbox", "1,2,3")], "bbox"),
            (vec![("limit", "0")], "limit"),
            (vec![("limit", "5000")], "limit"),
            (vec![("offset", "-1")], "offset"),
        ] {
            let e = feature_query(Entity::Checkpoints, &params(&pairs), &snapshot).unwrap_err();
            assert!(
                matches!(&e, ApiError::BadParameter { field: f, .. } if f == field),
                "{pairs:?}: {e:?}"
            );
        }
        let q = feature_query(
            Entity::Checkpoints,
            &params(&[("bbox", "105.6,18.6,105.8,18.8")]),
            &snapshot,
        )
        .unwrap();
        assert_eq!(
            (q.limit, q.offset, q.bbox),
            (DEFAULT_LIMIT, 0, Some([105.6, 18.6, 105.8, 18.8]))
        );
        assert_eq!(
            urlencode("2021-09-20T00:00:00+07:00"),
            "2021-09-20T00%3A00%3A00%2B07%3A00"
        );
    }
}
