//! OGC API – Features under `/ogc`: thin handlers over `covidmap-ogc` (what the standard says)
//! and the store (what the database holds). Items are written as PostGIS encodes them, so a
//! page of 10 000 hamlets never sits whole in memory; the counts and links, known only once
//! the last feature is read, come after the features (JSON members have no order).

mod edits;

use crate::backend::Backend;
use crate::error::ApiError;
use crate::router::Settings;
use crate::validators::Validators;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use covidmap_ogc::documents::{self, Links, GEOJSON};
use covidmap_ogc::{Collection, ItemsQuery, OgcError, Service, Vn2000Zone, COLLECTIONS};
use covidmap_store::{OgcFeature, Store, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::mpsc;

type Params = Query<BTreeMap<String, String>>;

/// The routes under `/ogc`.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .route("/ogc", get(landing::<B>))
        .route("/ogc/", get(landing::<B>))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/api", get(openapi::<B>))
        .route("/ogc/api.html", get(api_page))
        .route("/ogc/collections", get(collections::<B>))
        .route("/ogc/collections/{collection}", get(collection::<B>))
        .route(
            "/ogc/collections/{collection}/items",
            get(items::<B>)
                .post(edits::create::<B>)
                .options(edits::items_options),
        )
        .route(
            "/ogc/collections/{collection}/items/{feature}",
            get(item::<B>)
                .put(edits::replace::<B>)
                .patch(edits::update::<B>)
                .delete(edits::remove::<B>)
                .options(edits::item_options),
        )
        // A figure's id is `<commune>/<day>`: clients that put it in the path unencoded ask
        // for two segments.
        .route(
            "/ogc/collections/{collection}/items/{feature}/{day}",
            get(two_part_item::<B>),
        )
        .route("/ogc/collections/{collection}/queryables", get(queryables))
        .route("/ogc/collections/{collection}/sortables", get(sortables))
}

impl From<OgcError> for ApiError {
    fn from(e: OgcError) -> Self {
        match e {
            OgcError::NoCollection { .. } => ApiError::NoMatch {
                field: e.parameter().to_owned(),
                message: e.to_string(),
            },
            OgcError::BadParameter { parameter, message } => {
                ApiError::bad_parameter(parameter, message)
            }
        }
    }
}

/// The landing page's absolute URL.
fn links(headers: &HeaderMap) -> Links {
    Links {
        base: format!("{}/ogc", crate::extract::base_url(headers)),
    }
}

fn service<B: Backend>(backend: &B, settings: &Settings) -> Service {
    let longitude = backend.snapshot().region().center().map_or(104.9, |c| c[0]);
    Service {
        zone: Vn2000Zone::nearest(longitude),
        utc_offset: settings.utc_offset,
    }
}

/// Only `f=json` is offered on the documents; anything else is named.
fn documents_only(params: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if let Some(name) = params.keys().find(|k| k.as_str() != "f") {
        return Err(ApiError::bad_parameter(
            name.clone(),
            format!("unknown parameter {name:?}; this document takes only f=json"),
        ));
    }
    match params.get("f").map(String::as_str) {
        None | Some("json") => Ok(()),
        Some(other) => Err(ApiError::bad_parameter(
            "f",
            format!("f={other:?}: this document is served as JSON only (f=json)"),
        )),
    }
}

fn store<B: Backend>(backend: &B) -> Result<&Store, ApiError> {
    backend.store().ok_or(ApiError::ReadOnly)
}

async fn landing<B: Backend>(
    State(backend): State<Arc<B>>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Json<Value>, ApiError> {
    documents_only(&params)?;
    let title = format!(
        "covidmap — {}",
        backend.snapshot().region().name_or_default()
    );
    Ok(Json(documents::landing(&links(&headers), &title)))
}

async fn conformance(Query(params): Params) -> Result<Json<Value>, ApiError> {
    documents_only(&params)?;
    Ok(Json(documents::conformance()))
}

async fn openapi<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, ApiError> {
    documents_only(&params)?;
    let doc = covidmap_ogc::openapi::document(&links(&headers), &service(&*backend, &settings));
    Ok((
        [(header::CONTENT_TYPE, covidmap_ogc::openapi::MEDIA_TYPE)],
        doc.to_string(),
    )
        .into_response())
}

async fn api_page(headers: HeaderMap) -> Response {
    let links = links(&headers);
    let rows: String = COLLECTIONS
        .iter()
        .map(|c| {
            format!(
                "<li><a href=\"{0}/collections/{1}/items\">{1}</a> — {2}: {3}</li>",
                links.base,
                c.id,
                html(c.title),
                html(c.description)
            )
        })
        .collect();
    let page = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>covidmap OGC API – Features</title>\
         <h1>OGC API – Features</h1><p>The definition: <a href=\"{0}/api\">{0}/api</a> (OpenAPI 3.0). \
         Conformance: <a href=\"{0}/conformance\">{0}/conformance</a>. Every items request takes bbox, bbox-crs, crs, \
         datetime (an instant or an interval: the features as they stood then), limit, offset, filter (CQL2 text or JSON), \
         filter-lang, filter-crs, sortby, properties and property=value.</p><ul>{rows}</ul></html>",
        links.base
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn collections<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Json<Value>, ApiError> {
    documents_only(&params)?;
    let extents = store(&*backend)?.ogc_extents(COLLECTIONS).await?;
    Ok(Json(documents::collections(
        &links(&headers),
        &service(&*backend, &settings),
        &extents,
    )))
}

async fn collection<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Json<Value>, ApiError> {
    let c = covidmap_ogc::collection(&id)?;
    documents_only(&params)?;
    let extent = store(&*backend)?
        .ogc_extents(std::slice::from_ref(c))
        .await?;
    let extent = extent.first().copied().unwrap_or_default();
    Ok(Json(documents::collection(
        &links(&headers),
        &service(&*backend, &settings),
        c,
        &extent,
    )))
}

async fn queryables(
    id: Path<String>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    schema(id, &headers, params, documents::queryables)
}

async fn sortables(
    id: Path<String>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    schema(id, &headers, params, documents::sortables)
}

/// A collection's JSON Schema document (its queryables or its sortables).
fn schema(
    Path(id): Path<String>,
    headers: &HeaderMap,
    Query(params): Params,
    document: fn(&Links, &Collection) -> Value,
) -> Result<Response, ApiError> {
    let c = covidmap_ogc::collection(&id)?;
    documents_only(&params)?;
    Ok((
        [(header::CONTENT_TYPE, "application/schema+json")],
        document(&links(headers), c).to_string(),
    )
        .into_response())
}
/// A database error of a query the request shaped (a division by zero, a ring that does not
/// close): the request's fault, named; anything else is the database's.
fn query_error(e: StoreError) -> ApiError {
    match e.refused_query() {
        Some(reason) => ApiError::bad_parameter(
            "filter",
            format!("the filter cannot be evaluated: {reason}"),
        ),
        None => e.into(),
    }
}

/// The first feature, or why there is none, before the answer's status is decided.
async fn first(
    rx: &mut mpsc::Receiver<Result<OgcFeature, StoreError>>,
) -> Result<Option<OgcFeature>, ApiError> {
    rx.recv().await.transpose().map_err(query_error)
}

async fn items<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let c = covidmap_ogc::collection(&id)?;
    let query = ItemsQuery::read(c, &params, &service(&*backend, &settings))?;
    let store = store(&*backend)?.clone();
    let links = links(&headers);
    let validators = validators(&store, c, &links, &params, None).await?;
    if validators.still_current(&headers) {
        return Ok(validators.not_modified());
    }
    let mut rx = store.ogc_features(&query);
    let head = first(&mut rx).await?;
    let page = Page {
        query,
        params,
        links,
        collection: c,
    };
    // Every row carries the count of all matches; an empty page asks for it.
    let matched = match &head {
        Some(f) => f.matched,
        None if page.query.offset == 0 => 0,
        None => store.ogc_count(&page.query).await.map_err(query_error)?,
    };
    let content_crs = format!("<{}>", page.query.crs.uri());
    let link_header = page.link_header(matched);
    let body = Body::from_stream(stream(head, rx, page, matched));
    let mut response = ([(header::CONTENT_TYPE, GEOJSON)], body).into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_crs) {
        h.insert("content-crs", v);
    }
    if let Ok(v) = HeaderValue::from_str(&link_header) {
        h.insert(header::LINK, v);
    }
    validators.apply(&mut response);
    Ok(response)
}

/// The validators of an answer about collection `c`: its tag covers the collection's state
/// (read before its features, so that a tag is never newer than what it tags), what was asked
/// and the links' base; the date is the collection's last change.
async fn validators(
    store: &Store,
    c: &Collection,
    links: &Links,
    params: &BTreeMap<String, String>,
    feature: Option<&str>,
) -> Result<Validators, ApiError> {
    use sha2::{Digest as _, Sha256};
    let mark = store.ogc_mark(c).await?;
    let mut hash = Sha256::new();
    let changed = mark
        .changed
        .map(|t| t.timestamp_micros())
        .unwrap_or_default();
    hash.update(format!(
        "{}\n{}\n{changed}\n{}\n",
        c.id, links.base, mark.versions
    ));
    hash.update(feature.unwrap_or_default());
    for (k, v) in params {
        hash.update(format!("\n{k}={v}"));
    }
    let digest = hash.finalize();
    let tag: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    Ok(Validators {
        // Weak: the same features gzipped or not, and JSON whose spacing may change.
        etag: format!("W/\"{tag}\""),
        last_modified: mark.changed,
    })
}

/// What the end of a page needs: its query and how to link to its neighbours.
struct Page {
    query: ItemsQuery,
    params: BTreeMap<String, String>,
    links: Links,
    collection: &'static Collection,
}

impl Page {
    fn link(&self, offset: Option<u32>, rel: &str) -> Value {
        let mut params = self.params.clone();
        if let Some(offset) = offset {
            params.insert("offset".into(), offset.to_string());
        }
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let mut href = self
            .links
            .at(&format!("/collections/{}/items", self.collection.id));
        if !query.is_empty() {
            href = format!("{href}?{}", query.join("&"));
        }
        json!({"href": href, "rel": rel, "type": GEOJSON})
    }

    /// The page's links: itself, its neighbours when there are, and its collection. The page
    /// holds `limit` features from `offset`, or what is left of the `matched`.
    fn links(&self, matched: i64) -> Vec<Value> {
        let q = &self.query;
        let mut links = vec![self.link(None, "self")];
        let next = i64::from(q.offset) + i64::from(q.limit);
        if next < matched {
            links.push(self.link(u32::try_from(next).ok(), "next"));
        }
        if q.offset > 0 {
            links.push(self.link(Some(q.offset.saturating_sub(q.limit)), "prev"));
        }
        links.push(json!({"href": self.links.at(&format!("/collections/{}", self.collection.id)), "rel": "collection", "type": "application/json"}));
        links
    }

    /// The same links as an HTTP `Link` header (RFC 8288), for clients that page by it.
    fn link_header(&self, matched: i64) -> String {
        self.links(matched)
            .iter()
            .map(|l| {
                format!(
                    "<{}>; rel=\"{}\"; type=\"{}\"",
                    str_of(&l["href"]),
                    str_of(&l["rel"]),
                    str_of(&l["type"])
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn tail(&self, matched: i64, returned: u32) -> String {
        let links = self.links(matched);
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        format!(
            r#"],"numberMatched":{matched},"numberReturned":{returned},"timeStamp":"{time}","links":{}}}"#,
            Value::Array(links)
        )
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Everything but RFC 3986's unreserved characters is percent-encoded in a query part.
const QUERY_PART: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, QUERY_PART).to_string()
}

/// Chunks of about this many bytes are sent at a time.
const CHUNK: usize = 64 * 1024;

/// The page as chunks: the head, the features as they arrive (gathered into chunks), then
/// the counts and links. A task writes them; the body reads them as they come.
fn stream(
    head: Option<OgcFeature>,
    mut rx: mpsc::Receiver<Result<OgcFeature, StoreError>>,
    page: Page,
    matched: i64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, mut chunks) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    tokio::spawn(async move {
        let mut returned: u32 = 0;
        let mut chunk = Vec::with_capacity(CHUNK);
        chunk.extend_from_slice(br#"{"type":"FeatureCollection","features":["#);
        let mut next = head.map(Ok);
        loop {
            let feature = match next.take() {
                Some(f) => Some(f),
                None => rx.recv().await,
            };
            match feature {
                Some(Ok(f)) => {
                    if returned > 0 {
                        chunk.push(b',');
                    }
                    chunk.extend_from_slice(f.feature.as_bytes());
                    returned += 1;
                    if chunk.len() >= CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                        if tx.send(Ok(Bytes::from(full))).await.is_err() {
                            return;
                        }
                    }
                }
                // Headers are sent: a failure now can only cut the answer short, which a
                // client sees as unreadable JSON rather than as a page that looks whole.
                Some(Err(e)) => {
                    tracing::error!(error = %e, "OGC items failed while streaming");
                    let _ = tx.send(Err(std::io::Error::other(e.to_string()))).await;
                    return;
                }
                None => break,
            }
        }
        chunk.extend_from_slice(page.tail(matched, returned).as_bytes());
        let _ = tx.send(Ok(Bytes::from(chunk))).await;
    });
    futures_util::stream::poll_fn(move |cx| chunks.poll_recv(cx))
}

async fn two_part_item<B: Backend>(
    backend: State<Arc<B>>,
    settings: Extension<Settings>,
    Path((id, feature, day)): Path<(String, String, String)>,
    headers: HeaderMap,
    params: Params,
) -> Result<Response, ApiError> {
    item(
        backend,
        settings,
        Path((id, format!("{feature}/{day}"))),
        headers,
        params,
    )
    .await
}

async fn item<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(settings): Extension<Settings>,
    Path((id, feature)): Path<(String, String)>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let c = covidmap_ogc::collection(&id)?;
    let query = ItemsQuery::read_one(c, &feature, &params, &service(&*backend, &settings))?;
    let store = store(&*backend)?;
    let links = links(&headers);
    let validators = validators(store, c, &links, &params, Some(&feature)).await?;
    // A feature of its own geometry is tagged by its version (what `If-Match` names); one
    // drawn with a commune's outline, also by what the outline's collection is.
    let own_geometry = c.outline_of.is_none();
    if !own_geometry && validators.still_current(&headers) {
        return Ok(validators.not_modified());
    }
    let mut rx = store.ogc_features(&query);
    let found = first(&mut rx).await?.ok_or_else(|| ApiError::NoMatch {
        field: "featureId".into(),
        message: format!(
            "{id} has no feature {feature:?} {}",
            if params.contains_key("datetime") {
                "at that datetime"
            } else {
                "now; /items lists them"
            }
        ),
    })?;
    let validators = if own_geometry {
        Validators {
            etag: crate::validators::version_tag(found.version_id),
            ..validators
        }
    } else {
        validators
    };
    if validators.still_current(&headers) {
        return Ok(validators.not_modified());
    }
    let mut doc: Value =
        serde_json::from_str(&found.feature).map_err(|e| ApiError::Internal(Box::new(e)))?;
    doc["links"] = json!([
        {"href": links.at(&format!("/collections/{id}/items/{}", encode(&feature))), "rel": "self", "type": GEOJSON},
        {"href": links.at(&format!("/collections/{id}")), "rel": "collection", "type": "application/json"},
    ]);
    let mut response = ([(header::CONTENT_TYPE, GEOJSON)], doc.to_string()).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>", query.crs.uri())) {
        response.headers_mut().insert("content-crs", v);
    }
    validators.apply(&mut response);
    Ok(response)
}
