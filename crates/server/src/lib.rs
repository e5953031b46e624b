#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod backend;
mod error;
mod routes;
pub mod upload;

pub use backend::Backend;
pub use error::ApiError;
pub use routes::app;
