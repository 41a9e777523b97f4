//! `cargo xtask <command>`: the project's build helper.
//!
//! - `start [server flags…]`  install what is missing, build, run the server
//! - `test`                   install what is missing (browser too), build, run every test
//! - `build`                  build the admin app and the widget into `dist/`
//! - `size`                   print the gzipped sizes and check them against the budgets
//! - `lint`                   `cargo fmt --check` and `clippy -D warnings` (native, then each wasm crate)
//! - `bench [--smoke]`        time to decision and config throughput, each against a reference
//! - `setup [--browser]`      only install the tools
//!
//! Everything it installs comes from crates.io, npm or Debian's packages, and
//! every step is idempotent: a second run finds the tools in place.

mod build;
mod size;
mod tools;
mod wasm_exports;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

fn main() {
    if let Err(error) = run() {
        eprintln!("xtask: error: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let root = workspace_root();
    match command.as_str() {
        "start" => start(&root, &rest),
        "test" => test(&root, &rest),
        "build" => {
            let tools = tools::ensure_build_tools(&root)?;
            build::build(&root, &tools)
        }
        "size" => size::report(&root),
        "bench" => bench(&root, rest.iter().any(|a| a == "--smoke")),
        "lint" => {
            tools::ensure_build_tools(&root)?;
            tools::ensure_lint_components()?;
            lint(&root)
        }
        "setup" => {
            tools::ensure_build_tools(&root)?;
            if rest.iter().any(|a| a == "--browser") {
                tools::ensure_browser()?;
                tools::ensure_schemathesis(&root)?;
                tools::ensure_test_services(&root)?;
                tools::ensure_bench_tools()?;
            }
            Ok(())
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <start|test|build|size|setup> …\n\
                 \n  start [server flags]  build everything and run the server (see --help of the server)\
                 \n  test [cargo test args] build everything and run all tests, browser tests included\
                 \n  build                 build the admin app and widget into dist/\
                 \n  size                  print gzipped sizes against their budgets\
                 \n  bench [--smoke]       time to decision and config throughput against references\
                 \n  lint                  cargo fmt --check, clippy -D warnings on every crate\
                 \n  setup [--browser]     install the pinned tools (and the test tools: Chromium, Firefox and WebKit with their drivers, schemathesis, the webhook receiver's library and tinyproxy, the bench tools)"
            );
            bail!("unknown command {command:?}")
        }
    }
}

/// README command 1: everything a newcomer needs to see the product running.
fn start(root: &Path, server_args: &[String]) -> Result<()> {
    let tools = tools::ensure_build_tools(root)?;
    build::build(root, &tools)?;
    let mut cargo = cargo();
    cargo
        .current_dir(root)
        .args(["run", "--release", "--package", "switchboard-server", "--"])
        .arg("--assets-dir")
        .arg(root.join("dist"))
        .args(server_args);
    run_command(&mut cargo)
}

/// README command 2: every test, including the end-to-end ones in Chromium.
fn test(root: &Path, cargo_test_args: &[String]) -> Result<()> {
    let tools = tools::ensure_build_tools(root)?;
    let browser = tools::ensure_browser()?;
    let schemathesis = tools::ensure_schemathesis(root)?;
    let services = tools::ensure_test_services(root)?;
    build::build(root, &tools)?;
    size::report(root)?;
    let mut cargo_test = cargo();
    cargo_test
        .current_dir(root)
        .args(["test", "--workspace", "--exclude", "switchboard-widget"])
        .args(cargo_test_args)
        .env("SWITCHBOARD_TEST_ASSETS_DIR", root.join("dist"))
        .env("SWITCHBOARD_AXE_JS", &tools.axe)
        .envs(browser.environment())
        .envs(services.environment())
        .env("SWITCHBOARD_SCHEMATHESIS", &schemathesis);
    run_command(&mut cargo_test)?;
    // The bench is not part of the tests (its figures need a quiet machine),
    // but a short run of every part is, so it cannot rot. `cargo test` has
    // built both binaries (for the packages' integration tests); a `cargo
    // build` would rebuild half the workspace with other features, so only a
    // filtered run that skipped them builds them here.
    let bench_tools = tools::ensure_bench_tools()?;
    let debug = root.join("target").join("debug");
    if !debug.join("bench").is_file() || !debug.join("switchboard-server").is_file() {
        build_bench(root, &[])?;
    }
    run_bench(root, &debug, &browser, &bench_tools, true)
}

/// `cargo xtask bench`: release builds, then the bench and the sizes.
fn bench(root: &Path, smoke: bool) -> Result<()> {
    let tools = tools::ensure_build_tools(root)?;
    let browser = tools::ensure_browser()?;
    let bench_tools = tools::ensure_bench_tools()?;
    build::build(root, &tools)?;
    build_bench(root, &["--release"])?;
    run_bench(
        root,
        &root.join("target").join("release"),
        &browser,
        &bench_tools,
        smoke,
    )?;
    println!();
    size::report(root)
}

/// The bench's binary and the server it measures.
fn build_bench(root: &Path, profile: &[&str]) -> Result<()> {
    run_command(cargo().current_dir(root).arg("build").args(profile).args([
        "--package",
        "switchboard-server",
        "--bin",
        "switchboard-server",
        "--package",
        "switchboard-e2e",
        "--bin",
        "bench",
    ]))
}

fn run_bench(
    root: &Path,
    binaries: &Path,
    browser: &tools::Browser,
    bench_tools: &tools::BenchTools,
    smoke: bool,
) -> Result<()> {
    let mut bench = Command::new(binaries.join("bench"));
    if smoke {
        bench.arg("--smoke");
    }
    bench
        .current_dir(root)
        .env("SWITCHBOARD_TEST_ASSETS_DIR", root.join("dist"))
        .envs(browser.environment())
        .env("SWITCHBOARD_SERVER", binaries.join("switchboard-server"))
        .env("NGINX", &bench_tools.nginx)
        .env("WRK", &bench_tools.wrk);
    run_command(&mut bench)
}

/// Formatting and clippy, as CI runs them. The wasm crates are checked one at
/// a time for their target: checked together, cargo would unify the app's
/// `std` features into the widget's no_std dependencies.
fn lint(root: &Path) -> Result<()> {
    run_command(cargo().current_dir(root).args(["fmt", "--all", "--check"]))?;
    run_command(cargo().current_dir(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    for (package, profile) in [
        ("switchboard-app", "dev"),
        ("switchboard-widget", "wasm-release"),
    ] {
        run_command(cargo().current_dir(root).args([
            "clippy",
            "--package",
            package,
            "--target",
            tools::WASM_TARGET,
            "--profile",
            profile,
            "--",
            "-D",
            "warnings",
        ]))?;
    }
    Ok(())
}

fn workspace_root() -> PathBuf {
    // xtask/ sits directly under the workspace root.
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or(manifest_dir)
}

/// The cargo that runs us, so rustup's toolchain choice carries through.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs a command with inherited output; a non-zero exit is an error naming it.
pub fn run_command(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{:?} failed ({status})", display_command(command));
    }
    Ok(())
}

/// A command's output as text; a non-zero exit is an error.
pub fn command_output(command: &mut Command) -> Result<String> {
    let output = command
        .output()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    if !output.status.success() {
        bail!(
            "{} failed ({}): {}",
            display_command(command),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn display_command(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
