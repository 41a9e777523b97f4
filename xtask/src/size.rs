//! `cargo xtask size`: the gzipped size of what visitors and admins download,
//! against the budgets in SPEC ("Speed and size"). Reads the built `dist/`.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::build::gzip;

/// `widget.js` plus its wasm, gzipped: the widget runs on every page view.
const WIDGET_BUDGET: u64 = 12 * 1024;
/// The admin app's wasm, gzipped.
const ADMIN_WASM_BUDGET: u64 = 300 * 1024;

pub fn report(root: &Path) -> Result<()> {
    let dist = root.join("dist");
    let widget_js = dist.join("widget").join("widget.js");
    let widget_wasm = find_one(&dist.join("widget"), "widget-", ".wasm")?;
    let admin_wasm = find_one(&dist.join("admin").join("assets"), "app-", ".wasm")?;
    let admin_js = find_one(&dist.join("admin").join("assets"), "app-", ".js")?;

    let widget = [Measured::of(&widget_js)?, Measured::of(&widget_wasm)?];
    let admin = [Measured::of(&admin_wasm)?, Measured::of(&admin_js)?];
    println!("{:<40} {:>10} {:>10}", "file", "bytes", "gzipped");
    for m in widget.iter().chain(admin.iter()) {
        println!("{:<40} {:>10} {:>10}", m.name, m.raw, m.gzipped);
    }
    let widget_total: u64 = widget.iter().map(|m| m.gzipped).sum();
    let admin_total = admin[0].gzipped;
    println!();
    let widget_ok = line("widget.js + wasm, gzipped", widget_total, WIDGET_BUDGET);
    let admin_ok = line("admin app wasm, gzipped", admin_total, ADMIN_WASM_BUDGET);
    if !(widget_ok && admin_ok) {
        bail!("a size budget is exceeded");
    }
    Ok(())
}

fn line(what: &str, bytes: u64, budget: u64) -> bool {
    let ok = bytes <= budget;
    println!(
        "{what:<28} {:>8.1} KB of {:>5} KB budget  {}",
        bytes as f64 / 1024.0,
        budget / 1024,
        if ok { "ok" } else { "OVER BUDGET" }
    );
    ok
}

struct Measured {
    name: String,
    raw: u64,
    gzipped: u64,
}

impl Measured {
    fn of(path: &Path) -> Result<Self> {
        let bytes = fs::read(path)
            .with_context(|| format!("cannot read {} (run `cargo xtask build`)", path.display()))?;
        Ok(Self {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            raw: bytes.len() as u64,
            gzipped: gzip(&bytes)?.len() as u64,
        })
    }
}

fn find_one(dir: &Path, prefix: &str, suffix: &str) -> Result<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)
        .with_context(|| format!("cannot read {} (run `cargo xtask build`)", dir.display()))?
    {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with(prefix) && name.ends_with(suffix) {
            found.push(path);
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        n => bail!(
            "expected one {prefix}*{suffix} in {}, found {n}",
            dir.display()
        ),
    }
}
