//! The real binary: it serves, and SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_gracefully() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard-server"))
        .args(["--listen", "127.0.0.1:0", "--assets-dir", "/nonexistent"])
        .arg("--data-dir")
        .arg(data.path().join("nested/data"))
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");

    // Wait for the "listening" line, which carries the chosen port.
    let mut stderr = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = String::new();
    let addr = loop {
        line.clear();
        if stderr.read_line(&mut line).expect("read log") == 0 {
            panic!("server exited before listening");
        }
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split('/').next().expect("address").to_string();
        }
    };
    assert!(data.path().join("nested/data").is_dir(), "data directory was not created");
    let health = std::net::TcpStream::connect(&addr);
    assert!(health.is_ok(), "server not accepting connections on {addr}");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "server did not stop within 10 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "server exited with {exit}");
}
