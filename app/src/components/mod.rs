//! Pieces several screens share.

pub mod chat_settings;
pub mod confirm;
