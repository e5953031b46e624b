#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod crs;
mod encoding;
mod error;
mod fields;
mod geometry;
pub mod legacy;
mod open;
mod plan;
mod read;
mod syllable;

pub use crs::VN2000_TOWGS84;
pub use encoding::EncodingChoice;
pub use error::{IngestError, Problem, Result};
pub use fields::{FieldFlags, FieldMap};
pub use plan::{plan, Known, Plan, PlanSummary};
pub use read::{read_file, FileRead, FileReport, RawUnit, ReadOptions};
