//! Serving connections with limits that hold: at most so many open at once (beyond, a quick
//! 503 and close), each given so long to send its request headers (which also ends idle
//! keep-alive connections), and on shutdown a bounded drain: in-flight requests finish,
//! then whatever is left is closed. `axum::serve` has none of these; hyper's own connection
//! builder does, so this is the accept loop around it.

use crate::error::ErrorAnswer;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The limits of a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Open connections at most; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Time a connection has to send a request's headers, from when it is idle (open, or
    /// between keep-alive requests); then it is closed.
    pub header_timeout: Duration,
    /// Time open requests have to finish once shutdown begins.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 10_000,
            header_timeout: Duration::from_secs(10),
            drain: Duration::from_secs(10),
        }
    }
}

/// Connections the kernel queues for `accept` (capped by `net.core.somaxconn`): the evening a
/// lockdown is announced, thousands arrive at once, and a short queue drops them for the
/// client to retry a second later.
const BACKLOG: u32 = 4096;

/// A listener on `address` with a long accept queue.
///
/// # Errors
/// The address cannot be bound.
pub fn bind(address: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(BACKLOG)
}

/// What a connection over the cap is told before it is closed: written straight to the
/// socket (it is never handed to hyper), in the API's one error shape.
fn busy_answer() -> Arc<[u8]> {
    let body = serde_json::to_string(&ErrorAnswer::new(
        "unavailable",
        "the server has too many open connections; retry in a second".to_owned(),
        None,
    ))
    .unwrap_or_default();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
    .into()
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then drains.
///
/// # Errors
/// Never for a client's fault; only when the listener itself fails for good.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Some(limits.header_timeout));
    let service = TowerToHyperService::new(app);
    let busy = busy_answer();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors or a connection reset before it was taken: the
                // listener itself is fine; give the descriptors a moment to come back.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            metrics::counter!("covidmap_connections_refused_total").increment(1);
            let busy = Arc::clone(&busy);
            tokio::spawn(async move {
                let mut stream = stream;
                let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&busy)).await;
            });
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection = http.serve_connection(TokioIo::new(stream), service.clone());
        let connection = graceful.watch(connection);
        metrics::gauge!("covidmap_open_connections").increment(1.0);
        tokio::spawn(async move {
            // A client that goes away is its own business, not an error of the server's.
            let _ = connection.await;
            metrics::gauge!("covidmap_open_connections").decrement(1.0);
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.drain) => {
            tracing::warn!(drain = ?limits.drain, "connections still open after the drain time; closing them");
        }
    }
    Ok(())
}
