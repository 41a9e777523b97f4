//! The real binary as a process: graceful stop, crash durability, refusing a
//! corrupt store.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A server process on a free port; killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

/// The admin every process test creates through the environment.
const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// A signed-in admin's credentials, as headers for a browser-like request.
struct Login {
    cookie: String,
    csrf: String,
    origin: String,
}

impl Server {
    fn start(data_dir: &Path) -> Server {
        Self::start_logging(data_dir, "info", Arc::new(Mutex::new(Vec::new())))
    }

    /// Starts the server; everything it logs is collected into `log`.
    fn start_logging(data_dir: &Path, level: &str, log: Arc<Mutex<Vec<u8>>>) -> Server {
        Self::start_with(data_dir, level, log, &[])
    }

    fn start_with(
        data_dir: &Path,
        level: &str,
        log: Arc<Mutex<Vec<u8>>>,
        extra: &[&str],
    ) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
            .args(["--listen", "127.0.0.1:0", "--assets-dir", "/nonexistent"])
            .args(extra)
            .arg("--data-dir")
            .arg(data_dir)
            .env("RUST_LOG", level)
            .env("SWITCHBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stderr(Stdio::piped())
            .spawn()
            .expect("start server");
        // The "listening" log line carries the chosen port.
        let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
        let mut line = String::new();
        let addr = loop {
            line.clear();
            if stderr.read_line(&mut line).expect("read log") == 0 {
                panic!("server exited before listening");
            }
            log.lock().expect("log").extend_from_slice(line.as_bytes());
            if let Some(rest) = line.split("listening on http://").nth(1) {
                break rest.split('/').next().expect("address").to_string();
            }
        };
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                log.lock().expect("log").extend_from_slice(&buffer[..n]);
            }
        });
        Server { child, addr }
    }

    fn login(&self) -> Login {
        let origin = format!("http://{}", self.addr);
        let mut response = agent()
            .post(&self.url("/api/v1/session"))
            .header("content-type", "application/json")
            .header("origin", &origin)
            .send(format!(
                r#"{{"username":"admin","password":"{ADMIN_PASSWORD}"}}"#
            ))
            .expect("login");
        assert_eq!(response.status().as_u16(), 200, "login failed");
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_string();
        let body: serde_json::Value =
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .expect("JSON");
        Login {
            cookie,
            csrf: body["csrf_token"].as_str().expect("csrf token").to_string(),
            origin,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(exit) = self.child.try_wait().expect("wait") {
                return exit;
            }
            assert!(
                Instant::now() < deadline,
                "server did not exit within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the server on `data_dir` to completion (for starts that must fail).
fn run_once(data_dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
        .args(["--listen", "127.0.0.1:0", "--assets-dir", "/nonexistent"])
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("run server")
}

/// Targets of the audit entries with `action`, from the log files on disk.
fn audited_targets(data_dir: &Path, action: &str) -> Vec<String> {
    let text = std::fs::read_to_string(data_dir.join("audit.jsonl")).unwrap_or_default();
    text.lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("a torn audit line {line:?}: {e}"))
        })
        .filter(|entry| entry["action"] == action)
        .filter_map(|entry| entry["target"].as_str().map(str::to_string))
        .collect()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn post_json(
    agent: &ureq::Agent,
    url: &str,
    login: &Login,
    body: &str,
) -> Result<u16, ureq::Error> {
    let response = agent
        .post(url)
        .header("content-type", "application/json")
        .header("cookie", &login.cookie)
        .header("x-csrf-token", &login.csrf)
        .header("origin", &login.origin)
        .send(body)?;
    Ok(response.status().as_u16())
}

fn get_json(agent: &ureq::Agent, url: &str, login: Option<&Login>) -> serde_json::Value {
    let mut request = agent.get(url);
    if let Some(login) = login {
        request = request.header("cookie", &login.cookie);
    }
    let mut response = request.call().expect("GET");
    let text = response.body_mut().read_to_string().expect("body");
    serde_json::from_str(&text).expect("JSON")
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_gracefully() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start(&data.path().join("nested/data"));
    assert!(
        data.path().join("nested/data").is_dir(),
        "data directory was not created"
    );
    let health = get_json(&agent(), &server.url("/healthz"), None);
    assert_eq!(health["status"], "ok");

    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = server.wait_exit(Duration::from_secs(10));
    assert!(exit.success(), "server exited with {exit}");
}

/// Writers race while the process is SIGKILLed; after a restart the file
/// parses and every write that was acknowledged is there.
#[test]
fn every_acknowledged_write_survives_a_kill() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = Server::start(data.path());
    let login = Arc::new(server.login());
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..6)
        .map(|writer| {
            let url = server.url("/api/v1/sites");
            let acknowledged = Arc::clone(&acknowledged);
            let stop = Arc::clone(&stop);
            let login = Arc::clone(&login);
            std::thread::spawn(move || {
                let agent = agent();
                for n in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let id = format!("w{writer}-{n}");
                    let body = format!(
                        r#"{{"id":"{id}","name":"Site {id}","domains":["{id}.example.com"]}}"#
                    );
                    match post_json(&agent, &url, &login, &body) {
                        Ok(201) => acknowledged.lock().expect("lock").push(id),
                        Ok(status) => panic!("unexpected status {status} for {id}"),
                        // The server was killed mid-request: not acknowledged.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();

    // Let writes pile up, then kill without warning.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acknowledged.lock().expect("lock").len() < 150 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut server = server;
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reaped");
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.join().expect("writer thread");
    }
    drop(server);

    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() >= 150,
        "only {} writes were acknowledged before the kill",
        acknowledged.len()
    );

    let mut file = String::new();
    std::fs::File::open(data.path().join("switchboard.json"))
        .expect("store file")
        .read_to_string(&mut file)
        .expect("read");
    let stored: serde_json::Value =
        serde_json::from_str(&file).expect("the store file parses after a kill");
    for id in &acknowledged {
        assert!(
            stored["sites"].get(id).is_some(),
            "acknowledged site {id} is missing from the file"
        );
    }

    // Started at once after the kill (as a supervisor would): the lock of
    // the killed process does not keep it out.
    let restarted = Server::start(data.path());
    let audited = audited_targets(data.path(), "site.create");
    for id in &acknowledged {
        assert!(
            audited.contains(id),
            "acknowledged site {id} has no audit entry"
        );
    }
    let sites = get_json(
        &agent(),
        &restarted.url("/api/v1/sites"),
        Some(&restarted.login()),
    );
    let listed: Vec<&str> = sites["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for id in &acknowledged {
        assert!(
            listed.contains(&id.as_str()),
            "acknowledged site {id} is missing after restart"
        );
    }
}

#[test]
fn a_corrupt_store_stops_start_up_and_is_left_untouched() {
    let data = tempfile::tempdir().expect("temp dir");
    let path = data.path().join("switchboard.json");
    let corrupt = b"{\"schema_version\": 1, \"sites\": {\"shop\": ";
    std::fs::write(&path, corrupt).expect("write");
    let output = run_once(data.path());
    assert!(
        !output.status.success(),
        "the server must not start on a corrupt store"
    );
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("switchboard.json")
            && log.contains("not valid")
            && log.contains("left untouched"),
        "{log}"
    );
    assert_eq!(std::fs::read(&path).expect("still there"), corrupt);
}

#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let data = tempfile::tempdir().expect("temp dir");
    let _first = Server::start(data.path());
    let output = run_once(data.path());
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("another Switchboard server is using the data directory"));
}

/// Everything the server logs at the most verbose level while an admin signs
/// in, fails a login, creates a key and uses it: no secret appears.
#[test]
fn secrets_never_reach_the_logs() {
    let data = tempfile::tempdir().expect("temp dir");
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut server = Server::start_logging(data.path(), "trace", Arc::clone(&log));
    let login = server.login();
    let agent = agent();
    let wrong = "Wrong-Password-4711";
    let failed = agent
        .post(&server.url("/api/v1/session"))
        .header("content-type", "application/json")
        .send(format!(r#"{{"username":"admin","password":"{wrong}"}}"#))
        .expect("login attempt");
    assert_eq!(failed.status().as_u16(), 401);
    let mut created = agent
        .post(&server.url("/api/v1/api-keys"))
        .header("content-type", "application/json")
        .header("cookie", &login.cookie)
        .header("x-csrf-token", &login.csrf)
        .header("origin", &login.origin)
        .send(r#"{"name":"robot"}"#)
        .expect("create key");
    assert_eq!(created.status().as_u16(), 201);
    let body: serde_json::Value =
        serde_json::from_str(&created.body_mut().read_to_string().expect("body")).expect("JSON");
    let key = body["key"].as_str().expect("key").to_string();
    let used = agent
        .get(&server.url("/api/v1/sites"))
        .header("authorization", &format!("Bearer {key}"))
        .call()
        .expect("use key");
    assert_eq!(used.status().as_u16(), 200);

    let _ = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status();
    server.wait_exit(Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(100));
    let text = String::from_utf8_lossy(&log.lock().expect("log")).into_owned();
    assert!(
        text.contains("/api/v1/api-keys") && text.contains("/api/v1/session"),
        "requests were logged:\n{text}"
    );
    let session_id = login
        .cookie
        .split_once('=')
        .map(|(_, v)| v)
        .expect("cookie value");
    for (what, secret) in [
        ("admin password", ADMIN_PASSWORD),
        ("wrong password", wrong),
        ("API key", key.as_str()),
        ("CSRF token", &login.csrf),
        ("session id", session_id),
    ] {
        assert!(!text.contains(secret), "the {what} appears in the log");
    }
}

#[test]
fn the_environment_admin_is_created_once_and_never_overwritten() {
    let data = tempfile::tempdir().expect("temp dir");
    drop(Server::start(data.path()));
    // A later start with another password leaves the existing admin alone.
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
        .args(["--listen", "127.0.0.1:0", "--assets-dir", "/nonexistent"])
        .arg("--data-dir")
        .arg(data.path())
        .env("SWITCHBOARD_ADMIN_PASSWORD", "another long password")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    while stderr.read_line(&mut line).expect("read") > 0 && !line.contains("listening on") {}
    assert!(line.contains("listening on"), "{line}");
    let _ = child.kill();
    let _ = child.wait();
    let server = Server::start(data.path());
    server.login(); // still the first password
}

#[test]
fn a_weak_environment_password_stops_start_up_without_echoing_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
        .args(["--listen", "127.0.0.1:0", "--assets-dir", "/nonexistent"])
        .arg("--data-dir")
        .arg(data.path())
        .env("SWITCHBOARD_ADMIN_PASSWORD", "short7")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("SWITCHBOARD_ADMIN_PASSWORD") && log.contains("at least 10 characters"),
        "{log}"
    );
    assert!(!log.contains("short7"), "{log}");
}

#[test]
fn page_views_are_not_logged_at_info_but_admin_requests_are() {
    let data = tempfile::tempdir().expect("temp dir");
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut server = Server::start_logging(data.path(), "info", Arc::clone(&log));
    let agent = agent();
    for path in ["/api/v1/widget/config?site=shop", "/widget.js", "/healthz"] {
        agent.get(&server.url(path)).call().expect("request");
    }
    let _ = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status();
    server.wait_exit(Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(100));
    let text = String::from_utf8_lossy(&log.lock().expect("log")).into_owned();
    assert!(
        text.contains("path=/healthz") && text.contains("status=200"),
        "{text}"
    );
    assert!(
        !text.contains("widget/config") && !text.contains("widget.js"),
        "{text}"
    );
}

/// A mounted tmpfs of `size`, unmounted when dropped. The tests run as root
/// (CI and these machines do); without root this test cannot do its job and fails.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().expect("temp dir");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(status.success(), "mounting a tmpfs needs root");
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Fills the disk with `filler` until a write fails; returns its size.
fn fill(filler: &Path) -> u64 {
    use std::io::Write;
    let mut file = std::fs::File::create(filler).expect("filler");
    let chunk = [0u8; 1024];
    let mut written = 0;
    while file
        .write_all(&chunk)
        .and_then(|()| file.sync_data())
        .is_ok()
    {
        written += chunk.len() as u64;
    }
    let _ = file.set_len(written);
    written
}

#[test]
fn a_full_disk_loses_no_acknowledged_write_and_leaves_no_torn_audit_line() {
    let disk = SmallDisk::mount("1m");
    let data = disk.path().join("data");
    let server = Server::start(&data);
    let login = server.login();
    let agent = agent();
    let url = server.url("/api/v1/sites");
    let body = |id: &str| format!(r#"{{"id":"{id}","name":"Site {id}","domains":[]}}"#);
    assert_eq!(
        post_json(&agent, &url, &login, &body("before")).expect("request"),
        201
    );

    let filler = disk.path().join("filler");
    let size = fill(&filler);
    let mut acknowledged = vec!["before".to_string()];
    let mut refused = 0;
    // Free a little room at a time, so some writes fit whole, some only
    // the store file, some nothing.
    for step in 0..40u64 {
        let id = format!("s{step}");
        match post_json(&agent, &url, &login, &body(&id)).expect("request") {
            201 => acknowledged.push(id),
            500 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&filler)
            .expect("filler");
        file.set_len(size.saturating_sub(step * 512))
            .expect("shrink filler");
    }
    assert!(refused > 0, "the disk never filled up");
    std::fs::remove_file(&filler).expect("free the disk");
    assert_eq!(
        post_json(&agent, &url, &login, &body("after")).expect("request"),
        201,
        "writes work again once there is room"
    );
    acknowledged.push("after".into());
    drop(server);

    // A restart on the same (now roomy) disk: no refusal, no torn line,
    // every acknowledged site with its entry.
    let restarted = Server::start(&data);
    let audited = audited_targets(&data, "site.create");
    for id in &acknowledged {
        assert!(
            audited.contains(id),
            "acknowledged site {id} has no audit entry ({audited:?})"
        );
    }
    let sites = get_json(
        &agent,
        &restarted.url("/api/v1/sites"),
        Some(&restarted.login()),
    );
    let listed: Vec<&str> = sites["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for id in &acknowledged {
        assert!(
            listed.contains(&id.as_str()),
            "acknowledged site {id} is missing"
        );
    }
    for id in &audited {
        assert!(
            listed.contains(&id.as_str()),
            "site {id} is audited as created but not stored"
        );
    }
}

/// Reads from `stream` until it is closed by the server (or `within` passes).
fn closed_within(stream: &mut std::net::TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).expect("timeout");
    let mut buffer = [0u8; 4096];
    let started = Instant::now();
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return started.elapsed() < within,
        }
    }
}

#[test]
fn slow_and_idle_connections_are_closed_and_bounded() {
    use std::io::Write;
    use std::net::TcpStream;
    let data = tempfile::tempdir().expect("temp dir");
    let server = Server::start_with(
        data.path(),
        "info",
        Arc::new(Mutex::new(Vec::new())),
        &["--max-connections-per-address", "4"],
    );
    // Four clients that send half a request and stop.
    let mut slow: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = TcpStream::connect(&server.addr).expect("connect");
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                .expect("half a request");
            stream
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // A fifth from the same address is closed at once.
    let mut fifth = TcpStream::connect(&server.addr).expect("connect");
    let _ = fifth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        closed_within(&mut fifth, Duration::from_secs(3)),
        "a connection over the limit is refused"
    );
    // The half-sent ones are timed out by the server.
    let started = Instant::now();
    for stream in &mut slow {
        assert!(
            closed_within(stream, Duration::from_secs(20)),
            "a slow client was never timed out"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(15));
    // An idle kept-alive connection is closed too, after its answer.
    let mut idle = TcpStream::connect(&server.addr).expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    assert!(
        closed_within(&mut idle, Duration::from_secs(20)),
        "an idle connection was never closed"
    );
    // And the server answers as before.
    assert_eq!(
        get_json(&agent(), &server.url("/healthz"), None)["status"],
        "ok"
    );
}

/// Resident memory of a process, in KiB.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .expect("VmRSS")
}

#[test]
fn a_burst_of_sign_ins_leaves_the_memory_where_it_was() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = Server::start_with(
        data.path(),
        "info",
        Arc::new(Mutex::new(Vec::new())),
        &["--trust-forwarded-for"],
    );
    let before = resident_kib(server.child.id());
    for burst in 0..3u32 {
        let attempts: Vec<_> = (0..40u32)
            .map(|n| {
                let url = server.url("/api/v1/session");
                std::thread::spawn(move || {
                    let body = format!(r#"{{"username":"user{n}","password":"not the password"}}"#);
                    let _ = agent()
                        .post(&url)
                        .header("content-type", "application/json")
                        .header(
                            "x-forwarded-for",
                            &format!("10.{burst}.{}.{}", n / 200, n % 200 + 1),
                        )
                        .send(body);
                })
            })
            .collect();
        for attempt in attempts {
            attempt.join().expect("thread");
        }
    }
    let after = resident_kib(server.child.id());
    // Each hash takes 19 MiB and two run at once: whatever arrives, little stays.
    assert!(
        after < before + 80 * 1024,
        "resident memory grew from {before} KiB to {after} KiB"
    );
}
