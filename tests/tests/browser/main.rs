//! End-to-end tests in headless Chromium against the real server. One test
//! binary (zero2prod's layout) so the crate links once.

mod accessibility;
mod admin_app;
mod assistant;
mod chatbots;
mod common;
mod conversations;
mod demo;
mod display_rules;
mod screens;
mod widget;
