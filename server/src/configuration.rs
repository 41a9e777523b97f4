//! Start-up settings, from flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Parser)]
#[command(name = "switchboard-server", version, about = "Switchboard: self-hosted Click to Chat manager")]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory holding the JSON store; created if missing.
    #[arg(long, env = "SWITCHBOARD_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Directory with the built admin app, widget and public files
    /// (the output of `cargo xtask build`).
    #[arg(long, env = "SWITCHBOARD_ASSETS_DIR", default_value = "dist")]
    pub assets_dir: PathBuf,
}
