//! Chatbots over the real router: management by signed-in admins only,
//! write-only secrets, field errors that store nothing, revisions, images.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{as_app, setup, Browser, TestApp, TestResponse, ORIGIN};

fn bot(name: &str) -> Value {
    json!({
        "name": name, "reading": "さぽーと", "bot_api": true, "site_chat": true, "direct_link": true,
        "model": {"endpoint": "https://api.openai.com/v1/chat/completions", "model": "gpt-4o-mini", "api_key": "sk-test-abcdefgh1234"},
        "webhook": {"url": "https://bots.example.com/hook", "access_token": true, "use_proxy": false},
        "profile": {"url": "https://www.example.com/help", "description": "Answers questions."},
        "instructions": "Be brief.", "reply_limit": 300, "daily_token_budget": 50000
    })
}

async fn create(app: &TestApp, browser: &Browser, body: Value) -> TestResponse {
    as_app(app, browser, Method::POST, "/api/v1/chatbots", Some(body)).await
}

async fn upload(
    app: &TestApp,
    browser: &Browser,
    uri: &str,
    content_type: &str,
    body: Vec<u8>,
) -> TestResponse {
    app.anonymous(
        Method::PUT,
        uri,
        &[
            ("cookie", browser.cookie.as_str()),
            ("x-csrf-token", browser.csrf.as_str()),
            ("origin", ORIGIN),
            ("content-type", content_type),
        ],
        Some(body),
    )
    .await
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder
            .add_text_chunk("Author".into(), "secret-metadata".into())
            .expect("text chunk");
        let mut writer = encoder.write_header().expect("header");
        writer
            .write_image_data(&vec![90; (width * height * 3) as usize])
            .expect("pixels");
    }
    out
}

#[tokio::test]
async fn api_keys_cannot_manage_chatbots() {
    let app = TestApp::new().await;
    for response in [
        app.get("/api/v1/chatbots").await,
        app.post("/api/v1/chatbots", &bot("Support")).await,
    ] {
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{}",
            response.text()
        );
        assert_eq!(response.error_code(), "api_key_not_allowed");
    }
    assert!(app.stored()["chatbots"]
        .as_object()
        .is_none_or(|m| m.is_empty()));
}

#[tokio::test]
async fn secrets_are_issued_once_and_never_shown_again() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let created = create(&app, &browser, bot("Support")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let body = created.json();
    let id = body["id"].as_str().expect("id").to_string();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/chatbots/{id}").as_str())
    );
    let issued = &body["issued"];
    let api_key = issued["api_key"].as_str().expect("bot key");
    let token = issued["webhook_token"].as_str().expect("token");
    let secret = issued["webhook_secret"].as_str().expect("secret");
    assert!(
        api_key.starts_with("sbb_") && token.starts_with("sbt_") && secret.starts_with("whsec_")
    );
    assert_eq!(body["model_kind"], "open_ai");
    assert_eq!(body["secrets"]["model_api_key"]["hint"], "…1234");
    assert_eq!(body["settings"]["model"].get("api_key"), None);

    let read = as_app(
        &app,
        &browser,
        Method::GET,
        &format!("/api/v1/chatbots/{id}"),
        None,
    )
    .await;
    let list = as_app(&app, &browser, Method::GET, "/api/v1/chatbots", None).await;
    for text in [read.text(), list.text()] {
        for value in [api_key, token, secret, "sk-test-abcdefgh1234"] {
            assert!(!text.contains(value), "{value} shown again: {text}");
        }
    }
    assert!(read.json().get("issued").is_none());
    assert_eq!(list.json()["chatbots"][0]["settings"]["name"], "Support");
    // The bot key is kept as a hash only; the audit log names fields, never values.
    let stored = app.stored().to_string();
    assert!(!stored.contains(api_key));
    let audit = as_app(&app, &browser, Method::GET, "/api/v1/audit", None)
        .await
        .text();
    for value in [api_key, token, secret, "sk-test-abcdefgh1234"] {
        assert!(!audit.contains(value), "{value} in the audit log");
    }
    assert!(audit.contains("chatbot.create"));
}

#[tokio::test]
async fn bad_input_gets_field_errors_and_stores_nothing() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let before = app.stored()["chatbots"].clone();
    let mut body = bot("x");
    body["name"] = json!("");
    body["model"] = json!({"endpoint": "https://api.openai.com/v1/chat/completions"});
    body["webhook"] = json!({"url": "http://127.0.0.1:9/hook"});
    body["reply_limit"] = json!(0);
    body["colour"] = json!("red");
    let response = create(&app, &browser, body).await;
    assert_eq!(
        response.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        response.text()
    );
    let fields = response.field_errors();
    for expected in [
        ("colour", "unknown_field"),
        ("name", "required"),
        ("model.model", "required"),
        ("webhook.url", "not_https"),
        ("reply_limit", "invalid_choice"),
    ] {
        assert!(
            fields.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {fields:?}"
        );
    }
    // OpenAI without a key.
    let mut keyless = bot("Keyless");
    keyless["model"] =
        json!({"endpoint": "https://api.openai.com/v1/chat/completions", "model": "gpt-4o-mini"});
    let response = create(&app, &browser, keyless).await;
    assert_eq!(
        response.field_errors(),
        [("model.api_key".to_string(), "required".to_string())]
    );
    // Azure: the version must be 2023-05-15 or later.
    let mut azure = bot("Azure");
    azure["model"] = json!({"endpoint": "https://contoso.openai.azure.com/openai/deployments/gpt4/chat/completions?api-version=2022-12-01", "api_key": "k"});
    let response = create(&app, &browser, azure).await;
    assert_eq!(
        response.field_errors(),
        [("model.endpoint".to_string(), "invalid_choice".to_string())]
    );
    assert_eq!(app.stored()["chatbots"], before);
    // A name is unique.
    assert_eq!(
        create(&app, &browser, bot("Support")).await.status,
        StatusCode::CREATED
    );
    let again = create(&app, &browser, bot("Support")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        again.field_errors(),
        [("name".to_string(), "already_taken".to_string())]
    );
}

#[tokio::test]
async fn plain_http_is_accepted_only_for_hosts_the_operator_allows() {
    let app = TestApp::with_config(|config| {
        config.egress_allow = vec!["127.0.0.1".parse().expect("entry")];
    })
    .await;
    let browser = setup(&app).await;
    let mut body = bot("Local");
    body["model"] = json!({"endpoint": "http://127.0.0.1:8000/v1/chat/completions"});
    body["webhook"] =
        json!({"url": "http://127.0.0.1:9000/hook", "access_token": false, "use_proxy": false});
    let response = create(&app, &browser, body.clone()).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    assert_eq!(response.json()["model_kind"], "compatible");
    body["name"] = json!("Elsewhere");
    body["webhook"]["url"] = json!("http://10.1.1.1/hook");
    let response = create(&app, &browser, body).await;
    assert_eq!(
        response.field_errors(),
        [("webhook.url".to_string(), "not_https".to_string())]
    );
}

#[tokio::test]
async fn changes_keep_write_only_secrets_and_respect_revisions() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let created = create(&app, &browser, bot("Support")).await;
    let id = created.json()["id"].as_str().expect("id").to_string();
    let etag = created.header("etag").expect("etag").to_string();
    let uri = format!("/api/v1/chatbots/{id}");
    let send = |body: Value, if_match: Option<String>| {
        let (app, browser, uri) = (&app, &browser, uri.clone());
        async move {
            let mut headers = vec![
                ("cookie", browser.cookie.as_str()),
                ("x-csrf-token", browser.csrf.as_str()),
                ("origin", ORIGIN),
                ("content-type", "application/json"),
            ];
            if let Some(tag) = &if_match {
                headers.push(("if-match", tag.as_str()));
            }
            app.anonymous(
                Method::PUT,
                &uri,
                &headers,
                Some(body.to_string().into_bytes()),
            )
            .await
        }
    };
    // The settings as read, sent back: the model key is kept.
    let mut settings = created.json()["settings"].clone();
    settings["description"] = Value::Null;
    settings
        .as_object_mut()
        .expect("object")
        .remove("description");
    settings["instructions"] = json!("Be very brief.");
    let changed = send(settings.clone(), Some(etag.clone())).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    assert_eq!(changed.json()["secrets"]["model_api_key"]["hint"], "…1234");
    assert!(changed.json().get("issued").is_none(), "nothing new issued");
    // The old revision no longer matches.
    let stale = send(settings.clone(), Some(etag)).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    // Turning the bot API and the token off deletes them; on again issues new ones.
    settings["bot_api"] = json!(false);
    settings["webhook"]["access_token"] = json!(false);
    let off = send(settings.clone(), None).await.json();
    assert_eq!(off["secrets"]["api_key"], Value::Null);
    assert_eq!(off["secrets"]["webhook_token"], Value::Null);
    assert!(
        off["secrets"]["webhook_secret"]["hint"].is_string(),
        "the signing secret stays with the webhook"
    );
    settings["bot_api"] = json!(true);
    let on = send(settings.clone(), None).await.json();
    assert!(on["issued"]["api_key"]
        .as_str()
        .is_some_and(|k| k.starts_with("sbb_")));
    // A null key removes it, which an OpenAI endpoint cannot do without.
    settings["model"]["api_key"] = Value::Null;
    let refused = send(settings.clone(), None).await;
    assert_eq!(
        refused.field_errors(),
        [("model.api_key".to_string(), "required".to_string())]
    );
    settings["model"] =
        json!({"endpoint": "https://llm.example.com/v1/chat/completions", "api_key": null});
    let keyless = send(settings, None).await.json();
    assert_eq!(keyless["secrets"]["model_api_key"], Value::Null);
    assert!(
        !app.stored().to_string().contains("sk-test-abcdefgh1234"),
        "the old key is gone from the store"
    );
}

#[tokio::test]
async fn regenerating_replaces_one_secret_and_deleting_removes_everything() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let created = create(&app, &browser, bot("Support")).await.json();
    let id = created["id"].as_str().expect("id").to_string();
    let old_secret = created["issued"]["webhook_secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let regenerate_uri = format!("/api/v1/chatbots/{id}/regenerate");
    let regenerate = |secret: Value| {
        as_app(
            &app,
            &browser,
            Method::POST,
            &regenerate_uri,
            Some(json!({"secret": secret})),
        )
    };
    let fresh = regenerate(json!("webhook_secret")).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.text());
    let new_secret = fresh.json()["issued"]["webhook_secret"]
        .as_str()
        .expect("new")
        .to_string();
    assert_ne!(new_secret, old_secret);
    assert!(
        fresh.json()["issued"].get("api_key").is_none(),
        "only the one asked for"
    );
    assert_eq!(
        regenerate(json!("password")).await.field_errors(),
        [("secret".to_string(), "invalid_choice".to_string())]
    );
    // Without a webhook there is no secret to replace.
    let mut settings = created["settings"].clone();
    settings["webhook"] = Value::Null;
    let put = as_app(
        &app,
        &browser,
        Method::PUT,
        &format!("/api/v1/chatbots/{id}"),
        Some(settings),
    )
    .await;
    assert_eq!(put.json()["secrets"]["webhook_secret"], Value::Null);
    let refused = regenerate(json!("webhook_token")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.error_code(), "secret_not_in_use");

    let photo = upload(
        &app,
        &browser,
        &format!("/api/v1/chatbots/{id}/photo"),
        "image/png",
        png(8, 8),
    )
    .await;
    assert_eq!(photo.status, StatusCode::OK, "{}", photo.text());
    let folder = app.data_dir.path().join("chatbot-images").join(&id);
    assert!(folder.exists());
    let deleted = as_app(
        &app,
        &browser,
        Method::DELETE,
        &format!("/api/v1/chatbots/{id}"),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(!folder.exists(), "its images are gone");
    assert!(!app.stored().to_string().contains(&new_secret));
    let gone = as_app(
        &app,
        &browser,
        Method::GET,
        &format!("/api/v1/chatbots/{id}"),
        None,
    )
    .await;
    assert_eq!(
        (gone.status, gone.error_code()),
        (StatusCode::NOT_FOUND, "unknown_chatbot".to_string())
    );
}

#[tokio::test]
async fn profile_images_are_checked_re_encoded_and_served_publicly() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let id = create(&app, &browser, bot("Support")).await.json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let uri = format!("/api/v1/chatbots/{id}/photo");
    let set = upload(&app, &browser, &uri, "image/png", png(1000, 500)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let url = set.json()["photo"].as_str().expect("photo url").to_string();
    let served = app.anonymous(Method::GET, &url, &[], None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert!(served
        .header("cache-control")
        .is_some_and(|c| c.contains("immutable")));
    assert!(
        !served.text().contains("secret-metadata"),
        "metadata is dropped"
    );
    let decoded = image::load_from_memory(&served.body).expect("a PNG");
    assert_eq!(
        (decoded.width(), decoded.height()),
        (512, 256),
        "scaled to the photo's bounds"
    );

    for (content_type, body, status, code) in [
        (
            "image/svg+xml",
            b"<svg/>".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image_type",
        ),
        (
            "image/jpeg",
            png(4, 4),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_image",
        ),
        (
            "image/png",
            b"\x89PNG\r\n\x1a\nnot really".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_image",
        ),
        (
            "image/png",
            vec![0u8; 2 * 1024 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ] {
        let response = upload(&app, &browser, &uri, content_type, body).await;
        assert_eq!(
            (response.status, response.error_code()),
            (status, code.to_string()),
            "{content_type}"
        );
    }
    // The refused uploads left the photo as it was.
    let read = as_app(
        &app,
        &browser,
        Method::GET,
        &format!("/api/v1/chatbots/{id}"),
        None,
    )
    .await;
    assert_eq!(read.json()["photo"], json!(url));

    let replaced = upload(&app, &browser, &uri, "image/png", png(10, 10))
        .await
        .json();
    let new_url = replaced["photo"].as_str().expect("url").to_string();
    assert_ne!(new_url, url);
    assert_eq!(
        app.anonymous(Method::GET, &url, &[], None).await.status,
        StatusCode::NOT_FOUND,
        "the old file is gone"
    );
    let cleared = as_app(&app, &browser, Method::DELETE, &uri, None).await;
    assert_eq!(cleared.json()["photo"], Value::Null);
    assert_eq!(
        app.anonymous(Method::GET, &new_url, &[], None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.anonymous(
            Method::GET,
            &format!("/chatbot-images/{id}/..%2Fswitchboard.json"),
            &[],
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_stored_key_never_follows_a_new_host_and_a_put_sends_every_field() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let created = create(&app, &browser, bot("Support")).await.json();
    let id = created["id"].as_str().expect("id").to_string();
    let uri = format!("/api/v1/chatbots/{id}");
    let old_secret = created["secrets"]["webhook_secret"]["hint"].clone();
    // Only a name: refused, nothing changed.
    let partial = as_app(
        &app,
        &browser,
        Method::PUT,
        &uri,
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(partial.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(partial
        .field_errors()
        .contains(&("bot_api".to_string(), "required".to_string())));
    // Moved to a service that needs a key (Azure), without one: refused.
    let mut settings = created["settings"].clone();
    settings["model"] = json!({"endpoint": "https://attacker.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21"});
    let moved = as_app(&app, &browser, Method::PUT, &uri, Some(settings.clone())).await;
    assert_eq!(
        moved.field_errors(),
        [("model.api_key".to_string(), "required".to_string())]
    );
    // A compatible server elsewhere needs no key: the stored one is dropped, not sent there.
    settings["model"] = json!({"endpoint": "https://attacker.example.com/v1/chat/completions"});
    let dropped = as_app(&app, &browser, Method::PUT, &uri, Some(settings.clone()))
        .await
        .json();
    assert_eq!(dropped["secrets"]["model_api_key"], Value::Null);
    // A webhook on another host gets a new signing secret and token.
    settings["webhook"]["url"] = json!("https://elsewhere.example.com/hook");
    let rehomed = as_app(&app, &browser, Method::PUT, &uri, Some(settings))
        .await
        .json();
    assert!(rehomed["issued"]["webhook_secret"].is_string(), "{rehomed}");
    assert!(rehomed["issued"]["webhook_token"].is_string(), "{rehomed}");
    assert_ne!(rehomed["secrets"]["webhook_secret"]["hint"], old_secret);
}

#[tokio::test]
async fn a_site_s_chat_can_be_a_chatbot_that_may_be_one_and_it_stays_while_used() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let mut private = bot("Internal");
    private["site_chat"] = json!(false);
    let private = create(&app, &browser, private).await.json();
    let public = create(&app, &browser, bot("Support")).await.json();
    let (private_id, public_id) = (
        private["id"].as_str().expect("id"),
        public["id"].as_str().expect("id"),
    );
    app.create_site("shop", &["shop.example.com"]).await;
    let open = json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": null, "account": {}, "guest_users_allowed": true});
    assert_eq!(
        app.put("/api/v1/instance/click-to-chat", &open)
            .await
            .status,
        StatusCode::OK
    );
    let settings = |chatbot: &str| json!({"enabled": true, "provider": "switchboard", "account": {"chatbot": chatbot}, "guest_users_allowed": true});
    let refused = app
        .put("/api/v1/sites/shop/click-to-chat", &settings(private_id))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_errors(),
        [("account.chatbot".to_string(), "not_a_site_chat".to_string())]
    );
    let unknown = app
        .put(
            "/api/v1/sites/shop/click-to-chat",
            &settings("zzzzzzzzzzzz"),
        )
        .await;
    assert_eq!(
        unknown.field_errors(),
        [("account.chatbot".to_string(), "unknown_chatbot".to_string())]
    );
    assert!(
        app.stored()["sites"]["shop"]["click_to_chat"].is_null(),
        "nothing stored"
    );
    let saved = app
        .put("/api/v1/sites/shop/click-to-chat", &settings(public_id))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    // Resolution and the widget treat it like any provider.
    let effective = app
        .get("/api/v1/sites/shop/click-to-chat/effective")
        .await
        .json();
    assert_eq!(effective["provider"], "switchboard");
    assert_eq!(effective["account"]["chatbot"], public_id);
    let config = app
        .anonymous(Method::GET, "/api/v1/widget/config?site=shop", &[], None)
        .await
        .json();
    assert_eq!(config["provider"], "switchboard");
    assert_eq!(config["account"], json!({"chatbot": public_id}));

    let bot_uri = format!("/api/v1/chatbots/{public_id}");
    let read = as_app(&app, &browser, Method::GET, &bot_uri, None)
        .await
        .json();
    assert_eq!(
        read["used_by"],
        json!({"sites": ["shop"], "instance": false, "site_settings": ["shop"]})
    );
    // While a site names it, it is neither deleted nor taken out of sites.
    let delete = as_app(&app, &browser, Method::DELETE, &bot_uri, None).await;
    assert_eq!(delete.status, StatusCode::CONFLICT, "{}", delete.text());
    assert_eq!(delete.error_code(), "chatbot_in_use");
    assert_eq!(delete.json()["error"]["params"]["sites"], json!(["shop"]));
    let mut off = read["settings"].clone();
    off["site_chat"] = json!(false);
    let unflag = as_app(&app, &browser, Method::PUT, &bot_uri, Some(off.clone())).await;
    assert_eq!(unflag.status, StatusCode::CONFLICT);
    assert_eq!(
        unflag.field_errors(),
        [("site_chat".to_string(), "in_use".to_string())]
    );
    // The instance settings naming it count too, and inheriting sites get it.
    let instance = json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": "switchboard", "account": {"chatbot": public_id}, "guest_users_allowed": true});
    let put = app.put("/api/v1/instance/click-to-chat", &instance).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    app.create_site("blog", &["blog.example.com"]).await;
    let crisp = json!({"enabled": true, "provider": "crisp", "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true});
    app.put("/api/v1/sites/shop/click-to-chat", &crisp).await;
    let read = as_app(&app, &browser, Method::GET, &bot_uri, None)
        .await
        .json();
    assert_eq!(
        read["used_by"],
        json!({"sites": ["blog"], "instance": true, "site_settings": []})
    );
    let list = as_app(&app, &browser, Method::GET, "/api/v1/chatbots", None)
        .await
        .json();
    let listed = list["chatbots"]
        .as_array()
        .and_then(|bots| bots.iter().find(|b| b["id"] == public_id))
        .expect("listed");
    assert_eq!(listed["used_by"]["sites"], json!(["blog"]));
    let delete = as_app(&app, &browser, Method::DELETE, &bot_uri, None).await;
    assert_eq!(delete.json()["error"]["params"]["instance"], json!(true));
    app.put("/api/v1/instance/click-to-chat", &open).await;
    let unflag = as_app(&app, &browser, Method::PUT, &bot_uri, Some(off)).await;
    assert_eq!(unflag.status, StatusCode::OK, "{}", unflag.text());
    let delete = as_app(&app, &browser, Method::DELETE, &bot_uri, None).await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
}
