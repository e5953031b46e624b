//! The agencies' writes of the operational layers, one module per resource: lockdown zones
//! and points, facilities (and their CSV import), epidemic levels, history and revert. What
//! every write shares is [`crate::write`]; who may write what, [`crate::allow`].

pub(crate) mod facilities;
pub(crate) mod history;
pub(crate) mod levels;
pub(crate) mod lockdowns;

use crate::backend::Backend;
use crate::extract::MAX_JSON_BODY;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use std::sync::Arc;

/// The write routes and the history.
pub fn routes<B: Backend>() -> Router<Arc<B>> {
    Router::new()
        .merge(lockdowns::routes::<B>())
        .merge(facilities::routes::<B>())
        .merge(levels::routes::<B>())
        .merge(history::routes::<B>())
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
}
