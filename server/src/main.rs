use clap::Parser;
use switchboard_server::{configuration::Config, startup::Application, telemetry};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    telemetry::init();
    let config = Config::parse();
    let app = Application::build(config).await?;
    app.run_until_stopped(telemetry::shutdown_signal()).await
}
