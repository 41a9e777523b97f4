use std::process::ExitCode;

use clap::Parser;
use switchboard_server::{configuration::Config, startup::Application, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    return_big_blocks_to_the_system();
    telemetry::init();
    let config = Config::parse();
    let result = match Application::build(config).await {
        Ok(app) => app.run_until_stopped(telemetry::shutdown_signal()).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One clear line, e.g. a corrupt store file and what to do about it.
            tracing::error!("cannot start: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Each password hash takes a 19 MiB block. glibc's malloc would keep freed
/// blocks of that size in the arena of whichever thread freed them (it raises
/// its mmap threshold after the first free), so a burst of sign-ins would
/// leave hundreds of MiB behind. A fixed threshold keeps big blocks mapped
/// on their own and unmapped when freed.
fn return_big_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}
