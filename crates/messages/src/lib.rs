#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

//! Write requests read from JSON. Every field is checked and every problem named, so an
//! agency fixes its request in one go (HTTP 422 with the list). Text is kept exactly as sent:
//! it is stored through bound parameters and answered as JSON strings, never run or
//! interpreted.

pub mod answers;
mod documents;
mod facilities;
mod fields;
mod figures;
mod geometry;
pub mod import;
mod lockdowns;
pub mod lookups;
mod revert;
pub mod unit_changes;
mod validity;

pub use documents::{document_request, DocumentRequest};
pub use facilities::{facility_request, FacilityRequest, CATEGORIES};
pub use figures::{
    figures_day, figures_request, level_request, workers_request, LevelRequest, FIRST_DAY,
};
pub use lockdowns::{
    point_request, zone_request, DeclarationRequest, PointRequest, ZoneArea, ZoneRequest,
};
pub use revert::{revert_request, RevertRequest};

use serde::Serialize;

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Where, as a path into the body (`properties.level`, `properties.unit_codes[2]`).
    pub field: String,
    /// What is wrong and what to send instead.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    #[must_use]
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Longest name, in characters.
pub const MAX_NAME: usize = 200;
/// Longest reason or note, in characters.
pub const MAX_TEXT: usize = 1000;
/// Most vertices in one drawn area.
pub const MAX_VERTICES: usize = 20_000;

#[cfg(test)]
mod tests;
