//! One file per screen.

pub mod account;
pub mod api_keys;
pub mod audit;
pub mod chatbot;
pub mod chatbots;
pub mod click_to_chat;
pub mod conversation;
pub mod conversations;
pub mod login;
pub mod not_found;
pub mod setup;
pub mod site;
pub mod sites;
