//! Chatbots end to end: the real server calls a stand-in model service
//! (OpenAI's and Azure's wire formats) through its outbound client.

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{json, Value};
use switchboard_e2e::model_service::{ModelService, DEPLOYMENT, GOOD_KEY, TOKENS_PER_ANSWER};
use switchboard_e2e::{spawn_app_with, AdminApi, TestApp};

/// A server that may call 127.0.0.1 (where the stand-ins run).
async fn app_allowing_loopback() -> Result<TestApp> {
    spawn_app_with(|config| {
        config.egress_allow = vec!["127.0.0.1".parse().expect("entry")];
        config.model_timeout = switchboard_server::configuration::Seconds(Duration::from_secs(2));
    })
    .await
}

async fn create_bot(api: &AdminApi, name: &str, model: Value, budget: u64) -> Result<String> {
    let (status, body) = api
        .answer(
            "POST",
            "/chatbots",
            json!({"name": name, "model": model, "instructions": "Answer in one sentence.", "reply_limit": 200, "daily_token_budget": budget}),
            true,
        )
        .await?;
    anyhow::ensure!(status == 201, "create answered {status}: {body}");
    Ok(body["id"].as_str().context("id")?.to_string())
}

/// The events of a streamed answer: `(name, data)`.
fn events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut name = String::from("message");
            let mut data = String::new();
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    name = value.trim().to_string();
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim_start());
                }
            }
            (!data.is_empty()).then(|| (name, serde_json::from_str(&data).unwrap_or(Value::Null)))
        })
        .collect()
}

async fn try_bot(api: &AdminApi, id: &str, message: &str) -> Result<(u16, String, String)> {
    api.raw(
        "POST",
        &format!("/chatbots/{id}/try"),
        json!({"message": message}),
        true,
    )
    .await
}

fn answer_text(events: &[(String, Value)]) -> String {
    events
        .iter()
        .filter(|(name, _)| name == "delta")
        .filter_map(|(_, data)| data["text"].as_str())
        .collect()
}

#[tokio::test]
async fn an_openai_style_answer_streams_and_counts_against_the_budget() -> Result<()> {
    let model = ModelService::start().await?;
    let app = app_allowing_loopback().await?;
    let api = AdminApi::new(&app).await?;
    let id = create_bot(
        &api,
        "Echo",
        json!({"endpoint": model.openai_url(), "model": "gpt-4o-mini", "api_key": GOOD_KEY}),
        1000,
    )
    .await?;
    let (status, content_type, text) = try_bot(&api, &id, "こんにちは, when do you open?").await?;
    assert_eq!(status, 200, "{text}");
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let events = events(&text);
    assert!(
        events.iter().filter(|(n, _)| n == "delta").count() > 3,
        "streamed in pieces: {text}"
    );
    assert_eq!(answer_text(&events), "Echo: こんにちは, when do you open?");
    let (last, done) = events.last().context("events")?;
    assert_eq!(last, "done");
    assert_eq!(done["finish_reason"], "stop");
    assert_eq!(done["tokens"], TOKENS_PER_ANSWER);
    assert_eq!(done["reported"], true);

    // What the service received: the instructions first, the key as a bearer
    // token, the model, the reply limit.
    let received = model.received().pop().context("a request")?;
    assert_eq!(
        received
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some(format!("Bearer {GOOD_KEY}").as_str())
    );
    assert_eq!(received.body["model"], "gpt-4o-mini");
    assert_eq!(received.body["max_tokens"], 200);
    assert_eq!(received.body["stream"], true);
    assert_eq!(
        received.body["messages"][0],
        json!({"role": "system", "content": "Answer in one sentence."})
    );

    // The conversation goes on: the model gets it all, its answer included.
    let conversation = events
        .iter()
        .find(|(name, _)| name == "conversation")
        .and_then(|(_, data)| data["conversation"].as_str())
        .context("a conversation event")?
        .to_string();
    let (status, _, text) = api
        .raw(
            "POST",
            &format!("/chatbots/{id}/try"),
            json!({"conversation": conversation, "message": "again"}),
            true,
        )
        .await?;
    assert_eq!(status, 200, "{text}");
    let received = model.received().pop().context("a request")?;
    let roles: Vec<&str> = received.body["messages"]
        .as_array()
        .context("messages")?
        .iter()
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert_eq!(
        received.body["messages"][2]["content"],
        "Echo: こんにちは, when do you open?"
    );
    // 600 + 600 tokens pass a budget of 1,000: the third call is refused.
    let (status, _, text) = try_bot(&api, &id, "and again").await?;
    assert_eq!(status, 429, "{text}");
    let error: Value = serde_json::from_str(&text)?;
    assert_eq!(error["error"]["code"], "token_budget_exhausted");
    assert_eq!(error["error"]["params"]["budget"], 1000);
    let (_, bot) = api
        .answer("GET", &format!("/chatbots/{id}"), Value::Null, true)
        .await?;
    assert_eq!(bot["tokens_today"], 2 * TOKENS_PER_ANSWER);
    assert!(bot["last_activity_at"].is_string());
    Ok(())
}

#[tokio::test]
async fn azure_gets_its_key_header_and_no_model_and_unknown_deployments_are_named() -> Result<()> {
    let model = ModelService::start().await?;
    let app = app_allowing_loopback().await?;
    let api = AdminApi::new(&app).await?;
    let id = create_bot(
        &api,
        "Azure",
        json!({"endpoint": model.azure_url(DEPLOYMENT, "2024-10-21"), "api_key": GOOD_KEY}),
        100_000,
    )
    .await?;
    let (status, _, text) = try_bot(&api, &id, "hello").await?;
    assert_eq!(status, 200, "{text}");
    let events = events(&text);
    assert_eq!(answer_text(&events), "Echo: hello");
    let done = &events.last().context("events")?.1;
    assert_eq!(
        done["reported"], false,
        "Azure 2023-05-15 reports no usage when streaming"
    );
    assert!(done["tokens"].as_u64().is_some_and(|t| t > 0), "estimated");
    let received = model.received().pop().context("a request")?;
    assert_eq!(
        received
            .headers
            .get("api-key")
            .and_then(|v| v.to_str().ok()),
        Some(GOOD_KEY)
    );
    assert!(received.headers.get("authorization").is_none());
    assert!(received.body.get("model").is_none());
    assert!(received.body.get("stream_options").is_none());

    let missing = create_bot(
        &api,
        "Missing deployment",
        json!({"endpoint": model.azure_url("nope", "2024-10-21"), "api_key": GOOD_KEY}),
        100_000,
    )
    .await?;
    let (status, _, text) = try_bot(&api, &missing, "hello").await?;
    assert_eq!(status, 502, "{text}");
    let error: Value = serde_json::from_str(&text)?;
    assert_eq!(error["error"]["code"], "model_not_found");
    assert!(error["error"]["params"]["detail"]
        .as_str()
        .is_some_and(|d| d.contains("deployment")));
    Ok(())
}

#[tokio::test]
async fn the_services_refusals_have_their_own_codes() -> Result<()> {
    let model = ModelService::start().await?;
    let app = app_allowing_loopback().await?;
    let api = AdminApi::new(&app).await?;
    let wrong_key = create_bot(
        &api,
        "Wrong key",
        json!({"endpoint": model.openai_url(), "model": "m", "api_key": "sk-wrong-key-9876"}),
        100_000,
    )
    .await?;
    let (status, _, text) = try_bot(&api, &wrong_key, "hello").await?;
    assert_eq!(status, 502, "{text}");
    assert!(text.contains("model_unauthorized"), "{text}");
    assert!(
        !text.contains("sk-wrong-key-9876"),
        "the key is not echoed: {text}"
    );

    let good = create_bot(
        &api,
        "Good",
        json!({"endpoint": model.openai_url(), "model": "m", "api_key": GOOD_KEY}),
        1_000_000,
    )
    .await?;
    let azure = create_bot(
        &api,
        "Azure",
        json!({"endpoint": model.azure_url(DEPLOYMENT, "2023-05-15"), "api_key": GOOD_KEY}),
        1_000_000,
    )
    .await?;
    for (bot, message, status, code) in [
        (&good, "#ratelimit", 503, "model_rate_limited"),
        (&good, "#quota", 502, "model_quota_exceeded"),
        (&azure, "#filter", 422, "model_content_filtered"),
        (&good, "#fail", 502, "model_unavailable"),
        (&good, "#slow", 504, "model_timeout"),
    ] {
        let (got, _, text) = try_bot(&api, bot, message).await?;
        assert_eq!(got, status, "{message}: {text}");
        let error: Value = serde_json::from_str(&text)?;
        assert_eq!(error["error"]["code"], code, "{message}");
        if code == "model_rate_limited" {
            assert_eq!(error["error"]["params"]["retry_after"], 7);
        }
    }
    // Failures after the answer started arrive as an error event.
    for (message, code) in [
        ("#drop", "model_unavailable"),
        ("#filtered-answer", "model_content_filtered"),
    ] {
        let (status, _, text) = try_bot(&api, &azure, message).await?;
        assert_eq!(status, 200, "{message}");
        let events = events(&text);
        let (name, data) = events.last().context("events")?;
        assert_eq!(
            (name.as_str(), data["code"].as_str()),
            ("error", Some(code)),
            "{message}: {text}"
        );
    }
    // Bad input, and a bot without a model.
    let (status, body) = api
        .answer(
            "POST",
            &format!("/chatbots/{good}/try"),
            json!({"message": "  "}),
            true,
        )
        .await?;
    assert_eq!(
        (status, body["error"]["fields"][0]["code"].as_str()),
        (422, Some("required"))
    );
    let (status, body) = api
        .answer(
            "POST",
            &format!("/chatbots/{good}/try"),
            json!({"message": "hi", "conversation": "c_unknown"}),
            true,
        )
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_conversation"))
    );
    let (_, plain) = api
        .answer("POST", "/chatbots", json!({"name": "No model"}), true)
        .await?;
    let plain = plain["id"].as_str().context("id")?;
    let (status, _, text) = try_bot(&api, plain, "hello").await?;
    assert_eq!(status, 409, "{text}");
    assert!(text.contains("nothing_answers"));
    Ok(())
}

#[tokio::test]
async fn model_calls_to_private_addresses_and_redirects_are_refused() -> Result<()> {
    let model = ModelService::start().await?;
    // No --egress-allow: https endpoints can be saved, but not reached when
    // they point inside.
    let app = spawn_app_with(|_| {}).await?;
    let api = AdminApi::new(&app).await?;
    let port = model.addr.port();
    for (index, endpoint) in [
        format!("https://localhost:{port}/v1/chat/completions"),
        format!("https://127.0.0.1:{port}/v1/chat/completions"),
        "https://169.254.169.254/v1/chat/completions".to_string(),
        "https://[::1]/v1/chat/completions".to_string(),
    ]
    .into_iter()
    .enumerate()
    {
        let id = create_bot(
            &api,
            &format!("Inside {index}"),
            json!({"endpoint": endpoint, "model": "m", "api_key": GOOD_KEY}),
            100_000,
        )
        .await?;
        let (status, _, text) = try_bot(&api, &id, "hello").await?;
        assert_eq!(status, 502, "{endpoint}: {text}");
        let error: Value = serde_json::from_str(&text)?;
        assert_eq!(error["error"]["code"], "egress_refused", "{endpoint}");
    }
    assert!(model.received().is_empty(), "nothing reached the service");

    // Allowed, but the endpoint redirects: not followed.
    let allowed = app_allowing_loopback().await?;
    let api = AdminApi::new(&allowed).await?;
    let id = create_bot(
        &api,
        "Redirected",
        json!({"endpoint": format!("http://{}/redirect/v1/chat/completions", model.addr), "model": "m", "api_key": GOOD_KEY}),
        100_000,
    )
    .await?;
    let (status, _, text) = try_bot(&api, &id, "hello").await?;
    assert_eq!(status, 502, "{text}");
    assert!(text.contains("redirect"), "{text}");
    assert!(model.received().is_empty(), "the redirect was not followed");
    Ok(())
}
