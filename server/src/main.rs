use std::process::ExitCode;

use clap::Parser;
use switchboard_server::{configuration::Config, startup::Application, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
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
