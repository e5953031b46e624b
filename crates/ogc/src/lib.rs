#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod asyncapi;
pub mod collection;
pub mod crs;
pub mod documents;
pub mod edit;
pub mod events;
pub mod filter;
pub mod openapi;
pub mod query;
pub mod temporal;

pub use collection::{Collection, GeometryKind, Property, PropertyType, Source, COLLECTIONS};
pub use crs::{Crs, Vn2000Zone};
pub use documents::{Extent, Links};
pub use filter::{Comparison, FilterLang, Predicate, Scalar, Shape, SpatialOp};
pub use query::{ItemsQuery, Service, SortKey, DEFAULT_LIMIT, MAX_LIMIT};
pub use temporal::Temporal;

/// Why a request cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OgcError {
    /// A parameter is malformed, unknown or out of range.
    #[error("{message}")]
    BadParameter {
        /// The parameter.
        parameter: String,
        /// What is wrong and what to send instead.
        message: String,
    },
    /// No collection has that id.
    #[error("no collection {id:?}; the collections are {}", Collection::ids())]
    NoCollection {
        /// The id asked for.
        id: String,
    },
}

impl OgcError {
    /// A parameter at fault.
    pub fn bad_parameter(parameter: impl Into<String>, message: impl Into<String>) -> Self {
        OgcError::BadParameter {
            parameter: parameter.into(),
            message: message.into(),
        }
    }

    /// The parameter (or path segment) it names.
    #[must_use]
    pub fn parameter(&self) -> &str {
        match self {
            OgcError::BadParameter { parameter, .. } => parameter,
            OgcError::NoCollection { .. } => "collectionId",
        }
    }
}

/// The collection with this id.
///
/// # Errors
/// 404 naming the collections there are.
pub fn collection(id: &str) -> Result<&'static Collection, OgcError> {
    Collection::find(id).ok_or_else(|| OgcError::NoCollection { id: id.to_owned() })
}
