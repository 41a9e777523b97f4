//! The REST API against its own OpenAPI document, fuzzed by schemathesis
//! (PyPI; `cargo xtask test` installs it and names it in
//! `SWITCHBOARD_SCHEMATHESIS`): generated valid and invalid requests on every
//! operation, with an API key, and with the signed-in admin's session for
//! what a key may not do. No answer may be a 5xx, every answer must match its
//! documented status, content type, headers and schema, and a refused request
//! must leave the store as it was (`tests/fuzz/switchboard_checks.py`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::Value;
use switchboard_e2e::{output_dir, spawn_app, AdminApi, TestApp};

/// schemathesis' own checks that hold for every answer, and ours.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance,\
                      store_unchanged_by_refusals";

/// What only a signed-in admin may do (fuzzed with the session). Signing out
/// is left out: it would end the session the rest of the run uses.
const SESSION_ONLY: [&str; 5] = [
    "list_api_keys",
    "create_api_key",
    "update_api_key",
    "delete_api_key",
    "change_password",
];

#[tokio::test(flavor = "multi_thread")]
async fn the_api_holds_to_its_openapi_document_under_fuzzing() -> Result<()> {
    let schemathesis = std::env::var_os("SWITCHBOARD_SCHEMATHESIS")
        .map(PathBuf::from)
        .context(
            "SWITCHBOARD_SCHEMATHESIS is not set: run the tests with `cargo xtask test`, \
             which installs schemathesis",
        )?;
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;

    // The document's own examples are the data: the site its operations
    // name exists, with the site settings it shows.
    let document: Value = api.get("/openapi.json").await?;
    let example = |schema: &str| {
        let example = &document["components"]["schemas"][schema]["example"];
        match example.is_object() {
            true => Ok(example.clone()),
            false => Err(anyhow::anyhow!("the document has no example for {schema}")),
        }
    };
    let site = example("Site")?;
    let id = site["id"]
        .as_str()
        .context("the Site example has no id")?
        .to_string();
    api.post("/sites", site).await?;
    api.put(
        &format!("/sites/{id}/click-to-chat"),
        example("ChatSettings")?,
    )
    .await?;
    api.put("/instance/click-to-chat", example("InstanceChatSettings")?)
        .await?;

    let with_key = fuzz(
        &schemathesis,
        &app,
        "api-key",
        &[format!("Authorization: Bearer {}", api.key())],
        &[],
    )
    .await?;
    let (cookie, csrf) = api.session();
    let with_session = fuzz(
        &schemathesis,
        &app,
        "session",
        &[
            format!("Cookie: {cookie}"),
            format!("X-CSRF-Token: {csrf}"),
            format!("Origin: {}", app.url("")),
        ],
        &SESSION_ONLY,
    )
    .await?;
    for (run, output) in [("API key", with_key), ("session", with_session)] {
        // A run that tested nothing would also exit 0.
        if !output.contains(" passed") || output.contains("0 generated") {
            bail!("the {run} run tested nothing:\n{output}");
        }
    }
    Ok(())
}

/// One schemathesis run (all operations, or only `operations`); its output.
async fn fuzz(
    schemathesis: &Path,
    app: &TestApp,
    name: &str,
    headers: &[String],
    operations: &[&str],
) -> Result<String> {
    let hooks = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let report = output_dir().join("schemathesis").join(name);
    std::fs::create_dir_all(&report)?;
    let mut command = tokio::process::Command::new(schemathesis);
    command
        .arg("run")
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args([
            "--max-examples",
            "40",
            "--workers",
            "1",
            "--seed",
            "20261201",
        ])
        .args(["--request-timeout", "10", "--no-color"])
        .args(["--generation-database", "none"])
        .arg("--report-dir")
        .arg(&report)
        .args(["--report", "junit"])
        // Its caches go with the report, not into the source tree.
        .current_dir(&report)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("SCHEMATHESIS_HOOKS", "switchboard_checks")
        .env("PYTHONPATH", &hooks)
        .env(
            "SWITCHBOARD_STORE_FILE",
            app.data_dir.path().join("switchboard.json"),
        )
        .kill_on_drop(true);
    for header in headers {
        command.args(["--header", header]);
    }
    for operation in operations {
        command.args(["--include-operation-id", operation]);
    }
    let output = tokio::time::timeout(Duration::from_secs(600), command.output())
        .await
        .with_context(|| format!("the {name} run took more than 10 minutes"))??;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(report.join("output.txt"), &text)?;
    if !output.status.success() {
        bail!(
            "schemathesis ({name}) found problems ({}):\n{text}",
            output.status
        );
    }
    Ok(text)
}
