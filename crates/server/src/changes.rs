//! `GET /api/v1/changes`: Server-Sent Events telling open pages that new data is published
//! (an edit by any agency, a boundary upload), so they fetch their tiles again at once
//! instead of asking every minute.

use crate::backend::Backend;
use crate::error::ApiError;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use covidmap_live::DataChange;
use std::convert::Infallible;
use std::sync::Arc;

/// The stream's route.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new().route("/api/v1/changes", get(stream::<B>))
}

/// One `change` event at once (the data as it is), then one each time new data is
/// published, until the server stops.
#[utoipa::path(get, path = "/api/v1/changes", tag = "lookups", operation_id = "change_stream",
    responses((status = 200, description = "Server-Sent Events: `change` with data_changed_at and boundaries", content_type = "text/event-stream"),
              (status = 503, description = "No database behind the server", body = crate::error::ErrorAnswer)))]
pub(crate) async fn stream<B: Backend>(
    State(backend): State<Arc<B>>,
) -> Result<Response, ApiError> {
    let mut changes = backend.changes().ok_or(ApiError::ReadOnly)?;
    let now = *changes.borrow_and_update();
    let open = OpenStream::new();
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

/// Counts a stream as open from its start until it is dropped (ended or its client gone).
struct OpenStream;

impl OpenStream {
    fn new() -> Self {
        metrics::gauge!("covidmap_open_change_streams").increment(1.0);
        OpenStream
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("covidmap_open_change_streams").decrement(1.0);
    }
}
