#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod auth;
mod backend;
mod boundaries;
mod changes;
mod documents;
mod edits;
mod error;
mod figures;
pub mod glyphs;
mod import;
mod openapi;
pub mod pages;
mod reads;
pub mod requests;
mod routes;

pub use backend::{Backend, DataChange, LiveBackend, SnapshotError, DEFAULT_TILE_CACHE_BYTES};
pub use error::ApiError;
pub use routes::{app, app_with, Assets};
