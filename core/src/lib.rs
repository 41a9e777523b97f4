//! Switchboard's domain types and rules, shared by the server, the admin app and
//! the widget. Pure Rust: no I/O, no async, compiles for wasm32 and native.
//!
//! - [`admin`] — rules for admin accounts, passwords and API key names
//! - [`chatbot`] — chatbots: their settings and how they are checked
//! - [`catalog`] — the chat providers, their account fields and formats
//! - [`csp`] — the Content-Security-Policy a host page needs
//! - [`account`] — validating a provider account field by field
//! - [`errors`] — field-level validation errors (code, field, message)
//! - [`messages`] — the codes of API errors and audit details
//! - [`settings`] — Click to Chat settings and how they are validated
//! - [`site`] — sites (id, name, domains)
//! - [`resolution`] — which settings apply to a site, and why
//! - [`script_origin`] — fields that choose where visitors' pages load script from
//! - [`public_config`] — what the widget may see (never a secret)
//! - [`visitor_chat`] — what visitors send the built-in assistant
//! - [`display_rules`] — which pages, which hours, consent and how the chat loads
//! - [`hours`] — business hours as UTC instants, and iCalendar closures (feature `calendar`)
//! - [`transcripts`] — keeping and exporting conversations (retention, CSV)

pub mod account;
pub mod admin;
pub mod catalog;
pub mod chatbot;
pub mod csp;
pub mod display_rules;
pub mod errors;
#[cfg(feature = "calendar")]
pub mod hours;
pub mod messages;
pub mod public_config;
pub mod resolution;
pub mod script_origin;
pub mod settings;
pub mod site;
pub mod text;
pub mod transcripts;
pub mod version;
pub mod visitor_chat;
pub mod wire;

mod json;
