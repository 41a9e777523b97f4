//! The REST API against its own OpenAPI document, fuzzed by schemathesis
//! (PyPI; `cargo xtask test` installs it and names it in
//! `SWITCHBOARD_SCHEMATHESIS`): generated valid and invalid requests on every
//! operation, with an API key and then with the signed-in admin's session.
//! No answer may be a 5xx, every answer must match its documented status,
//! content type, headers and schema, a refused request must leave the store
//! as it was, and every operation must succeed at least once except what the
//! credentials may not do (`tests/fuzz/switchboard_checks.py`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::Value;
use switchboard_e2e::{output_dir, spawn_app, AdminApi, TestApp};

/// schemathesis' own checks that hold for every answer, and ours.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance,\
                      store_unchanged_by_refusals,EveryOperationSucceeds";

/// What only a signed-in admin may do: with an API key these are refused.
const SESSION_ONLY: [&str; 7] = [
    "GET /api-keys",
    "POST /api-keys",
    "PUT /api-keys/{id}",
    "DELETE /api-keys/{id}",
    "PUT /account/password",
    "DELETE /account/sessions",
    "DELETE /session",
];

#[tokio::test(flavor = "multi_thread")]
async fn the_api_holds_to_its_openapi_document_under_fuzzing() -> Result<()> {
    let schemathesis = std::env::var_os("SWITCHBOARD_SCHEMATHESIS")
        .map(PathBuf::from)
        .context(
            "SWITCHBOARD_SCHEMATHESIS is not set: run the tests with `cargo xtask test`, \
             which installs schemathesis",
        )?;
    // Each run gets its own server: its sign-in throttle and store start
    // fresh, so one run's refused guesses do not lock the next one out.
    // The document's examples sign in and change the password for real (the
    // harness's admin has the example password): successes are tested too.
    let (app, api) = seeded_app().await?;
    let mut refused = SESSION_ONLY.to_vec();
    // Set up already.
    refused.push("POST /setup");
    fuzz(
        &schemathesis,
        &app,
        "api-key",
        &[format!("Authorization: Bearer {}", api.key())],
        &[],
        &refused,
    )
    .await?;

    // Everything again with the signed-in admin's session (cookie, CSRF
    // token, own origin), but signing in or out, which would change the
    // session the run uses.
    let (app, api) = seeded_app().await?;
    let (cookie, csrf) = api.session();
    fuzz(
        &schemathesis,
        &app,
        "session",
        &[
            format!("Cookie: {cookie}"),
            format!("X-CSRF-Token: {csrf}"),
            format!("Origin: {}", app.url("")),
        ],
        &["sign_in", "sign_out", "sign_out_everywhere"],
        &["POST /setup"],
    )
    .await?;
    Ok(())
}

/// A server whose data are the document's own examples: the site its
/// operations name exists, with the settings it shows.
async fn seeded_app() -> Result<(TestApp, AdminApi)> {
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;
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
    Ok((app, api))
}

/// One schemathesis run over every operation but `excluded` (operation
/// ids); `refused` (labels) are expected never to answer 2xx. Its output.
async fn fuzz(
    schemathesis: &Path,
    app: &TestApp,
    name: &str,
    headers: &[String],
    excluded: &[&str],
    refused: &[&str],
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
    for operation in excluded {
        command.args(["--exclude-operation-id", operation]);
    }
    command.env("SWITCHBOARD_REFUSED_OPERATIONS", refused.join(","));
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
