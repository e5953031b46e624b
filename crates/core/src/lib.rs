#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod address;
pub mod agency;
pub mod containment;
pub mod diff;
pub mod documents;
pub mod entity;
pub mod figures;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod gazetteer;
pub mod layers;
pub mod legacy;
pub mod level;
pub mod policy;
pub mod prepared;
pub mod search;
pub mod snapshot;
pub mod syllable;
pub mod text;
pub mod unit;

pub use diff::{diff_units, UnitDiff};
pub use entity::Entity;
pub use level::{Level, UnitType};
pub use snapshot::{Snapshot, UnitChain, UnitLockdown};
pub use unit::AdminUnit;

/// GSO code of Nghệ An province, the root of every unit chain.
pub const PROVINCE_CODE: &str = "40";
