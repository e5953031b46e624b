//! Putting an entity back to an earlier version.

use crate::fields::{read_all, Fields};
use crate::FieldError;
use covidmap_core::Entity;
use serde_json::Value;

/// A revert: which entity, back to which version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertRequest {
    /// What is reverted.
    pub entity: Entity,
    /// The entity's id.
    pub id: String,
    /// The version to make current again.
    pub version_id: i64,
}

/// Reads `{"entity", "id", "version_id"}`.
///
/// # Errors
/// Every problem found.
pub fn revert_request(body: &Value) -> Result<RevertRequest, Vec<FieldError>> {
    read_all(|errors| {
        Fields::new(Some(body), "", errors).and_then(|mut p| {
            let entity = p.entity("entity");
            let id = p.text("id", 64);
            let version = p.integer("version_id", 1..=i64::MAX);
            p.finish(errors);
            Some(RevertRequest {
                entity: entity?,
                id: id?,
                version_id: version?,
            })
        })
    })
}
