//! Switchboard's domain types and rules, shared by the server, the admin app and
//! the widget. Pure Rust: no I/O, no async, compiles for wasm32 and native.

pub mod version;
