//! Builds the admin app and the widget into `dist/`, the one folder the server
//! serves (layout documented in server/src/routes/assets.rs):
//!
//! ```text
//! dist/admin/index.html              shell naming the hashed files below
//! dist/admin/assets/app-<h>.js       ES module glue, starts the app itself
//! dist/admin/assets/app-<h>.wasm
//! dist/admin/assets/style-<h>.css    style/*.css, in name order
//! dist/widget/widget.js              the loader (stable URL), minified
//! dist/widget/widget-<h>.wasm
//! dist/public/…                      copy of public/, except demo.html
//! dist/demo/demo.html                the demo page (served only at /demo)
//! ```
//!
//! Text and wasm files also get a `.gz` sibling the server sends to clients
//! that accept gzip. The new tree is built beside the old one and swapped in
//! at the end, so a running server never sees a half-built folder.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::tools::{BuildTools, WASM_TARGET};
use crate::{cargo, run_command};

const PROFILE: &str = "wasm-release";
/// The no-modules glue's global, renamed so it cannot clash with a host
/// page's own `wasm_bindgen`; it is local to our wrapper function anyway.
const WIDGET_GLOBAL: &str = "__switchboard_widget";

pub fn build(root: &Path, tools: &BuildTools) -> Result<()> {
    eprintln!("xtask: building the admin app and the widget (wasm, profile {PROFILE})");
    // Two invocations: built together, the app's `std` features would be
    // unified into the widget's dependencies, which must stay no_std.
    for package in ["switchboard-app", "switchboard-widget"] {
        run_command(cargo().current_dir(root).args([
            "build",
            "--package",
            package,
            "--profile",
            PROFILE,
            "--target",
            WASM_TARGET,
        ]))?;
    }

    let work = root.join("target").join("xtask");
    let staging = root.join("dist.new");
    remove_dir_if_exists(&work)?;
    remove_dir_if_exists(&staging)?;
    fs::create_dir_all(&work)?;

    let wasm_dir = root.join("target").join(WASM_TARGET).join(PROFILE);
    build_admin(
        root,
        tools,
        &wasm_dir.join("switchboard_app.wasm"),
        &work.join("app"),
        &staging.join("admin"),
    )?;
    build_widget(
        root,
        tools,
        &wasm_dir.join("switchboard_widget.wasm"),
        &work.join("widget"),
        &staging.join("widget"),
    )?;
    copy_dir(&root.join("public"), &staging.join("public"))?;
    // The demo page is served only at /demo, sandboxed: it must not sit in
    // the public folder, whose files are served under their own names.
    fs::create_dir_all(staging.join("demo"))?;
    fs::rename(
        staging.join("public").join("demo.html"),
        staging.join("demo").join("demo.html"),
    )
    .context("public/demo.html is missing")?;
    gzip_tree(&staging)?;

    swap_in(&staging, &root.join("dist"))?;
    eprintln!("xtask: built {}", root.join("dist").display());
    Ok(())
}

fn build_admin(
    root: &Path,
    tools: &BuildTools,
    wasm: &Path,
    work: &Path,
    out: &Path,
) -> Result<()> {
    run_command(
        Command::new(&tools.wasm_bindgen)
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                "app",
                "--out-dir",
            ])
            .arg(work)
            .arg(wasm),
    )?;
    let optimized = work.join("app.opt.wasm");
    wasm_opt(tools, &work.join("app_bg.wasm"), &optimized)?;
    let wasm_bytes = fs::read(&optimized)?;
    let wasm_name = format!("app-{}.wasm", content_hash(&wasm_bytes));

    // The glue looks for `app_bg.wasm` next to itself; point it at the hashed
    // name and start the app as soon as the module is evaluated.
    let glue = fs::read_to_string(work.join("app.js"))?;
    let glue = replace_once(&glue, "'app_bg.wasm'", &format!("'{wasm_name}'"))?;
    let js = format!("{glue}\n__wbg_init();\n");
    let js_name = format!("app-{}.js", content_hash(js.as_bytes()));

    let css = concat_styles(&root.join("style"))?;
    let css_name = format!("style-{}.css", content_hash(css.as_bytes()));

    let assets = out.join("assets");
    fs::create_dir_all(&assets)?;
    fs::write(assets.join(&wasm_name), &wasm_bytes)?;
    fs::write(assets.join(&js_name), js)?;
    fs::write(assets.join(&css_name), css)?;

    let template = fs::read_to_string(root.join("app").join("index.html"))
        .context("cannot read app/index.html")?;
    let html = replace_once(&template, "{{APP_JS}}", &js_name)?;
    let html = replace_once(&html, "{{APP_WASM}}", &wasm_name)?;
    let html = replace_once(&html, "{{STYLE}}", &css_name)?;
    fs::write(out.join("index.html"), html)?;
    Ok(())
}

fn build_widget(
    root: &Path,
    tools: &BuildTools,
    wasm: &Path,
    work: &Path,
    out: &Path,
) -> Result<()> {
    run_command(
        Command::new(&tools.wasm_bindgen)
            .args([
                "--target",
                "no-modules",
                "--no-modules-global",
                WIDGET_GLOBAL,
            ])
            .args(["--no-typescript", "--out-name", "widget", "--out-dir"])
            .arg(work)
            .arg(wasm),
    )?;
    let optimized = work.join("widget.opt.wasm");
    wasm_opt(tools, &work.join("widget_bg.wasm"), &optimized)?;
    let wasm_bytes = fs::read(&optimized)?;
    let wasm_name = format!("widget-{}.wasm", content_hash(&wasm_bytes));

    let glue = fs::read_to_string(work.join("widget.js"))?;
    if !glue.contains(&format!("let {WIDGET_GLOBAL} =")) {
        bail!(
            "wasm-bindgen's no-modules glue no longer defines {WIDGET_GLOBAL}; update build_widget"
        );
    }
    let template = fs::read_to_string(root.join("widget").join("src").join("loader.js"))
        .context("cannot read widget/src/loader.js")?;
    let wrapped = wrap_widget_glue(&template, &glue, &wasm_name)?;
    let wrapped_path = work.join("widget.wrapped.js");
    fs::write(&wrapped_path, wrapped)?;
    let minified_path = work.join("widget.min.js");
    run_command(
        Command::new("node")
            .arg(&tools.terser)
            .arg(&wrapped_path)
            .args(["--compress", "--mangle", "--ecma", "2017", "--output"])
            .arg(&minified_path),
    )?;

    fs::create_dir_all(out)?;
    fs::copy(&minified_path, out.join("widget.js"))?;
    fs::write(out.join(&wasm_name), &wasm_bytes)?;
    Ok(())
}

/// The loader: `widget/src/loader.js` with the glue inside its function (so
/// nothing leaks into the host page's globals) and the hashed wasm file name.
fn wrap_widget_glue(template: &str, glue: &str, wasm_name: &str) -> Result<String> {
    let with_glue = replace_once(template, "/*@GLUE@*/", glue)?;
    replace_once(&with_glue, "@WASM_FILE@", wasm_name)
}

fn wasm_opt(tools: &BuildTools, input: &Path, output: &Path) -> Result<()> {
    // The features rustc 1.95 enables for wasm32; named explicitly so wasm-opt
    // accepts the module even if the target_features section is missing.
    run_command(
        Command::new(&tools.wasm_opt)
            .arg(input)
            .args(["-Oz", "--strip-debug", "--strip-producers"])
            .args([
                "--enable-bulk-memory",
                "--enable-multivalue",
                "--enable-mutable-globals",
                "--enable-nontrapping-float-to-int",
                "--enable-reference-types",
                "--enable-sign-ext",
            ])
            .arg("-o")
            .arg(output),
    )
}

fn concat_styles(dir: &Path) -> Result<String> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "css"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no .css file in {}", dir.display());
    }
    let mut css = String::new();
    for file in files {
        css.push_str(&fs::read_to_string(&file)?);
        css.push('\n');
    }
    Ok(css)
}

/// First 16 hex digits of SHA-256: enough to tell builds apart in a file name.
pub fn content_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn replace_once(text: &str, from: &str, to: &str) -> Result<String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => bail!("expected {from:?} exactly once in generated code, found it {n} times"),
    }
}

const COMPRESSIBLE: &[&str] = &["html", "js", "css", "wasm", "svg", "json"];

fn gzip_tree(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            gzip_tree(&path)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e))
        {
            let bytes = fs::read(&path)?;
            let mut gz_name = path.clone().into_os_string();
            gz_name.push(".gz");
            fs::write(PathBuf::from(gz_name), gzip(&bytes)?)?;
        }
    }
    Ok(())
}

pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn swap_in(staging: &Path, dist: &Path) -> Result<()> {
    let old = dist.with_extension("old");
    remove_dir_if_exists(&old)?;
    if dist.exists() {
        fs::rename(dist, &old)?;
    }
    fs::rename(staging, dist)?;
    remove_dir_if_exists(&old)
}

fn remove_dir_if_exists(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(error).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_once_refuses_zero_or_several_matches() {
        assert_eq!(
            replace_once("a 'x' b", "'x'", "'y'").ok().as_deref(),
            Some("a 'y' b")
        );
        assert!(replace_once("a b", "'x'", "'y'").is_err());
        assert!(replace_once("'x' 'x'", "'x'", "'y'").is_err());
    }

    #[test]
    fn content_hash_is_16_hex_digits_and_depends_on_content() {
        let a = content_hash(b"one");
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, content_hash(b"one"));
        assert_ne!(a, content_hash(b"two"));
    }

    #[test]
    fn widget_wrapper_scopes_the_glue_and_loads_the_hashed_wasm_beside_the_loader() {
        let template = include_str!("../../widget/src/loader.js");
        let wrapped =
            wrap_widget_glue(template, "let __switchboard_widget = 1;", "widget-abc.wasm")
                .expect("placeholders present");
        let code = wrapped
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(code.trim_start().starts_with("(function () {"));
        assert!(code.trim_end().ends_with("})();"));
        assert!(code.contains("let __switchboard_widget = 1;"));
        assert!(code.contains(r#"new URL("widget/widget-abc.wasm", script.src)"#));
        // Every failure of the promise chain ends in a warning and a true state.
        assert!(code.contains(".catch(function (error) {"));
        assert!(code.contains(
            r#"fail(error instanceof WebAssembly.CompileError ? "blocked" : "unreachable", error)"#
        ));
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read;
        let packed = gzip(b"hello hello hello").expect("gzip");
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_string(&mut unpacked)
            .expect("gunzip");
        assert_eq!(unpacked, "hello hello hello");
    }
}
