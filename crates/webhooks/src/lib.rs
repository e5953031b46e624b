#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod deliver;
mod target;

pub use deliver::{sign, Deliveries, DeliverySettings, SIGNATURE_HEADER};
pub use target::{check_url, new_secret, Target, TargetError};
