//! One file per screen.

pub mod not_found;
pub mod overview;
