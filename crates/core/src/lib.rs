#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod agency;
pub mod callback;
pub mod change_log;
pub mod circle;
pub mod containment;
pub mod diff;
pub mod documents;
pub mod duties;
pub mod entity;
pub mod figures;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod layers;
pub mod level;
pub mod lineage;
pub mod names;
pub mod policy;
pub mod region;
pub mod text;
pub mod unit;

pub use diff::{diff_units, UnitDiff};
pub use entity::Entity;
pub use level::{Level, UnitType};
pub use region::{Region, RegionError};
pub use unit::{two_tier_provinces, AdminUnit};
