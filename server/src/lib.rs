//! Switchboard's server as a library, so tests can start the real application on
//! a free port (see `startup::Application`).

pub mod api;
pub mod auth;
pub mod bots;
pub mod calendar_feeds;
pub mod configuration;
pub mod egress;
pub mod profile_image;
pub mod rate_limit;
pub mod retention;
pub mod routes;
pub mod serve;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
