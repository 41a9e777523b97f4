//! `cargo xtask bench`: what the embed costs a customer's page, each figure
//! as a ratio against a reference measured in the same run.
//!
//! - Time to decision: headless Chromium with DevTools network emulation
//!   (150 ms latency, 1.6 Mbit/s down), the median over cold loads (empty
//!   HTTP cache) and warm loads of the time from navigation start until the
//!   provider's script element is in the page, for our tag and for a plain
//!   JavaScript loader written for the bench that does the same job (fetch
//!   the config, inject the script), embedded the same way: an async tag
//!   served from the Switchboard server's origin with the same cache lifetime.
//!   Then cold loads in Chromium, Firefox and WebKit alike, over a throttling
//!   proxy (the same link for every engine) with a new origin per load.
//! - Config throughput: the public config endpoint against nginx serving the
//!   same bytes as a static file, both pinned to one core, with wrk over
//!   keep-alive connections on the other core; requests per second and p99.
//!
//! `--smoke` makes every part run briefly (a few loads, a second of load), as
//! the tests do so the bench cannot rot; its figures mean nothing.
//! Needs `SWITCHBOARD_TEST_ASSETS_DIR`, the browsers' variables (`CHROMEDRIVER`, `GECKODRIVER`, …,
//! see `Browser`), `SWITCHBOARD_SERVER`
//! (the server binary), `NGINX` and `WRK`; `cargo xtask bench` sets them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::json;
use switchboard_e2e::{
    assets_dir, spawn_app_serving, AdminApi, Browser, Engine, HostSite, Link, TestApp,
    ThrottledProxy, ADMIN_PASSWORD,
};

/// The site both loaders load, and the provider script its settings name.
const SITE: &str = "bench";
const TIDIO_KEY: &str = "abcdefghijklmnopqrstuvwxyz012345";
const PROVIDER_SCRIPT: &str = "https://code.tidio.co/abcdefghijklmnopqrstuvwxyz012345.js";

/// The reference: what a hand-written loader for this one job looks like.
const PLAIN_LOADER: &str = r#"(function () {
  var tag = document.currentScript;
  var site = tag.getAttribute("data-site");
  fetch(new URL("api/v1/widget/config?site=" + encodeURIComponent(site), tag.src))
    .then(function (response) { return response.json(); })
    .then(function (config) {
      if (!config.enabled || config.provider !== "tidio") return;
      var script = document.createElement("script");
      script.async = true;
      script.src = "https://code.tidio.co/" + encodeURIComponent(config.account.public_key) + ".js";
      document.head.appendChild(script);
    });
})();
"#;

/// Records when the provider's script element enters the page, relative to
/// navigation start.
const DECISION_PROBE: &str = r#"<script>window.benchDecided = null;
new MutationObserver(function (records) { records.forEach(function (r) { r.addedNodes.forEach(function (node) {
  if (window.benchDecided === null && node.tagName === "SCRIPT" && node.src && node.src.indexOf("https://code.tidio.co/") === 0)
    window.benchDecided = performance.now(); }); }); })
  .observe(document, { childList: true, subtree: true });</script>"#;

struct Plan {
    loads: usize,
    load_seconds: u32,
}

#[tokio::main]
async fn main() -> Result<()> {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let plan = if smoke {
        Plan {
            loads: 2,
            load_seconds: 1,
        }
    } else {
        Plan {
            loads: 21,
            load_seconds: 10,
        }
    };
    println!(
        "bench{}: {} loads per figure, {} s of load per server",
        if smoke {
            " (smoke run; figures mean nothing)"
        } else {
            ""
        },
        plan.loads,
        plan.load_seconds
    );
    decision_times(&plan).await?;
    config_throughput(&plan).await?;
    Ok(())
}

// ---- Time to decision ----

async fn decision_times(plan: &Plan) -> Result<()> {
    // A copy of the built assets with the plain loader beside ours; the root
    // folder is served with the same cache lifetime as widget.js.
    let assets = tempfile::tempdir()?;
    copy_tree(&assets_dir(), assets.path())?;
    std::fs::write(
        assets.path().join("public").join("plain-loader.js"),
        PLAIN_LOADER,
    )?;
    let app = spawn_app_serving(assets.path().to_path_buf()).await?;
    let api = AdminApi::new(&app).await?;
    configure_site(&api).await?;
    let host = HostSite::start().await?;
    let ours = host.page(
        "ours",
        &format!(
            r#"{DECISION_PROBE}<script async crossorigin="anonymous" src="{}" data-site="{SITE}"></script>"#,
            app.url("/widget.js")
        ),
    );
    let plain = host.page(
        "plain",
        &format!(
            r#"{DECISION_PROBE}<script async crossorigin="anonymous" src="{}" data-site="{SITE}"></script>"#,
            app.url("/plain-loader.js")
        ),
    );

    let browser = Browser::start().await?;
    browser.client.goto("about:blank").await?;
    browser.devtools("Network.enable", json!({})).await?;
    browser
        .devtools(
            "Network.emulateNetworkConditions",
            json!({"offline": false, "latency": 150,
                   "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}),
        )
        .await?;
    let mut times = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..plan.loads {
        // Interleaved, so drift on the machine touches both alike.
        for (index, url) in [&ours, &plain].into_iter().enumerate() {
            browser
                .devtools("Network.clearBrowserCache", json!({}))
                .await?;
            times[index].push(decision(&browser, url).await?);
            times[index + 2].push(decision(&browser, url).await?);
        }
    }
    browser.close().await?;
    print_decision_times(plan, times);
    cold_in_every_engine(plan, &app, &host).await
}

fn print_decision_times(plan: &Plan, times: [Vec<f64>; 4]) {
    let [ours_cold, plain_cold, ours_warm, plain_warm] = times.map(|mut t| median(&mut t));
    println!();
    println!(
        "time to decision (Chromium, 150 ms latency, 1.6 Mbit/s; median of {}):",
        plan.loads
    );
    println!(
        "{:<12} {:>12} {:>14} {:>8}   target",
        "", "Switchboard", "plain loader", "ratio"
    );
    for (what, ours, plain) in [
        ("cold", ours_cold, plain_cold),
        ("warm", ours_warm, plain_warm),
    ] {
        let ratio = ours / plain;
        println!(
            "{what:<12} {ours:>9.0} ms {plain:>11.0} ms {ratio:>7.2}x   <= 1.15x {}",
            if ratio <= 1.15 { "met" } else { "NOT MET" }
        );
    }
}

/// The same slow link for every engine (DevTools' emulation is Chromium's
/// alone): a throttling proxy in front of the server.
const LINK: Link = Link {
    round_trip: Duration::from_millis(150),
    down: 1_600_000 / 8,
    up: 750_000 / 8,
};

/// Cold loads in Chromium, Firefox and WebKit. Each load goes through a
/// proxy on a port of its own, so its origin is new to the browser: nothing
/// is cached, no connection is open, as for a visitor's first page view.
async fn cold_in_every_engine(plan: &Plan, app: &TestApp, host: &HostSite) -> Result<()> {
    println!();
    println!(
        "time to decision on a first visit, in each engine (throttling proxy: 150 ms round trip,\n\
         1.6 Mbit/s down; a new origin per load: nothing cached, no connection open; median of {}):",
        plan.loads
    );
    println!(
        "{:<12} {:>12} {:>14} {:>8}   target",
        "", "Switchboard", "plain loader", "ratio"
    );
    for engine in Engine::ALL {
        let browser = Browser::start_in(engine).await?;
        // Kept until the engine is done, so no later load gets a port
        // (an origin) the browser has seen.
        let mut proxies = Vec::new();
        let mut times = [Vec::new(), Vec::new()];
        for load in 0..plan.loads {
            for (index, loader) in ["widget.js", "plain-loader.js"].into_iter().enumerate() {
                let proxy = ThrottledProxy::start(app.addr, LINK).await?;
                let page = host.page(
                    &format!("cold-{load}-{index}"),
                    &format!(
                        r#"{DECISION_PROBE}<script async crossorigin="anonymous" src="{}/{loader}" data-site="{SITE}"></script>"#,
                        proxy.origin()
                    ),
                );
                times[index].push(
                    decision(&browser, &page)
                        .await
                        .with_context(|| engine.name())?,
                );
                proxies.push(proxy);
            }
        }
        browser.close().await?;
        let [ours, plain] = times.map(|mut t| median(&mut t));
        let ratio = ours / plain;
        println!(
            "{:<12} {ours:>9.0} ms {plain:>11.0} ms {ratio:>7.2}x   <= 1.15x {}",
            engine.name(),
            if ratio <= 1.15 { "met" } else { "NOT MET" }
        );
    }
    Ok(())
}

/// Loads `url` and waits for the provider's script element; its time in ms.
async fn decision(browser: &Browser, url: &str) -> Result<f64> {
    browser.client.goto("about:blank").await?;
    browser.client.goto(url).await?;
    let decided = browser
        .wait_for("return window.benchDecided;")
        .await
        .with_context(|| format!("{url} never added the provider's script ({PROVIDER_SCRIPT})"))?;
    decided
        .as_f64()
        .context("the decision time is not a number")
}

/// The bench site, through the API as an admin would set it up.
async fn configure_site(api: &AdminApi) -> Result<()> {
    api.put(
        "/instance/click-to-chat",
        json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": null,
               "account": {}, "guest_users_allowed": true}),
    )
    .await?;
    api.post(
        "/sites",
        json!({"id": SITE, "name": "Bench", "domains": []}),
    )
    .await?;
    api.put_as_admin(
        &format!("/sites/{SITE}/click-to-chat"),
        json!({"enabled": true, "provider": "tidio", "account": {"public_key": TIDIO_KEY},
               "guest_users_allowed": true}),
    )
    .await?;
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

// ---- Config throughput ----

/// A child process killed (with its process group) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tool(variable: &str) -> Result<PathBuf> {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .with_context(|| format!("{variable} is not set: run `cargo xtask bench`"))
}

async fn config_throughput(plan: &Plan) -> Result<()> {
    let server = tool("SWITCHBOARD_SERVER")?;
    let nginx = tool("NGINX")?;
    let wrk = tool("WRK")?;
    let work = tempfile::tempdir()?;

    // Switchboard, release build, on core 0.
    let port = free_port()?;
    let data = work.path().join("data");
    let _switchboard = Running(
        Command::new("taskset")
            .args(["-c", "0"])
            .arg(&server)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(&data)
            .arg("--assets-dir")
            .arg(assets_dir())
            .env("SWITCHBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", server.display()))?,
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_until_up(&format!("{base}/healthz"))?;
    configure_site(&AdminApi::at(&base).await?).await?;
    let config_url = format!("{base}/api/v1/widget/config?site={SITE}");
    let body = http_get(&config_url)?;

    // nginx serving the same bytes, one worker, on core 0.
    let root = work.path().join("www");
    std::fs::create_dir_all(&root)?;
    std::fs::write(root.join("config.json"), &body)?;
    let nginx_port = free_port()?;
    let conf = work.path().join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "worker_processes 1;\ndaemon off;\nuser root;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n\
             events {{ worker_connections 1024; }}\n\
             http {{ access_log off; keepalive_requests 1000000;\n\
               client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;\n\
               uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;\n\
               server {{ listen 127.0.0.1:{nginx_port}; root {root};\n\
                 location = /config.json {{ default_type application/json;\n\
                   add_header Cache-Control \"public, max-age=60\"; add_header Access-Control-Allow-Origin \"*\"; }} }} }}\n",
            dir = work.path().display(),
            root = root.display(),
        ),
    )?;
    let _nginx = Running(
        Command::new("taskset")
            .args(["-c", "0"])
            .arg(&nginx)
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(work.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", nginx.display()))?,
    );
    let nginx_url = format!("http://127.0.0.1:{nginx_port}/config.json");
    wait_until_up(&nginx_url)?;
    if http_get(&nginx_url)? != body {
        bail!("nginx does not serve the same bytes as the config endpoint");
    }

    let ours = wrk_run(&wrk, &config_url, plan.load_seconds)?;
    let reference = wrk_run(&wrk, &nginx_url, plan.load_seconds)?;
    let ratio = ours.requests_per_second / reference.requests_per_second;
    println!();
    println!(
        "config throughput (one core each, wrk: 1 thread, 64 keep-alive connections, {} s):",
        plan.load_seconds
    );
    println!("{:<12} {:>12} {:>10}", "", "requests/s", "p99");
    println!(
        "{:<12} {:>12.0} {:>7.2} ms",
        "Switchboard", ours.requests_per_second, ours.p99_ms
    );
    println!(
        "{:<12} {:>12.0} {:>7.2} ms",
        "nginx", reference.requests_per_second, reference.p99_ms
    );
    println!(
        "{:<12} {:>11.2}x   target >= 0.9x {}",
        "ratio",
        ratio,
        if ratio >= 0.9 { "met" } else { "NOT MET" }
    );
    Ok(())
}

struct Load {
    requests_per_second: f64,
    p99_ms: f64,
}

/// wrk on core 1 (the servers are on core 0).
fn wrk_run(wrk: &Path, url: &str, seconds: u32) -> Result<Load> {
    let output = Command::new("taskset")
        .args(["-c", "1"])
        .arg(wrk)
        .args(["-t1", "-c64", &format!("-d{seconds}s"), "--latency", url])
        .output()
        .with_context(|| format!("cannot run {}", wrk.display()))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    if text.contains("Non-2xx") || text.contains("Socket errors") {
        bail!("wrk saw errors against {url}:\n{text}");
    }
    let requests_per_second = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .with_context(|| format!("no Requests/sec in wrk's output:\n{text}"))?;
    let p99_ms = text
        .lines()
        .find_map(|line| line.trim().strip_prefix("99%"))
        .and_then(|value| duration_ms(value.trim()))
        .with_context(|| format!("no 99% latency in wrk's output:\n{text}"))?;
    Ok(Load {
        requests_per_second,
        p99_ms,
    })
}

/// wrk's `812.00us`, `1.23ms`, `2.00s`.
fn duration_ms(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn http_get(url: &str) -> Result<Vec<u8>> {
    let mut response = agent().get(url).call()?;
    if !response.status().is_success() {
        bail!("GET {url} answered {}", response.status());
    }
    Ok(response.body_mut().read_to_vec()?)
}

fn wait_until_up(url: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if http_get(url).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{url} did not come up");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
