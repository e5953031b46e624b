#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod address;
mod cover;
pub mod gazetteer;
mod layers;
mod nearest;
mod prepared;
mod search;
mod snapshot;
pub mod status;
mod units;

pub use cover::UnitLockdown;
pub use snapshot::{Snapshot, UnitChain};
pub use status::{address_status, point_status, AddressStatus, PointStatus, StatusAnswer};

/// Why a lookup has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The address names no unit of the province.
    #[error("no hamlet, commune or district of the province matches {0:?}; check the names, or try /api/v1/search?q= to find the place")]
    NoUnitMatches(String),
}

#[cfg(test)]
mod tests;
