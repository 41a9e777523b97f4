//! Tests over the real router (no network) and the real binary. One test
//! binary, zero2prod's layout.

mod helpers;

mod account;
mod auth;
mod bad_input;
mod chatbots;
mod config;
mod conversations;
mod display_rules;
mod egress;
mod hardening;
mod instance;
mod openapi;
mod process;
mod providers;
mod site_click_to_chat;
mod site_csp;
mod sites;
mod static_files;
mod visitor_chat;
mod widget_config;
