//! HTTP routes, one file per area.

pub mod assets;
pub mod health;
