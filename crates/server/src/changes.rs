//! `GET /api/v1/changes`: the change log, as pages of JSON (`?since=ID`) or, asked with
//! `Accept: text/event-stream`, as a stream of CloudEvents that resumes from `Last-Event-ID`
//! (or `since`) without a loss or a duplicate. Both filter by collection and by bbox. The
//! pages' own change stream is one consumer: each event says which collection changed and
//! where, so a page fetches again only what it shows there.

use crate::backend::Backend;
use crate::error::ApiError;
use crate::extract::{base_url, known, Params};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use covidmap_core::change_log::LoggedChange;
use covidmap_live::DataChange;
use covidmap_ogc::events::{cloud_event, topic, topics, ChangeFilter};
use covidmap_store::FeatureChange;
use serde_json::json;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

known!(ChangesQuery: "since", "limit", "collections", "bbox", "data");

/// Changes in a JSON page, by default and at most.
const DEFAULT_PAGE: i64 = 100;
const MAX_PAGE: i64 = 1_000;

/// Changes read at once while a page or a stream is filled.
const READ: u32 = 500;

/// The log's route, with at most `max_streams` streams open at once.
pub fn routes<B: Backend>(max_streams: u32) -> Router<Arc<B>> {
    let permits = Semaphore::new(usize::try_from(max_streams).unwrap_or(usize::MAX));
    Router::new()
        .route("/api/v1/changes", get(changes::<B>))
        .route("/api/v1/asyncapi.json", get(asyncapi))
        .layer(Extension(StreamPermits(Arc::new(permits))))
}

/// The AsyncAPI 3.0 document of the change stream.
#[utoipa::path(get, path = "/api/v1/asyncapi.json", tag = "lookups", operation_id = "asyncapi",
    responses((status = 200, description = "AsyncAPI 3.0: the change stream's channel and its CloudEvents", content_type = "application/vnd.aai.asyncapi+json;version=3.0.0")))]
pub(crate) async fn asyncapi(headers: HeaderMap) -> Response {
    (
        [(header::CONTENT_TYPE, covidmap_ogc::asyncapi::ASYNCAPI_TYPE)],
        covidmap_ogc::asyncapi::document(&base_url(&headers)).to_string(),
    )
        .into_response()
}

/// One permit per open stream: each holds a connection and a task for as long as its client
/// stays, so they are capped apart from the connections.
#[derive(Clone)]
pub(crate) struct StreamPermits(Arc<Semaphore>);

/// Which changes a client wants: `collections` and `bbox`, checked.
fn wanted(params: &Params<ChangesQuery>) -> Result<ChangeFilter, ApiError> {
    let known = topics();
    let topics = params
        .get("collections")
        .map(|list| {
            list.split(',')
                .map(|name| {
                    known
                        .iter()
                        .find(|t| **t == name.trim())
                        .map(|t| (*t).to_owned())
                        .ok_or_else(|| {
                            ApiError::bad_parameter(
                                "collections",
                                format!(
                                    "collections: no collection {name:?}; use a comma-separated list of {}",
                                    known.join(", ")
                                ),
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let bbox = params
        .get("bbox")
        .map(|b| crate::reads::parse_bbox(b))
        .transpose()?;
    Ok(ChangeFilter { topics, bbox })
}

/// What a client that asked for changes no longer kept is told.
fn gone(trimmed_through: i64) -> String {
    format!("changes up to {trimmed_through} are no longer kept (the log's retention); reload the data, then follow from since={trimmed_through}")
}

/// The id to go on from: `Last-Event-ID` (a stream reconnecting), else `since`; refused when
/// retention has dropped changes after it.
async fn start<B: Backend>(
    backend: &B,
    params: &Params<ChangesQuery>,
    headers: &HeaderMap,
) -> Result<Option<i64>, ApiError> {
    let resumed = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|id| *id >= 0)
                .ok_or_else(|| {
                    ApiError::bad_parameter(
                        "Last-Event-ID",
                        "Last-Event-ID must be the id of an event this stream sent (a whole number)",
                    )
                })
        })
        .transpose()?;
    let since = match resumed {
        Some(id) => Some(id),
        None if params.get("since").is_some() => Some(params.int("since", 0, 0..=i64::MAX)?),
        None => None,
    };
    if let Some(since) = since {
        let bounds = backend.change_log_bounds().await?;
        if since < bounds.trimmed_through {
            return Err(ApiError::Gone {
                field: if resumed.is_some() {
                    "Last-Event-ID"
                } else {
                    "since"
                }
                .to_owned(),
                message: gone(bounds.trimmed_through),
            });
        }
    }
    Ok(since)
}

/// The change log: a JSON page, or a stream of CloudEvents.
#[utoipa::path(get, path = "/api/v1/changes", tag = "lookups", operation_id = "changes",
    params(("since" = Option<i64>, Query, description = "changes after this id (the stream: also Last-Event-ID); a page without it starts at the beginning, a stream at the latest change"),
           ("limit" = Option<i64>, Query, description = "changes in a page, 1–1000 (default 100)"),
           ("collections" = Option<String>, Query, description = "only these collections, comma-separated (the OGC collection ids, and province, returning-workers, support-policies, unit-changes)"),
           ("bbox" = Option<String>, Query, description = "only changes touching min_lon,min_lat,max_lon,max_lat"),
           ("data" = Option<bool>, Query, description = "the stream: false sends each event with the feature's id only (the pages, which fetch tiles)")),
    responses((status = 200, description = "A page of changes (JSON), or with `Accept: text/event-stream` Server-Sent Events: `ready` once, then one CloudEvent 1.0 (structured JSON) per change, its id the change's"),
              (status = 400, description = "A bad parameter", body = crate::error::ErrorAnswer),
              (status = 410, description = "The changes after `since` are no longer kept", body = crate::error::ErrorAnswer),
              (status = 503, description = "No database behind the server, or as many streams open as the server keeps", body = crate::error::ErrorAnswer)))]
pub(crate) async fn changes<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(permits): Extension<StreamPermits>,
    params: Params<ChangesQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let wanted = wanted(&params)?;
    let since = start(&*backend, &params, &headers).await?;
    let streamed = headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/event-stream"));
    if streamed {
        if params.get("limit").is_some() {
            return Err(ApiError::bad_parameter(
                "limit",
                "limit is for pages; a stream sends every change",
            ));
        }
        let data = params.bool("data")?.unwrap_or(true);
        stream(backend, &permits, since, wanted, (base_url(&headers), data))
    } else {
        let limit = params.int("limit", DEFAULT_PAGE, 1..=MAX_PAGE)?;
        page(&*backend, since.unwrap_or(0), limit, &wanted).await
    }
}

/// A change as a page lists it (the feature is in the stream's events and at its
/// collection).
fn entry(change: &LoggedChange) -> serde_json::Value {
    json!({
        "id": change.id,
        "at": change.at,
        "collection": topic(change.entity, change.level),
        "feature_id": change.feature_id,
        "operation": change.operation,
        "org_id": change.org_id,
        "version_before": change.version_before,
        "version_after": change.version_after,
        "bbox": change.extent,
    })
}

/// A page of the log as the database holds it: every change committed, whether or not this
/// node has applied it yet.
async fn page<B: Backend>(
    backend: &B,
    since: i64,
    limit: i64,
    wanted: &ChangeFilter,
) -> Result<Response, ApiError> {
    let store = backend.store().ok_or(ApiError::ReadOnly)?;
    let limit = usize::try_from(limit).unwrap_or(MAX_PAGE as usize);
    let through = backend.changes().map_or(0, |c| c.borrow().through);
    let mut listed = Vec::new();
    let mut after = since;
    // Reads on until the page is full or the log is read through, at most so much of it per
    // request; `next` goes on from the last change read, listed or not.
    for _ in 0..20 {
        let read = store.changes_after(after, READ).await?;
        for c in &read {
            if listed.len() == limit {
                break;
            }
            if wanted.takes(c) {
                listed.push(entry(c));
            }
            after = c.id;
        }
        if listed.len() == limit || read.len() < READ as usize {
            break;
        }
    }
    Ok(Json(json!({
        "changes": listed,
        "since": since,
        "next": after,
        "applied_through": through,
    }))
    .into_response())
}

/// What a stream holds between events.
struct Following<B> {
    backend: Arc<B>,
    changes: watch::Receiver<DataChange>,
    after: i64,
    ready: Option<DataChange>,
    pending: VecDeque<Arc<FeatureChange>>,
    wanted: ChangeFilter,
    base: String,
    /// Whether events carry the feature (else its id).
    data: bool,
    /// Told that it fell behind the log's retention: nothing more follows.
    ended: bool,
    _open: OpenStream,
}

fn stream<B: Backend>(
    backend: Arc<B>,
    permits: &StreamPermits,
    since: Option<i64>,
    wanted: ChangeFilter,
    (base, data): (String, bool),
) -> Result<Response, ApiError> {
    let mut changes = backend.changes().ok_or(ApiError::ReadOnly)?;
    if changes.borrow().closing {
        return Err(ApiError::Busy(
            "the server is stopping; connect again in a few seconds".to_owned(),
        ));
    }
    let permit = Arc::clone(&permits.0).try_acquire_owned().map_err(|_| {
        ApiError::Busy(
            "the server has as many open change streams as it keeps; retry in a few seconds, or reload the page's data by hand".to_owned(),
        )
    })?;
    let now = *changes.borrow_and_update();
    let following = Following {
        backend,
        changes,
        after: since.unwrap_or(now.through),
        ready: Some(now),
        pending: VecDeque::new(),
        wanted,
        base,
        data,
        ended: false,
        _open: OpenStream::new(permit),
    };
    let events = futures_util::stream::unfold(following, |mut f| async move {
        let event = f.next().await?;
        Some((Ok::<_, Infallible>(event), f))
    });
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
}

impl<B: Backend> Following<B> {
    /// The next event; `None` when the server is stopping.
    async fn next(&mut self) -> Option<Event> {
        if let Some(now) = self.ready.take() {
            // Where the stream starts and how current the node is. Not a change, but its id
            // is the stream's position: a client that loses the connection before the first
            // change resumes from here, not from whatever is latest when it comes back.
            let ready = json!({"through": now.through, "since": self.after, "data_changed_at": now.data_changed_at});
            return Some(
                Event::default()
                    .event("ready")
                    .id(self.after.to_string())
                    .data(ready.to_string()),
            );
        }
        loop {
            if self.ended || self.changes.borrow().closing {
                return None;
            }
            while let Some(c) = self.pending.pop_front() {
                self.after = c.change.id;
                if self.wanted.takes(&c.change) {
                    let feature = c.feature.as_deref().filter(|_| self.data);
                    let event = cloud_event(&c.change, feature, &self.base);
                    return Some(Event::default().id(c.change.id.to_string()).data(event));
                }
            }
            match self.backend.changes_after(self.after, READ as usize).await {
                Ok(read) if !read.is_empty() => self.pending.extend(read),
                Ok(_) => {
                    self.changes.changed().await.ok()?;
                }
                Err(covidmap_store::StoreError::Trimmed { through }) => {
                    // Fell behind the log's retention: say so, and end; the client reloads.
                    let gone = json!({"error": {"code": "gone", "field": "Last-Event-ID", "message": gone(through)}});
                    self.ended = true;
                    return Some(Event::default().event("gone").data(gone.to_string()));
                }
                Err(e) => {
                    // The database is away and the changes asked for are older than those
                    // kept in memory: wait and read again; the stream stays where it was.
                    tracing::warn!(error = %e, "change stream waiting for the database");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// Counts a stream as open, and holds its permit, from its start until it is dropped (ended
/// or its client gone).
struct OpenStream {
    _permit: OwnedSemaphorePermit,
}

impl OpenStream {
    fn new(permit: OwnedSemaphorePermit) -> Self {
        metrics::gauge!("covidmap_open_change_streams").increment(1.0);
        OpenStream { _permit: permit }
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("covidmap_open_change_streams").decrement(1.0);
    }
}
