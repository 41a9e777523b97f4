//! One file per screen.

pub mod click_to_chat;
pub mod coming_soon;
pub mod login;
pub mod not_found;
pub mod setup;
pub mod site;
pub mod sites;
