//! HTTP routes, one file per area.

pub mod assets;
pub mod chatbot_images;
pub mod direct_chat;
pub mod health;
