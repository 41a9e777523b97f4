//! Chatbots end to end: the real server calls a stand-in model service
//! (OpenAI's and Azure's wire formats) through its outbound client.

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::{json, Value};
use switchboard_e2e::bot_program::BotProgram;
use switchboard_e2e::model_service::{ModelService, DEPLOYMENT, GOOD_KEY, TOKENS_PER_ANSWER};
use switchboard_e2e::proxy::Proxy;
use switchboard_e2e::{bot_api, spawn_app_with, AdminApi, TestApp};

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

/// A server that may call 127.0.0.1 and retries webhooks after `retries`
/// seconds (instead of minutes and hours).
async fn app_for_webhooks(retries: Vec<u64>, proxy: Option<String>) -> Result<TestApp> {
    spawn_app_with(move |config| {
        config.egress_allow = vec!["127.0.0.1".parse().expect("entry")];
        config.webhook_retry_seconds = retries;
        config.egress_proxy = proxy.map(|p| p.parse().expect("proxy url"));
    })
    .await
}

/// Creates a bot with a webhook to `program` and the bot API, and tells
/// the program its secret and key. Returns `(id, issued secrets)`.
async fn webhook_bot(
    api: &AdminApi,
    app: &TestApp,
    program: &BotProgram,
    use_proxy: bool,
    receiver: Value,
) -> Result<(String, Value)> {
    let (status, body) = api
        .answer(
            "POST",
            "/chatbots",
            json!({"name": "Hooked", "bot_api": true,
                   "webhook": {"url": program.hook_url(), "access_token": true, "use_proxy": use_proxy}}),
            true,
        )
        .await?;
    anyhow::ensure!(status == 201, "create answered {status}: {body}");
    let issued = body["issued"].clone();
    let mut config = receiver;
    config["secret"] = issued["webhook_secret"].clone();
    config["bot_key"] = issued["api_key"].clone();
    config["api_base"] = json!(app.url(""));
    program.configure(config).await?;
    Ok((body["id"].as_str().context("id")?.to_string(), issued))
}

fn of_type<'a>(received: &'a [Value], kind: &str) -> Vec<&'a Value> {
    received
        .iter()
        .filter(|r| r["event"]["type"] == kind)
        .collect()
}

#[tokio::test]
async fn webhooks_are_signed_and_the_bot_program_answers_through_the_bot_api() -> Result<()> {
    let program = BotProgram::start()?;
    let app = app_for_webhooks(vec![1, 1], None).await?;
    let api = AdminApi::new(&app).await?;
    let (id, issued) = webhook_bot(&api, &app, &program, false, json!({})).await?;
    let key = issued["api_key"].as_str().context("bot key")?.to_string();
    let token = issued["webhook_token"]
        .as_str()
        .context("token")?
        .to_string();

    let (status, _, text) = try_bot(&api, &id, "hello bot").await?;
    assert_eq!(status, 200, "{text}");
    let conversation = events(&text)
        .into_iter()
        .find(|(name, _)| name == "conversation")
        .and_then(|(_, data)| data["conversation"].as_str().map(str::to_string))
        .context("a conversation event")?;
    let received = program
        .wait_for("the start and the message", |r| {
            !of_type(r, "conversation.started").is_empty()
                && !of_type(r, "message.created").is_empty()
        })
        .await?;
    assert!(
        received.iter().all(|r| r["verified"] == true),
        "every signature verifies: {received:?}"
    );
    for record in &received {
        assert_eq!(record["authorization"], format!("Bearer {token}"));
        assert!(record["via"].is_null(), "no proxy unless asked: {record}");
        assert!(record["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("msg_")));
    }
    let message = of_type(&received, "message.created")[0];
    assert_eq!(message["event"]["data"]["message"]["text"], "hello bot");
    assert_eq!(message["event"]["data"]["conversation"]["id"], conversation);
    assert_eq!(
        message["event"]["data"]["conversation"]["origin"]["kind"],
        "try"
    );

    // The program's reply, through the bot API, shows in the conversation.
    let path = format!("/chatbots/{id}/conversations/{conversation}/messages");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let reply = loop {
        let (_, page) = api.answer("GET", &path, Value::Null, true).await?;
        let found = page["messages"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["author"] == "bot").cloned());
        if let Some(found) = found {
            break found;
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "no reply: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(reply["text"], "Got: hello bot");

    // Polling: the start and the visitor message, then nothing new (after waiting).
    let (status, page) = bot_api(&app, &key, "GET", "/bot/messages?after=0", None).await?;
    assert_eq!(status, 200, "{page}");
    let kinds: Vec<&str> = page["messages"]
        .as_array()
        .context("messages")?
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["conversation_started", "message"], "{page}");
    let cursor = page["cursor"].as_str().context("cursor")?.to_string();
    let started = std::time::Instant::now();
    let (_, empty) = bot_api(
        &app,
        &key,
        "GET",
        &format!("/bot/messages?after={cursor}&wait=1"),
        None,
    )
    .await?;
    assert_eq!(empty["messages"], json!([]));
    assert!(started.elapsed() >= Duration::from_millis(900), "it waited");
    // A wait ends early when a visitor writes.
    let waiting = {
        let (app_url, key, cursor) = (app.url(""), key.clone(), cursor.clone());
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let url = format!("{app_url}/api/v1/bot/messages?after={cursor}&wait=20");
            let page = tokio::task::spawn_blocking(move || -> Result<Value> {
                let mut answer = ureq::get(&url)
                    .header("authorization", &format!("Bearer {key}"))
                    .call()?;
                Ok(serde_json::from_str(&answer.body_mut().read_to_string()?)?)
            })
            .await??;
            Ok::<_, anyhow::Error>((started.elapsed(), page))
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, _, text) = api
        .raw(
            "POST",
            &format!("/chatbots/{id}/try"),
            json!({"conversation": conversation, "message": "second"}),
            true,
        )
        .await?;
    assert_eq!(status, 200, "{text}");
    let (waited, page) = waiting.await??;
    assert!(
        waited < Duration::from_secs(10),
        "woken by the new message: {waited:?}"
    );
    assert_eq!(page["messages"][0]["text"], "second", "{page}");

    // The key can do nothing else.
    for path in ["/sites", "/chatbots", "/api-keys"] {
        let (status, body) = bot_api(&app, &key, "GET", path, None).await?;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("invalid_api_key")),
            "{path}"
        );
    }
    let (status, body) = bot_api(
        &app,
        &key,
        "POST",
        "/bot/conversations/c_someone_else/messages",
        Some(json!({"text": "hi"})),
    )
    .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_conversation"))
    );
    let (status, _) = bot_api(&app, "sbb_not-a-key", "GET", "/bot/messages", None).await?;
    assert_eq!(status, 401);

    // The delivery log lists them, delivered on the first attempt.
    let (_, log) = api
        .answer(
            "GET",
            &format!("/chatbots/{id}/deliveries"),
            Value::Null,
            true,
        )
        .await?;
    let deliveries = log["deliveries"].as_array().context("deliveries")?;
    assert!(deliveries.len() >= 3, "{log}");
    assert!(
        deliveries
            .iter()
            .all(|d| d["status"] == "delivered" && d["attempts"][0]["response_status"] == 200),
        "{log}"
    );
    Ok(())
}

#[tokio::test]
async fn failed_deliveries_are_retried_across_a_restart_sent_again_and_410_disables() -> Result<()>
{
    let program = BotProgram::start()?;
    let mut app = app_for_webhooks(vec![1, 1], None).await?;
    let api = AdminApi::new(&app).await?;
    // Two refusals with Retry-After: 1, then success.
    let (id, issued) = webhook_bot(
        &api,
        &app,
        &program,
        false,
        json!({"fail": 2, "fail_status": 503, "retry_after": 1, "fail_only": "message.created"}),
    )
    .await?;
    let receiver_config = json!({"secret": issued["webhook_secret"], "bot_key": issued["api_key"], "api_base": app.url("")});
    try_bot(&api, &id, "retry me").await?;
    let received = program
        .wait_for("three tries of the message", |r| {
            of_type(r, "message.created").len() >= 3
        })
        .await?;
    let ids: Vec<&Value> = of_type(&received, "message.created")
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "one webhook-id for every attempt: {ids:?}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, log) = api
            .answer(
                "GET",
                &format!("/chatbots/{id}/deliveries"),
                Value::Null,
                true,
            )
            .await?;
        let message = log["deliveries"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["event"] == "message.created").cloned())
            .context("the message's delivery")?;
        if message["status"] == "delivered" {
            let statuses: Vec<&Value> = message["attempts"]
                .as_array()
                .context("attempts")?
                .iter()
                .map(|a| &a["response_status"])
                .collect();
            assert_eq!(statuses, [&json!(503), &json!(503), &json!(200)]);
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "never delivered: {log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Failing while the server stops: the retry waits in the store, and the
    // next start delivers it.
    let mut config = receiver_config.clone();
    config["fail"] = json!(1);
    config["fail_status"] = json!(500);
    config["retry_after"] = json!(2);
    config["fail_only"] = json!("message.created");
    program.configure(config).await?;
    let before = program.received().await?.len();
    try_bot(&api, &id, "across a restart").await?;
    program
        .wait_for("the first, failing try", |r| r.len() > before + 1)
        .await?;
    app.stop().await?;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    app.start_again().await?;
    let api = AdminApi::new(&app).await?;
    program
        .wait_for("the retry after the restart", |r| {
            r.iter()
                .filter(|r| r["event"]["data"]["message"]["text"] == "across a restart")
                .count()
                >= 2
        })
        .await?;

    // Send again: once more, with the same id.
    let (_, listed) = api
        .answer(
            "GET",
            &format!("/chatbots/{id}/deliveries"),
            Value::Null,
            true,
        )
        .await?;
    let first = listed["deliveries"]
        .as_array()
        .and_then(|d| d.last())
        .context("a delivery")?
        .clone();
    let (status, queued) = api
        .answer(
            "POST",
            &format!(
                "/chatbots/{id}/deliveries/{}/resend",
                first["id"].as_str().context("id")?
            ),
            Value::Null,
            true,
        )
        .await?;
    assert_eq!(status, 202, "{queued}");
    program
        .wait_for("the delivery sent again", |r| {
            r.iter().filter(|r| r["id"] == first["id"]).count() >= 2
        })
        .await?;

    // 410 Gone: the webhook is disabled, and nothing more is sent.
    let mut config = receiver_config.clone();
    config["gone"] = json!(true);
    program.configure(config).await?;
    try_bot(&api, &id, "gone").await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, log) = api
            .answer(
                "GET",
                &format!("/chatbots/{id}/deliveries"),
                Value::Null,
                true,
            )
            .await?;
        if log["webhook_disabled"].is_string() {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "never disabled: {log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let count = program.received().await?.len();
    try_bot(&api, &id, "after gone").await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        program.received().await?.len(),
        count,
        "nothing sent while disabled"
    );
    Ok(())
}

#[tokio::test]
async fn webhooks_with_use_the_proxy_go_through_the_egress_proxy() -> Result<()> {
    let proxy = Proxy::start().await?;
    let program = BotProgram::start()?;
    let app = app_for_webhooks(vec![1], Some(proxy.url())).await?;
    let api = AdminApi::new(&app).await?;
    let (id, _) = webhook_bot(&api, &app, &program, true, json!({})).await?;
    try_bot(&api, &id, "via the proxy").await?;
    let received = program
        .wait_for("the message", |r| !of_type(r, "message.created").is_empty())
        .await?;
    for record in &received {
        assert!(
            record["via"]
                .as_str()
                .is_some_and(|v| v.contains("tinyproxy")),
            "through tinyproxy: {record}"
        );
        assert_eq!(record["verified"], true);
    }
    Ok(())
}
