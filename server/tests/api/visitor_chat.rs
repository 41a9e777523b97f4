//! The built-in assistant's public chat API over the real router: who may
//! reach a bot, conversation tokens, a bot program's later reply, votes,
//! and the limits that keep anyone on the internet bounded.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{as_app, setup, TestApp, TestResponse};

/// A bot answered by a bot program (no model), with its API key.
pub(crate) async fn site_with_bot(app: &TestApp, guests: bool) -> (String, String) {
    let browser = setup(app).await;
    let created = as_app(
        app,
        &browser,
        Method::POST,
        "/api/v1/chatbots",
        Some(json!({
            "name": "Support", "reading": "さぽーと", "bot_api": true, "site_chat": true, "direct_link": false,
            "model": null, "webhook": null,
            "profile": {"url": "https://www.example.com/help", "description": "Answers questions."},
            "instructions": "", "reply_limit": 300, "daily_token_budget": 50000
        })),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let created = created.json();
    let bot = created["id"].as_str().expect("id").to_string();
    let key = created["issued"]["api_key"]
        .as_str()
        .expect("key")
        .to_string();
    app.create_site("shop", &["shop.example.com"]).await;
    let settings = json!({"enabled": true, "provider": "switchboard", "account": {"chatbot": bot}, "guest_users_allowed": guests});
    let saved = app.put("/api/v1/sites/shop/click-to-chat", &settings).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let instance = json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": null, "account": {}, "guest_users_allowed": true});
    app.put("/api/v1/instance/click-to-chat", &instance).await;
    (bot, key)
}

pub(crate) async fn visitor(
    app: &TestApp,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> TestResponse {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("origin", "https://shop.example.com")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    app.anonymous(
        method,
        uri,
        &headers,
        body.map(|b| b.to_string().into_bytes()),
    )
    .await
}

pub(crate) async fn start(app: &TestApp, bot: &str, body: Value) -> TestResponse {
    visitor(
        app,
        Method::POST,
        &format!("/api/v1/chat/{bot}/conversations"),
        None,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_visitor_talks_to_a_site_s_assistant_and_reads_the_bot_program_s_reply() {
    let app = TestApp::new().await;
    let (bot, key) = site_with_bot(&app, true).await;
    let profile = visitor(
        &app,
        Method::GET,
        &format!("/api/v1/chat/{bot}"),
        None,
        None,
    )
    .await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.text());
    assert_eq!(profile.json()["name"], "Support");
    assert_eq!(profile.json()["streams"], false);
    assert_eq!(profile.headers["access-control-allow-origin"], "*");

    let started = start(&app, &bot, json!({"site": "shop", "visitor": {"id": "u-1", "name": "山田 花子", "email": "hanako@example.jp"}})).await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    let conversation = started.json()["conversation"]
        .as_str()
        .expect("id")
        .to_string();
    let token = started.json()["token"].as_str().expect("token").to_string();
    assert!(started.json()["expires_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let messages = format!("/api/v1/chat/{bot}/conversations/{conversation}/messages");

    let said = visitor(
        &app,
        Method::POST,
        &messages,
        Some(&token),
        Some(json!({"message": "When do you open?"})),
    )
    .await;
    assert_eq!(said.status, StatusCode::OK, "{}", said.text());
    assert!(
        said.text().contains("event: conversation") && said.text().contains("event: done"),
        "{}",
        said.text()
    );

    // The bot program hears it (with who the visitor is) and replies.
    let polled = app
        .anonymous(
            Method::GET,
            "/api/v1/bot/messages",
            &[("authorization", &format!("Bearer {key}"))],
            None,
        )
        .await
        .json();
    let texts: Vec<&str> = polled["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(texts, ["When do you open?"]);
    let replied = app
        .anonymous(
            Method::POST,
            &format!("/api/v1/bot/conversations/{conversation}/messages"),
            &[
                ("authorization", &format!("Bearer {key}")),
                ("content-type", "application/json"),
            ],
            Some(json!({"text": "From **9:00**."}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(replied.status, StatusCode::CREATED, "{}", replied.text());

    let read = visitor(&app, Method::GET, &messages, Some(&token), None)
        .await
        .json();
    let seen: Vec<(String, String)> = read["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["author"].as_str().unwrap_or("").to_string(),
                m["text"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("visitor".to_string(), "When do you open?".to_string()),
            ("assistant".to_string(), "From **9:00**.".to_string())
        ]
    );
    let answer_id = read["messages"][1]["id"].as_str().expect("id").to_string();
    let question_id = read["messages"][0]["id"].as_str().expect("id").to_string();
    // Only after the cursor: nothing new (and `wait` returns when it is up).
    let cursor = read["cursor"].as_str().expect("cursor");
    let later = visitor(
        &app,
        Method::GET,
        &format!("{messages}?after={cursor}&wait=1"),
        Some(&token),
        None,
    )
    .await
    .json();
    assert_eq!(later["messages"], json!([]));

    // Votes: on answers only, and the latest counts.
    let vote = |message: String, body: Value| {
        let uri = format!("{messages}/{message}/vote");
        let token = token.clone();
        let app = &app;
        async move { visitor(app, Method::PUT, &uri, Some(&token), Some(body)).await }
    };
    assert_eq!(
        vote(answer_id.clone(), json!({"vote": "down"}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        vote(answer_id.clone(), json!({"vote": "up"})).await.status,
        StatusCode::NO_CONTENT
    );
    let own = vote(question_id, json!({"vote": "up"})).await;
    assert_eq!(
        (own.status, own.error_code()),
        (StatusCode::NOT_FOUND, "unknown_message".to_string())
    );
    let read = visitor(&app, Method::GET, &messages, Some(&token), None)
        .await
        .json();
    assert_eq!(read["messages"][1]["vote"], "up");

    // Another conversation's token, a made-up one, none: refused.
    let other = start(&app, &bot, json!({"site": "shop"})).await.json();
    let other_token = other["token"].as_str().expect("token");
    for token in [Some(other_token), Some("sbc1.99999999999.AAAA"), None] {
        let refused = visitor(&app, Method::GET, &messages, token, None).await;
        assert_eq!(
            (refused.status, refused.error_code()),
            (
                StatusCode::UNAUTHORIZED,
                "invalid_conversation_token".to_string()
            )
        );
    }
    // The stored start names the visitor; the conversation is real.
    let log = std::fs::read_dir(app.data_dir.path().join("conversations"))
        .expect("log")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("read"))
        .collect::<String>();
    assert!(
        log.contains("hanako@example.jp") && log.contains("\"vote\":\"up\""),
        "{log}"
    );
}

#[tokio::test]
async fn only_the_site_s_own_assistant_and_signed_in_visitors_where_required() {
    let app = TestApp::new().await;
    let (bot, _) = site_with_bot(&app, false).await;
    let guest = start(&app, &bot, json!({"site": "shop"})).await;
    assert_eq!(
        (guest.status, guest.error_code()),
        (StatusCode::FORBIDDEN, "guests_not_allowed".to_string())
    );
    let nameless = start(
        &app,
        &bot,
        json!({"site": "shop", "visitor": {"name": "no id"}}),
    )
    .await;
    assert_eq!(
        nameless.error_code(),
        "guests_not_allowed",
        "without an id a visitor is a guest"
    );
    let signed_in = start(
        &app,
        &bot,
        json!({"site": "shop", "visitor": {"id": "u-2"}}),
    )
    .await;
    assert_eq!(signed_in.status, StatusCode::CREATED);
    app.create_site("blog", &["blog.example.com"]).await;
    let elsewhere = start(
        &app,
        &bot,
        json!({"site": "blog", "visitor": {"id": "u-2"}}),
    )
    .await;
    assert_eq!(
        (elsewhere.status, elsewhere.error_code()),
        (StatusCode::CONFLICT, "not_this_sites_chat".to_string())
    );
    let no_site = start(&app, &bot, json!({})).await;
    assert_eq!(
        no_site.field_errors(),
        [("site".to_string(), "required".to_string())],
        "no direct chat page"
    );
    let bad = start(
        &app,
        &bot,
        json!({"site": "shop", "visitor": {"email": "x"}}),
    )
    .await;
    assert_eq!(
        bad.field_errors(),
        [("visitor.email".to_string(), "invalid_format".to_string())]
    );
    // When no site uses it any more, visitors cannot reach it at all.
    let crisp = json!({"enabled": true, "provider": "crisp", "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true});
    app.put("/api/v1/sites/shop/click-to-chat", &crisp).await;
    let gone = visitor(
        &app,
        Method::GET,
        &format!("/api/v1/chat/{bot}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (gone.status, gone.error_code()),
        (StatusCode::NOT_FOUND, "unknown_chatbot".to_string())
    );
    let token = signed_in.json()["token"]
        .as_str()
        .expect("token")
        .to_string();
    let conversation = signed_in.json()["conversation"]
        .as_str()
        .expect("c")
        .to_string();
    let said = visitor(
        &app,
        Method::POST,
        &format!("/api/v1/chat/{bot}/conversations/{conversation}/messages"),
        Some(&token),
        Some(json!({"message": "hi"})),
    )
    .await;
    assert_eq!(said.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_visitor_past_the_limit_is_refused_and_the_transcript_says_so() {
    let app = TestApp::with_config(|config| {
        config.visitor_messages_per_minute = 2;
        config.address_messages_per_minute = 5;
    })
    .await;
    let (bot, _) = site_with_bot(&app, true).await;
    let started = start(&app, &bot, json!({"site": "shop"})).await.json();
    let (conversation, token) = (
        started["conversation"].as_str().expect("c").to_string(),
        started["token"].as_str().expect("t").to_string(),
    );
    let uri = format!("/api/v1/chat/{bot}/conversations/{conversation}/messages");
    let say = |text: &str| {
        visitor(
            &app,
            Method::POST,
            &uri,
            Some(&token),
            Some(json!({"message": text})),
        )
    };
    assert_eq!(say("one").await.status, StatusCode::OK);
    assert_eq!(say("two").await.status, StatusCode::OK);
    let refused = say("three").await;
    assert_eq!(
        (refused.status, refused.error_code()),
        (
            StatusCode::TOO_MANY_REQUESTS,
            "visitor_rate_limited".to_string()
        )
    );
    assert_eq!(refused.json()["error"]["params"]["limit"], "visitor");
    assert!(refused.json()["error"]["params"]["retry_after"]
        .as_u64()
        .is_some_and(|s| (1..=30).contains(&s)));
    say("four").await;
    // Too long is a field error, before any limit counts.
    let long = say(&"x".repeat(4001)).await;
    assert_eq!(
        long.field_errors(),
        [("message".to_string(), "too_long".to_string())]
    );
    // The address's own limit: new conversations count too (5 a minute: 1 start + 2 messages so far).
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(start(&app, &bot, json!({"site": "shop"})).await.status);
    }
    assert_eq!(
        codes,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // The refusal is in the conversation once (not once per refused message).
    let log = std::fs::read_dir(app.data_dir.path().join("conversations"))
        .expect("log")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("read"))
        .collect::<String>();
    assert_eq!(
        log.matches("\"code\":\"visitor_rate_limited\"").count(),
        1,
        "{log}"
    );
    assert!(
        !log.contains("three") && !log.contains("four"),
        "refused messages are not stored"
    );
}

#[tokio::test]
async fn the_chat_api_answers_preflights_from_any_origin() {
    let app = TestApp::new().await;
    let (bot, _) = site_with_bot(&app, true).await;
    let preflight = app
        .anonymous(
            Method::OPTIONS,
            &format!("/api/v1/chat/{bot}/conversations"),
            &[
                ("origin", "https://shop.example.com"),
                ("access-control-request-method", "POST"),
                (
                    "access-control-request-headers",
                    "authorization,content-type",
                ),
            ],
            None,
        )
        .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    assert_eq!(preflight.headers["access-control-allow-origin"], "*");
    let allowed = preflight.headers["access-control-allow-headers"]
        .to_str()
        .expect("text")
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
}

#[tokio::test]
async fn the_direct_chat_page_is_served_only_with_the_direct_link_under_a_strict_csp() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let mut body = json!({
        "name": "<Support> & \"co\"", "reading": "", "bot_api": true, "site_chat": false, "direct_link": false,
        "model": null, "webhook": null, "profile": {"url": null, "description": ""},
        "instructions": "", "reply_limit": 300, "daily_token_budget": 50000
    });
    let created = as_app(
        &app,
        &browser,
        Method::POST,
        "/api/v1/chatbots",
        Some(body.clone()),
    )
    .await
    .json();
    let bot = created["id"].as_str().expect("id").to_string();
    let page = format!("/chat/{bot}");
    let hidden = app.anonymous(Method::GET, &page, &[], None).await;
    assert_eq!(
        hidden.status,
        StatusCode::NOT_FOUND,
        "no direct link, no page"
    );
    assert_eq!(
        visitor(
            &app,
            Method::POST,
            &format!("/api/v1/chat/{bot}/conversations"),
            None,
            Some(json!({}))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    body["direct_link"] = json!(true);
    let put = as_app(
        &app,
        &browser,
        Method::PUT,
        &format!("/api/v1/chatbots/{bot}"),
        Some(body),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    let shown = app
        .anonymous(
            Method::GET,
            &page,
            &[("accept-language", "ja,en;q=0.8")],
            None,
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    let csp = shown
        .header("content-security-policy")
        .unwrap_or_default()
        .to_string();
    assert!(
        csp.contains("default-src 'none'")
            && csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = shown.text();
    assert!(html.contains("<html lang=\"ja\">"), "{html}");
    assert!(
        html.contains("&lt;Support&gt; &amp; &quot;co&quot;") && !html.contains("<Support>"),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "src=\"/assistant/launcher.js\" data-bot=\"{bot}\""
        )),
        "{html}"
    );
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "nothing inline: {html}"
    );
    // The page's visitor starts a conversation without a site.
    let started = visitor(
        &app,
        Method::POST,
        &format!("/api/v1/chat/{bot}/conversations"),
        None,
        Some(json!({})),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
}

#[tokio::test]
async fn a_plain_options_request_is_not_a_preflight() {
    let app = TestApp::new().await;
    let options = app
        .anonymous(Method::OPTIONS, "/api/v1/chat/k3v9q2xm7d1a", &[], None)
        .await;
    assert_eq!(options.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(options.error_code(), "method_not_allowed");
}
