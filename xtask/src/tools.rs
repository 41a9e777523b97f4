//! Finds or installs the tools the build and the tests need, idempotently:
//! the wasm32 target (rustup), the wasm-bindgen CLI at exactly the version in
//! Cargo.lock (crates.io), wasm-opt and terser (npm), Chromium and chromedriver
//! (Debian's packages), the API fuzzer schemathesis (PyPI, in a virtualenv),
//! nginx and wrk for the bench (Debian's packages).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{cargo, command_output, run_command};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

pub struct BuildTools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
    /// terser's command-line script, run with `node`.
    pub terser: PathBuf,
    /// axe-core's browser bundle, injected by the browser tests.
    pub axe: PathBuf,
}

pub struct Browser {
    pub chromedriver: PathBuf,
    pub geckodriver: PathBuf,
    pub firefox: PathBuf,
    pub webkit_webdriver: PathBuf,
    pub webkit_browser: PathBuf,
    pub xvfb: PathBuf,
}

impl Browser {
    /// The environment the browser tests and the bench find them by.
    pub fn environment(&self) -> [(&'static str, &Path); 6] {
        [
            ("CHROMEDRIVER", &self.chromedriver),
            ("GECKODRIVER", &self.geckodriver),
            ("FIREFOX_BIN", &self.firefox),
            ("WEBKIT_WEBDRIVER", &self.webkit_webdriver),
            ("WEBKIT_BROWSER", &self.webkit_browser),
            ("XVFB", &self.xvfb),
        ]
    }
}

pub fn ensure_build_tools(root: &Path) -> Result<BuildTools> {
    ensure_wasm_target()?;
    let version = locked_wasm_bindgen_version(root)?;
    let wasm_bindgen = ensure_wasm_bindgen_cli(&version)?;
    let node_modules = ensure_npm_tools(root)?;
    Ok(BuildTools {
        wasm_bindgen,
        wasm_opt: node_modules.join(".bin").join("wasm-opt"),
        terser: node_modules.join("terser").join("bin").join("terser"),
        axe: node_modules.join("axe-core").join("axe.min.js"),
    })
}

fn ensure_wasm_target() -> Result<()> {
    let installed = command_output(Command::new("rustup").args(["target", "list", "--installed"]))
        .context("rustup is needed to add the wasm32 target")?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    eprintln!("xtask: adding the Rust target {WASM_TARGET}");
    run_command(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// rustfmt and clippy, which a minimal rustup profile leaves out.
pub fn ensure_lint_components() -> Result<()> {
    let installed =
        command_output(Command::new("rustup").args(["component", "list", "--installed"]))
            .context("rustup is needed to add rustfmt and clippy")?;
    for component in ["rustfmt", "clippy"] {
        if !installed.lines().any(|line| line.starts_with(component)) {
            eprintln!("xtask: adding the Rust component {component}");
            run_command(Command::new("rustup").args(["component", "add", component]))?;
        }
    }
    Ok(())
}

/// The wasm-bindgen version Cargo.lock resolved; the CLI must match it exactly.
pub fn locked_wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(version.to_string());
            }
        }
    }
    bail!("Cargo.lock has no wasm-bindgen package")
}

/// Tools live outside the checkout, one folder per version, so fresh clones
/// reuse them and two versions never overwrite each other.
fn tools_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("SWITCHBOARD_TOOLS_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .context("set HOME or SWITCHBOARD_TOOLS_DIR so tools have somewhere to live")?;
    Ok(cache.join("switchboard").join("tools"))
}

fn ensure_wasm_bindgen_cli(version: &str) -> Result<PathBuf> {
    let root = tools_dir()?.join(format!("wasm-bindgen-cli-{version}"));
    let binary = root.join("bin").join("wasm-bindgen");
    let expected = format!("wasm-bindgen {version}");
    let reports = |binary: &Path| {
        command_output(Command::new(binary).arg("--version"))
            .map(|out| out.trim() == expected)
            .unwrap_or(false)
    };
    if reports(&binary) {
        return Ok(binary);
    }
    eprintln!(
        "xtask: installing wasm-bindgen-cli {version} from crates.io (once; takes a few minutes)"
    );
    // Not --locked: the CLI's own lock file names a webpki-roots version the
    // registry no longer serves; its semver ranges resolve fine.
    run_command(
        cargo()
            .args(["install", "wasm-bindgen-cli", "--force", "--version"])
            .arg(format!("={version}"))
            .arg("--root")
            .arg(&root),
    )?;
    if !reports(&binary) {
        bail!(
            "{} does not report {expected:?} after installing",
            binary.display()
        );
    }
    Ok(binary)
}

/// `npm ci` in xtask/ when node_modules is missing or older than the lock file.
fn ensure_npm_tools(root: &Path) -> Result<PathBuf> {
    let dir = root.join("xtask");
    let node_modules = dir.join("node_modules");
    let lock = std::fs::read(dir.join("package-lock.json"))
        .context("cannot read xtask/package-lock.json")?;
    let stamp_path = node_modules.join(".switchboard-lock-stamp");
    let stamp = crate::build::content_hash(&lock);
    let installed = std::fs::read_to_string(&stamp_path)
        .map(|s| s == stamp)
        .unwrap_or(false)
        && node_modules.join(".bin").join("wasm-opt").exists()
        && node_modules.join("axe-core").join("axe.min.js").exists();
    if !installed {
        eprintln!("xtask: installing wasm-opt, terser and axe-core from npm");
        run_command(Command::new("npm").current_dir(&dir).args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ]))
        .context("npm (Node.js) is needed for wasm-opt and terser")?;
        std::fs::write(&stamp_path, stamp)?;
    }
    Ok(node_modules)
}

/// The API fuzzer (schemathesis, from PyPI) in its own virtualenv, pinned by
/// `tests/fuzz/requirements.txt`; reinstalled when that file changes.
pub fn ensure_schemathesis(root: &Path) -> Result<PathBuf> {
    let venv = ensure_venv(
        root,
        "schemathesis",
        &["tests", "fuzz", "requirements.txt"],
        &["schemathesis", "--version"],
    )
    .context("Python 3 (with its venv module) is needed for the API fuzzer")?;
    Ok(venv.join("bin").join("schemathesis"))
}

/// What the chatbot tests start besides the server: a bot program in
/// Python verifying deliveries with the Standard Webhooks reference library
/// (PyPI, pinned by `tests/webhooks/requirements.txt`), and Debian's
/// tinyproxy as the egress proxy.
pub struct TestServices {
    pub webhook_python: PathBuf,
    pub tinyproxy: PathBuf,
}

impl TestServices {
    pub fn environment(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("SWITCHBOARD_WEBHOOK_PYTHON", self.webhook_python.clone()),
            ("TINYPROXY", self.tinyproxy.clone()),
        ]
    }
}

pub fn ensure_test_services(root: &Path) -> Result<TestServices> {
    let venv = ensure_venv(
        root,
        "webhooks",
        &["tests", "webhooks", "requirements.txt"],
        &["python", "-c", "import standardwebhooks.webhooks"],
    )
    .context("Python 3 (with its venv module) is needed for the webhook tests")?;
    let tinyproxy = || {
        find_on_path("tinyproxy")
            .or_else(|| Some(PathBuf::from("/usr/bin/tinyproxy")).filter(|p| p.is_file()))
    };
    if tinyproxy().is_none() {
        eprintln!("xtask: installing Debian packages: tinyproxy");
        apt(&["update", "-qq"])?;
        apt(&["install", "-y", "-qq", "tinyproxy"])
            .context("the egress proxy tests need Debian's tinyproxy")?;
    }
    Ok(TestServices {
        webhook_python: venv.join("bin").join("python"),
        tinyproxy: tinyproxy().context("tinyproxy is still missing after installing it")?,
    })
}

/// A virtualenv under the tools directory with the pinned requirements in
/// `requirements` (a path under `root`); rebuilt when that file changes or
/// `check` (a command in the venv's `bin`) stops running.
fn ensure_venv(root: &Path, name: &str, requirements: &[&str], check: &[&str]) -> Result<PathBuf> {
    let requirements_path = requirements
        .iter()
        .fold(root.to_path_buf(), |p, part| p.join(part));
    let content = std::fs::read(&requirements_path)
        .with_context(|| format!("cannot read {}", requirements_path.display()))?;
    let stamp = crate::build::content_hash(&content);
    let venv = tools_dir()?.join(name);
    let stamp_path = venv.join(".switchboard-requirements-stamp");
    let checks = |venv: &Path| {
        command_output(Command::new(venv.join("bin").join(check[0])).args(&check[1..])).is_ok()
    };
    if std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) && checks(&venv) {
        return Ok(venv);
    }
    eprintln!("xtask: installing {name} from PyPI into {}", venv.display());
    if venv.exists() {
        std::fs::remove_dir_all(&venv)?;
    }
    run_command(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run_command(
        Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements_path),
    )?;
    if !checks(&venv) {
        bail!("{name} does not run after installing it");
    }
    std::fs::write(&stamp_path, stamp)?;
    Ok(venv)
}

/// geckodriver, Firefox's WebDriver server: crates.io has it, Debian does not.
const GECKODRIVER_VERSION: &str = "0.37.1";

/// WebKitGTK's small browser, which WebKitWebDriver drives (Debian's
/// `libwebkit2gtk-4.1-0` ships it outside PATH).
const WEBKIT_BROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/// The three engines the browser tests run in, each with its WebDriver
/// server: Chromium and chromedriver (`CHROMEDRIVER` if set, else PATH, else
/// Debian's `chromium`, `chromium-driver`); Firefox (Debian's `firefox-esr`)
/// with geckodriver built from crates.io; WebKit (Debian's
/// `webkit2gtk-driver`) under Debian's Xvfb. Plus a Japanese font, so
/// screenshots of the Japanese UI show text, not boxes.
pub fn ensure_browser() -> Result<Browser> {
    let mut packages = Vec::new();
    let chromedriver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| find_on_path("chromedriver"));
    if chromedriver.is_none() || find_browser().is_none() {
        packages.extend(["chromium", "chromium-driver"]);
    }
    if find_on_path("firefox-esr").is_none() {
        packages.push("firefox-esr");
    }
    if find_on_path("WebKitWebDriver").is_none() || !Path::new(WEBKIT_BROWSER).is_file() {
        packages.push("webkit2gtk-driver");
    }
    if find_on_path("Xvfb").is_none() {
        packages.push("xvfb");
    }
    if !has_japanese_font() {
        packages.push("fonts-ipafont-gothic");
    }
    if !packages.is_empty() {
        eprintln!("xtask: installing Debian packages: {}", packages.join(" "));
        apt(&["update", "-qq"])?;
        let mut install = vec!["install", "-y", "-qq"];
        install.extend(&packages);
        apt(&install).context("the browser tests need Chromium, Firefox and WebKit with their WebDriver servers, Xvfb and a Japanese font (Debian packages chromium, chromium-driver, firefox-esr, webkit2gtk-driver, xvfb, fonts-ipafont-gothic)")?;
    }
    let found = |name: &str| {
        find_on_path(name).with_context(|| format!("{name} is still not on PATH after installing"))
    };
    let webkit_browser = PathBuf::from(WEBKIT_BROWSER);
    if !webkit_browser.is_file() {
        bail!("{WEBKIT_BROWSER} is missing after installing webkit2gtk-driver");
    }
    Ok(Browser {
        chromedriver: match chromedriver {
            Some(path) => path,
            None => found("chromedriver")?,
        },
        geckodriver: ensure_geckodriver()?,
        firefox: found("firefox-esr")?,
        webkit_webdriver: found("WebKitWebDriver")?,
        webkit_browser,
        xvfb: found("Xvfb")?,
    })
}

fn ensure_geckodriver() -> Result<PathBuf> {
    let root = tools_dir()?.join(format!("geckodriver-{GECKODRIVER_VERSION}"));
    let binary = root.join("bin").join("geckodriver");
    let reports = |binary: &Path| {
        command_output(Command::new(binary).arg("--version"))
            .is_ok_and(|out| out.starts_with(&format!("geckodriver {GECKODRIVER_VERSION}")))
    };
    if reports(&binary) {
        return Ok(binary);
    }
    eprintln!("xtask: building geckodriver {GECKODRIVER_VERSION} from crates.io (once; takes a few minutes)");
    run_command(
        cargo()
            .args(["install", "geckodriver", "--locked", "--force", "--version"])
            .arg(format!("={GECKODRIVER_VERSION}"))
            .arg("--root")
            .arg(&root),
    )?;
    if !reports(&binary) {
        bail!(
            "{} does not report version {GECKODRIVER_VERSION} after installing",
            binary.display()
        );
    }
    Ok(binary)
}

/// What `cargo xtask bench` measures against and with: Debian's nginx (the
/// reference for the config endpoint) and wrk (the load generator).
pub struct BenchTools {
    pub nginx: PathBuf,
    pub wrk: PathBuf,
}

pub fn ensure_bench_tools() -> Result<BenchTools> {
    let nginx = || {
        find_on_path("nginx")
            .or_else(|| Some(PathBuf::from("/usr/sbin/nginx")).filter(|p| p.is_file()))
    };
    let mut packages = Vec::new();
    if nginx().is_none() {
        packages.push("nginx");
    }
    if find_on_path("wrk").is_none() {
        packages.push("wrk");
    }
    if find_on_path("taskset").is_none() {
        packages.push("util-linux");
    }
    if !packages.is_empty() {
        eprintln!("xtask: installing Debian packages: {}", packages.join(" "));
        apt(&["update", "-qq"])?;
        let mut install = vec!["install", "-y", "-qq"];
        install.extend(&packages);
        apt(&install).context("the bench needs Debian's nginx, wrk and taskset")?;
    }
    match (nginx(), find_on_path("wrk")) {
        (Some(nginx), Some(wrk)) => Ok(BenchTools { nginx, wrk }),
        _ => bail!("nginx or wrk is still missing after installing them"),
    }
}

fn apt(args: &[&str]) -> Result<()> {
    let mut command = if is_root() {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    run_command(&mut command)
}

fn has_japanese_font() -> bool {
    command_output(Command::new("fc-list").arg(":lang=ja"))
        .is_ok_and(|fonts| !fonts.trim().is_empty())
}

fn find_browser() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| find_on_path(name))
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn is_root() -> bool {
    command_output(Command::new("id").arg("-u"))
        .map(|uid| uid.trim() == "0")
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bindgen step uses the version in Cargo.lock; the workspace must pin
    /// the crate to exactly that version so the two can never drift apart.
    #[test]
    fn wasm_bindgen_is_pinned_exactly_to_the_locked_version() {
        let root = crate::workspace_root();
        let locked = locked_wasm_bindgen_version(&root).expect("Cargo.lock names wasm-bindgen");
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
        let line = manifest
            .lines()
            .find(|l| l.starts_with("wasm-bindgen ="))
            .expect("the workspace declares wasm-bindgen");
        let pin = format!("\"={locked}\"");
        assert!(
            line.contains(&pin),
            "Cargo.toml should pin wasm-bindgen to {pin}: {line}"
        );
    }
}
