//! Tests over the real router (no network) and the real binary. One test
//! binary, zero2prod's layout.

mod helpers;

mod config;
mod shutdown;
mod static_files;
