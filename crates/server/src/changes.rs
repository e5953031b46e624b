//! `GET /api/v1/changes`: Server-Sent Events telling open pages that new data is published
//! (an edit by any agency, a boundary upload), so they fetch their tiles again at once
//! instead of asking every minute.

use crate::backend::Backend;
use crate::error::ApiError;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;
use covidmap_live::DataChange;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The stream's route, with at most `max_streams` open at once.
pub fn routes<B: Backend>(max_streams: u32) -> Router<Arc<B>> {
    let permits = Semaphore::new(usize::try_from(max_streams).unwrap_or(usize::MAX));
    Router::new()
        .route("/api/v1/changes", get(stream::<B>))
        .layer(Extension(StreamPermits(Arc::new(permits))))
}

/// One permit per open stream: each holds a connection and a task for as long as its page
/// is open, so they are capped apart from the connections.
#[derive(Clone)]
pub(crate) struct StreamPermits(Arc<Semaphore>);

/// One `change` event at once (the data as it is), then one each time new data is
/// published, until the server stops.
#[utoipa::path(get, path = "/api/v1/changes", tag = "lookups", operation_id = "change_stream",
    responses((status = 200, description = "Server-Sent Events: `change` with data_changed_at and boundaries", content_type = "text/event-stream"),
              (status = 503, description = "No database behind the server, or as many streams open as the server keeps", body = crate::error::ErrorAnswer)))]
pub(crate) async fn stream<B: Backend>(
    State(backend): State<Arc<B>>,
    Extension(permits): Extension<StreamPermits>,
) -> Result<Response, ApiError> {
    let mut changes = backend.changes().ok_or(ApiError::ReadOnly)?;
    let permit = Arc::clone(&permits.0).try_acquire_owned().map_err(|_| {
        ApiError::Busy(
            "the server has as many open change streams as it keeps; retry in a few seconds, or reload the page's data by hand".to_owned(),
        )
    })?;
    let now = *changes.borrow_and_update();
    let open = OpenStream::new(permit);
    let events = futures_util::stream::unfold(
        (changes, Some(now), open),
        |(mut changes, pending, open)| async move {
            let change: DataChange = match pending {
                Some(change) => change,
                None => {
                    changes.changed().await.ok()?;
                    *changes.borrow_and_update()
                }
            };
            if change.closing {
                return None;
            }
            let event = Event::default().event("change").json_data(change).ok()?;
            Some((Ok::<_, Infallible>(event), (changes, None, open)))
        },
    );
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response())
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
