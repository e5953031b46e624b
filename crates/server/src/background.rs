//! Work that may wait: rendering a tile that is not cached. It runs on a pool of its own, one
//! thread a core, at a lower CPU priority (nice +10 on Linux), so that on a busy machine the
//! answers read from memory — status, search, cached tiles, each a few microseconds — are not
//! queued behind renders of milliseconds after an edit has dropped the tiles it changed.

use crate::error::ApiError;
use std::sync::OnceLock;

/// How much lower than the server's the pool's threads run (Linux `nice`).
const NICENESS: i32 = 10;

/// The pool, `None` when it could not be started (the blocking pool of tokio serves then).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("covidmap-render-{i}"))
            .start_handler(|_| lower_priority())
            .build()
            .inspect_err(|e| tracing::warn!(error = %e, "render pool not started"))
            .ok()
    })
    .as_ref()
}

/// Runs `work` on the pool and waits for it without holding an async worker.
pub(crate) async fn run<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    match pool() {
        Some(pool) => {
            let (done, answer) = tokio::sync::oneshot::channel();
            pool.spawn(move || {
                // The request may have gone; its answer is then dropped.
                let _ = done.send(work());
            });
            answer.await.map_err(|e| ApiError::Internal(Box::new(e)))
        }
        None => tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| ApiError::Internal(Box::new(e))),
    }
}

/// Lowers the calling thread's priority. On Linux each thread is a task of its own, so
/// `setpriority(PRIO_PROCESS, 0, …)` changes only the thread that asks; elsewhere it would
/// lower the whole process, so it is left alone.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(None, NICENESS) {
        tracing::warn!(error = %e, "render threads keep the server's priority");
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn work_runs_on_the_pool_at_a_lower_priority() {
        let (name, nice) = super::run(|| {
            let name = std::thread::current().name().map(str::to_owned);
            (name, rustix::process::getpriority_process(None).ok())
        })
        .await
        .unwrap_or_default();
        assert!(name.is_some_and(|n| n.starts_with("covidmap-render-")));
        #[cfg(target_os = "linux")]
        assert_eq!(nice, Some(super::NICENESS));
    }
}
