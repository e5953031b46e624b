#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod allow;
mod auth;
mod backend;
mod background;
mod boundaries;
mod changes;
mod documents;
mod edits;
mod error;
mod extract;
mod figures;
mod freshness;
pub mod glyphs;
mod hygiene;
pub mod listen;
mod lookups;
mod metrics;
mod ogc;
mod openapi;
pub mod pages;
mod reads;
mod router;
mod service;
mod tiles;
mod unit_changes;
mod units;
mod validators;
mod webhooks;
mod write;

pub use backend::Backend;
pub use error::ApiError;
pub use router::{app, app_with, Assets, Settings, DEFAULT_MAX_CHANGE_STREAMS, VIETNAM};
