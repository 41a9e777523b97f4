//! Builds the admin app and the widget into `dist/`, the one folder the server
//! serves (layout documented in server/src/routes/assets.rs):
//!
//! ```text
//! dist/admin/index.html              shell naming the build directory below
//! dist/admin/split-manifest.json     each screen's chunks (for `xtask size`; not served)
//! dist/admin/builds.txt              this and the last 3 builds' directories, kept for open pages
//! dist/admin/assets/app-<h>/         one directory per build, named by its content:
//!     app.js                         ES module glue, starts the app itself
//!     app_bg.wasm                    main module: shell, sign-in, setup
//!     __wasm_split.js                loads a screen's chunks on demand
//!     split_<screen>.wasm, chunk_<n>.wasm   one per lazy screen, shared code
//! dist/admin/assets/style-<h>.css    style/*.css, in name order
//! dist/widget/widget.js              the loader (stable URL), minified, its wasm inside
//! dist/widget/rules.js               display rules, fetched by widget.js for sites with rules
//! dist/widget/assistant/launcher.js  the built-in assistant's launcher (stable URL)
//! dist/widget/assistant/panel-<h>.js its chat panel, loaded when a visitor opens it
//! dist/public/…                      copy of public/, except demo.html
//! dist/demo/demo.html                the demo page (served only at /demo)
//! ```
//!
//! Text and wasm files also get `.br` and `.gz` siblings the server sends to
//! clients that accept Brotli or gzip. The new tree is built beside the old one and swapped in
//! at the end, so a running server never sees a half-built folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::tools::{BuildTools, WASM_TARGET};
use crate::{cargo, run_command};

const PROFILE: &str = "wasm-release";

pub fn build(root: &Path, tools: &BuildTools) -> Result<()> {
    eprintln!("xtask: building the admin app and the widget (wasm, profile {PROFILE})");
    // Two invocations: built together, the app's `std` features would be
    // unified into the widget's dependencies, which must stay no_std.
    // The app keeps the linker's relocations for the splitter; passed to its
    // own crate only (`cargo rustc`), so its dependencies stay cached.
    run_command(cargo().current_dir(root).args([
        "rustc",
        "--package",
        "switchboard-app",
        "--lib",
        "--profile",
        PROFILE,
        "--target",
        WASM_TARGET,
        "--",
        "-Clink-arg=--emit-relocs",
    ]))?;
    run_command(cargo().current_dir(root).args([
        "build",
        "--package",
        "switchboard-widget",
        "--profile",
        PROFILE,
        "--target",
        WASM_TARGET,
    ]))?;

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
    compress_tree(&staging)?;
    keep_previous_builds(&root.join("dist"), &staging)?;

    swap_in(&staging, &root.join("dist"))?;
    eprintln!("xtask: built {}", root.join("dist").display());
    Ok(())
}

/// The admin app, split into a main module and one chunk per lazy screen.
///
/// Order matters (../shared/reference/tooling.md, "Wasm code splitting"):
/// the splitter reads the linker's relocations, so it runs on rustc's output,
/// before wasm-bindgen; wasm-bindgen must keep lld's exports (the chunks link
/// to the main module's table and memory through them); wasm-opt comes last,
/// on every file. The chunks are named by the splitter and reference each
/// other and the glue by relative URLs, so the whole set goes into one
/// directory named after its content: a build never mixes with another's
/// chunks, and every file in it can be cached for good.
fn build_admin(
    root: &Path,
    tools: &BuildTools,
    wasm: &Path,
    work: &Path,
    out: &Path,
) -> Result<()> {
    let split_dir = work.join("split");
    let input = fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let main_module = split_dir.join("app.wasm");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = &split_dir;
    options.main_out_path = &main_module;
    options.link_name = SPLIT_LOADER;
    options.main_module = "./app.js";
    let split = wasm_split_cli_support::transform(options)
        .map_err(|error| anyhow::anyhow!("splitting the admin app's wasm failed: {error:#}"))?;

    let bindgen_dir = work.join("bindgen");
    run_command(
        Command::new(&tools.wasm_bindgen)
            .args([
                "--target",
                "web",
                "--keep-lld-exports",
                "--no-typescript",
                "--out-name",
                "app",
                "--out-dir",
            ])
            .arg(&bindgen_dir)
            .arg(&main_module),
    )?;

    // (file name in the build directory, bytes)
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let optimized = work.join("app.opt.wasm");
    wasm_opt(tools, &bindgen_dir.join("app_bg.wasm"), &optimized)?;
    files.push(("app_bg.wasm".into(), fs::read(&optimized)?));
    for chunk in &split.split_modules {
        let name = file_name(chunk)?;
        let optimized = work.join(format!("{name}.opt"));
        wasm_opt(tools, chunk, &optimized)?;
        files.push((name, fs::read(&optimized)?));
    }
    // The glue finds `app_bg.wasm` beside itself; start the app as soon as
    // the module is evaluated.
    let glue = fs::read_to_string(bindgen_dir.join("app.js"))?;
    if !glue.contains(SPLIT_LOADER) {
        bail!("wasm-bindgen's glue does not import {SPLIT_LOADER}: the split did not happen");
    }
    files.push((
        "app.js".into(),
        format!("{glue}\n__wbg_init();\n").into_bytes(),
    ));
    let loader = split_dir.join(SPLIT_LOADER.trim_start_matches("./"));
    files.push((file_name(&loader)?, fs::read(&loader)?));
    files.sort();

    let mut build_id = Sha256::new();
    for (name, bytes) in &files {
        build_id.update(name.as_bytes());
        build_id.update((bytes.len() as u64).to_le_bytes());
        build_id.update(bytes);
    }
    let build_dir = format!("app-{}", hex16(&build_id.finalize()));

    let css = concat_styles(&root.join("style"))?;
    let css_name = format!("style-{}.css", content_hash(css.as_bytes()));

    let assets = out.join("assets");
    fs::create_dir_all(assets.join(&build_dir))?;
    for (name, bytes) in &files {
        fs::write(assets.join(&build_dir).join(name), bytes)?;
    }
    fs::write(assets.join(&css_name), css)?;

    // Which files each screen needs, for `cargo xtask size` (not served:
    // every path under /admin/ but /admin/assets/ is the app's shell).
    let screens: std::collections::BTreeMap<_, _> = split.prefetch_map.into_iter().collect();
    let manifest = serde_json::json!({ "build_dir": build_dir, "screens": screens });
    fs::write(
        out.join(SPLIT_MANIFEST),
        serde_json::to_vec_pretty(&manifest)?,
    )?;

    let template = fs::read_to_string(root.join("app").join("index.html"))
        .context("cannot read app/index.html")?;
    let html = template.replace("{{BUILD}}", &build_dir);
    if html == template {
        bail!("app/index.html does not name {{{{BUILD}}}}");
    }
    let html = replace_once(&html, "{{STYLE}}", &css_name)?;
    fs::write(out.join("index.html"), html)?;
    Ok(())
}

/// The module the split main wasm imports its chunk loaders from.
const SPLIT_LOADER: &str = "./__wasm_split.js";
/// Beside `index.html`: the build directory, and for each split (screen) the
/// chunk files it needs, without `.wasm`.
pub const SPLIT_MANIFEST: &str = "split-manifest.json";

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("{} has no file name", path.display()))
}

fn build_widget(
    root: &Path,
    tools: &BuildTools,
    wasm: &Path,
    work: &Path,
    out: &Path,
) -> Result<()> {
    // No wasm-bindgen: the module's imports and exports are the loader's own
    // (widget/src/js.rs and loader.js).
    fs::create_dir_all(work)?;
    let exported = work.join("widget.wasm");
    fs::write(
        &exported,
        crate::wasm_exports::without_exports(&fs::read(wasm)?, &["__data_end", "__heap_base"])?,
    )?;
    let optimized = work.join("widget.opt.wasm");
    wasm_opt(tools, &exported, &optimized)?;
    let wasm_bytes = fs::read(&optimized)?;
    let loader_path = root.join("widget").join("src").join("loader.js");
    let minified_path = work.join("widget.min.js");
    run_command(
        Command::new("node")
            .arg(&tools.terser)
            .arg(&loader_path)
            .args(["--compress", "--mangle", "--ecma", "2017", "--output"])
            .arg(&minified_path),
    )?;
    // After minifying: terser would rewrite the bytes' escapes its own way.
    let minified = fs::read_to_string(&minified_path)?;
    fs::create_dir_all(out)?;
    fs::write(out.join("widget.js"), embed_wasm(&minified, &wasm_bytes)?)?;
    let rules = work.join("rules.js");
    run_command(
        Command::new("node")
            .arg(&tools.terser)
            .arg(root.join("widget").join("rules.js"))
            .args(["--compress", "--mangle", "--ecma", "2017", "--output"])
            .arg(&rules),
    )?;
    fs::copy(&rules, out.join("rules.js"))?;
    build_assistant(root, tools, work, &out.join("assistant"))
}

/// The built-in assistant's scripts, minified: the panel under its content's
/// hash (cached for good), the launcher (stable URL, named by the recipe)
/// pointing at it.
fn build_assistant(root: &Path, tools: &BuildTools, work: &Path, out: &Path) -> Result<()> {
    let source = root.join("widget").join("assistant");
    let minify = |name: &str| -> Result<String> {
        let output = work.join(name);
        run_command(
            Command::new("node")
                .arg(&tools.terser)
                .arg(source.join(name))
                .args(["--compress", "--mangle", "--ecma", "2017", "--output"])
                .arg(&output),
        )?;
        Ok(fs::read_to_string(&output)?)
    };
    let panel = minify("panel.js")?;
    let panel_file = format!("panel-{}.js", content_hash(panel.as_bytes()));
    let launcher = minify("launcher.js")?;
    if !launcher.contains("@PANEL_FILE@") {
        bail!("launcher.js does not name @PANEL_FILE@");
    }
    fs::create_dir_all(out)?;
    fs::write(out.join(&panel_file), panel)?;
    fs::write(
        out.join("launcher.js"),
        launcher.replace("@PANEL_FILE@", &panel_file),
    )?;
    Ok(())
}

/// The wasm module written into the loader's `"@WASM_BYTES@"` string, one
/// character per byte (U+0000 to U+00FF): bytes from 0x80 as `\xHH`, so the
/// file stays ASCII and reads the same in whatever encoding a page or a
/// proxy applies to it; otherwise escaping only what a JS string literal
/// cannot hold as it is. Gzipped this costs about 5 % over the bare module,
/// where base64 would cost about 35 %.
fn embed_wasm(minified: &str, wasm: &[u8]) -> Result<String> {
    const MARKER: &str = "@WASM_BYTES@";
    let quote = match minified.matches(MARKER).count() {
        1 => minified
            .split(MARKER)
            .next()
            .and_then(|before| before.chars().last())
            .filter(|quote| *quote == '"' || *quote == '\'')
            .context("the wasm's marker is not in a quoted string")?,
        n => bail!("expected {MARKER:?} exactly once in the minified loader, found it {n} times"),
    };
    let mut literal = String::with_capacity(wasm.len() * 9 / 8);
    for &byte in wasm {
        match byte {
            b'\\' => literal.push_str("\\\\"),
            b'\n' => literal.push_str("\\n"),
            b'\r' => literal.push_str("\\r"),
            _ if char::from(byte) == quote => {
                literal.push('\\');
                literal.push(quote);
            }
            0x80.. => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                literal.push_str("\\x");
                literal.push(char::from(HEX[usize::from(byte >> 4)]));
                literal.push(char::from(HEX[usize::from(byte & 15)]));
            }
            _ => literal.push(char::from(byte)),
        }
    }
    Ok(minified.replacen(MARKER, &literal, 1))
}

fn wasm_opt(tools: &BuildTools, input: &Path, output: &Path) -> Result<()> {
    // The features rustc 1.95 enables for wasm32; named explicitly so wasm-opt
    // accepts the module without its target_features section, which is
    // stripped (browsers do not read it; 100 bytes gzipped off the loader).
    run_command(
        Command::new(&tools.wasm_opt)
            .arg(input)
            .args([
                "-Oz",
                "--strip-debug",
                "--strip-producers",
                "--strip-target-features",
            ])
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
    hex16(&Sha256::digest(bytes))
}

fn hex16(digest: &[u8]) -> String {
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn replace_once(text: &str, from: &str, to: &str) -> Result<String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => bail!("expected {from:?} exactly once in generated code, found it {n} times"),
    }
}

const COMPRESSIBLE: &[&str] = &["html", "js", "css", "wasm", "svg", "json"];

fn compress_tree(dir: &Path) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            compress_tree(&path)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e))
        {
            let bytes = fs::read(&path)?;
            let mut gz_name = path.clone().into_os_string();
            gz_name.push(".gz");
            fs::write(PathBuf::from(&gz_name), gzip(&bytes)?)?;
            let mut br_name = path.clone().into_os_string();
            br_name.push(".br");
            fs::write(PathBuf::from(&br_name), brotli(&bytes)?)?;
            // The server dates each encoding by its own file: all three get
            // the source's time, so Last-Modified agrees across encodings.
            let modified = fs::metadata(&path)?.modified()?;
            for sibling in [gz_name, br_name] {
                fs::File::options()
                    .write(true)
                    .open(PathBuf::from(sibling))?
                    .set_modified(modified)?;
            }
        }
    }
    Ok(())
}

/// Gzip as small as the format allows (zopfli); every browser decodes it.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut packed = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes,
        &mut packed,
    )?;
    Ok(packed)
}

/// Brotli at its highest quality and a window as large as the file needs
/// (browsers decode windows up to 16 MiB); built once per build.
pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut packed = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut packed, &params)?;
    Ok(packed)
}

/// How many earlier builds of the admin app stay in `dist/`: a page opened
/// before an update still fetches its screens from its own build's directory
/// (a chunk of another build cannot link to its main module).
const KEEP_BUILDS: usize = 3;
/// Beside `index.html`: the build directories in `assets/`, newest first.
const BUILDS_LIST: &str = "builds.txt";

fn keep_previous_builds(dist: &Path, staging: &Path) -> Result<()> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(staging.join("admin").join(SPLIT_MANIFEST))?)?;
    let current = manifest["build_dir"]
        .as_str()
        .context("split manifest without build_dir")?
        .to_string();
    let earlier = fs::read_to_string(dist.join("admin").join(BUILDS_LIST)).unwrap_or_default();
    let mut builds = vec![current];
    for name in earlier.lines().map(str::trim) {
        let is_build = name.starts_with("app-")
            && name[4..].chars().all(|c| c.is_ascii_hexdigit())
            && !builds.iter().any(|b| b == name);
        let old = dist.join("admin").join("assets").join(name);
        if is_build && old.is_dir() && builds.len() <= KEEP_BUILDS {
            copy_dir(&old, &staging.join("admin").join("assets").join(name))?;
            builds.push(name.to_string());
        }
    }
    fs::write(
        staging.join("admin").join(BUILDS_LIST),
        builds.join("\n") + "\n",
    )?;
    Ok(())
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
    fn the_loader_has_one_place_for_the_wasm_and_says_why_it_failed() {
        let code = include_str!("../../widget/src/loader.js")
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(code.trim_start().starts_with("(function () {"));
        assert!(code.trim_end().ends_with("})();"));
        assert_eq!(code.matches(r#""@WASM_BYTES@""#).count(), 1);
        // Every failure of the start ends in a warning and a true state.
        assert!(
            code.contains(r#"fail(isA(error, CompileError) ? "blocked" : "unsupported", error)"#)
        );
    }

    /// Every byte value comes back from the JS string literal as it was.
    #[test]
    fn embedded_wasm_is_a_string_literal_of_its_bytes() {
        let bytes: Vec<u8> = (0..=255u8).chain([b'"', b'\\', b'\n', b'\'']).collect();
        for quote in ['"', '\''] {
            let minified = format!("var b={quote}@WASM_BYTES@{quote};");
            let embedded = embed_wasm(&minified, &bytes).expect("marker present");
            let literal = embedded
                .strip_prefix(&format!("var b={quote}"))
                .and_then(|rest| rest.strip_suffix(&format!("{quote};")))
                .expect("still one literal");
            assert_eq!(
                decode_js_literal(literal, quote),
                bytes,
                "quoted with {quote}"
            );
            assert!(!literal.contains('\n') && !literal.contains('\r'));
            assert!(literal.is_ascii());
        }
        assert!(embed_wasm("var b=`@WASM_BYTES@`;", &bytes).is_err());
        assert!(embed_wasm("var b=1;", &bytes).is_err());
    }

    /// What a JS engine reads from the escapes `embed_wasm` writes.
    fn decode_js_literal(literal: &str, quote: char) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut chars = literal.chars();
        while let Some(c) = chars.next() {
            let c = if c == '\\' {
                match chars.next() {
                    Some('n') => '\n',
                    Some('r') => '\r',
                    Some('x') => {
                        let hex: String = chars.by_ref().take(2).collect();
                        char::from(u8::from_str_radix(&hex, 16).expect("two hex digits"))
                    }
                    Some(other) => other,
                    None => panic!("dangling escape"),
                }
            } else {
                assert_ne!(c, quote, "an unescaped quote ends the literal");
                c
            };
            bytes.push(u8::try_from(u32::from(c)).expect("one character per byte"));
        }
        bytes
    }

    #[test]
    fn brotli_round_trips() {
        let text = "hello hello hello ".repeat(100);
        let packed = brotli(text.as_bytes()).expect("brotli");
        assert!(packed.len() < text.len() / 10);
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(&mut &packed[..], &mut unpacked).expect("unbrotli");
        assert_eq!(unpacked, text.as_bytes());
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
