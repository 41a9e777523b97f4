//! The contract between the server and the admin app, checked on real
//! answers: every endpoint the app reads is called on the running server,
//! and its answer must decode both as the core wire type (what the server
//! means to send) and with the app's own reader (what the app understands),
//! with the same values.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use switchboard_app::api;
use switchboard_core::wire;
use switchboard_e2e::{spawn_app, AdminApi};

/// The answer as the wire type, or a failure naming the endpoint.
fn wire<T: DeserializeOwned>(what: &str, answer: &Value) -> T {
    serde_json::from_value(answer.clone()).unwrap_or_else(|e| {
        panic!(
            "{what}: not a {}: {e}\n{answer}",
            std::any::type_name::<T>()
        )
    })
}

fn app<T>(what: &str, decoded: Option<T>, answer: &Value) -> T {
    decoded.unwrap_or_else(|| panic!("{what}: the admin app cannot read\n{answer}"))
}

#[tokio::test]
async fn every_answer_the_app_reads_decodes_as_its_wire_type_and_with_the_apps_reader(
) -> anyhow::Result<()> {
    let server = spawn_app().await?;
    let admin = AdminApi::new(&server).await?;
    let ok = |what: &str, (status, body): (u16, Value)| {
        assert!(
            (200..300).contains(&status),
            "{what} answered {status}: {body}"
        );
        body
    };

    let body = ok(
        "GET /setup",
        admin.answer("GET", "/setup", Value::Null, false).await?,
    );
    let status: wire::SetupStatus = wire("GET /setup", &body);
    assert_eq!(
        app("GET /setup", api::decode_setup_status(&body), &body).needed,
        status.needed
    );

    let body = ok(
        "GET /session",
        admin.answer("GET", "/session", Value::Null, true).await?,
    );
    let who: wire::WhoAmI = wire("GET /session", &body);
    let session = app("GET /session", api::decode_session(&body), &body);
    assert_eq!(
        who,
        wire::WhoAmI::User {
            username: session.username.clone(),
            csrf_token: session.csrf_token.clone()
        }
    );

    let settings = json!({"enabled": true, "provider": "crisp", "guest_users_allowed": true,
        "site_settings_strategy": "inherit_or_override",
        "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}});
    for (method, body_in) in [("PUT", settings.clone()), ("GET", Value::Null)] {
        let what = format!("{method} /instance/click-to-chat");
        let body = ok(
            &what,
            admin
                .answer(method, "/instance/click-to-chat", body_in, true)
                .await?,
        );
        let answer: wire::InstanceSettings = wire(&what, &body);
        let read = app(&what, api::decode_instance(&body), &body);
        assert_eq!(read.settings, answer.settings, "{what}");
        assert_eq!(read.warnings, answer.warnings, "{what}");
    }

    let site = json!({"id": "shop", "name": "Shop", "domains": ["shop.example"]});
    let body = ok(
        "POST /sites",
        admin.answer("POST", "/sites", site, false).await?,
    );
    let created: switchboard_core::site::Site = wire("POST /sites", &body);
    assert_eq!(app("POST /sites", api::decode_site(&body), &body), created);
    let body = ok(
        "PUT /sites/shop",
        admin
            .answer(
                "PUT",
                "/sites/shop",
                json!({"name": "The shop", "domains": ["shop.example"]}),
                false,
            )
            .await?,
    );
    assert_eq!(
        app("PUT /sites/shop", api::decode_site(&body), &body).name,
        "The shop"
    );
    let body = ok(
        "GET /sites/shop",
        admin
            .answer("GET", "/sites/shop", Value::Null, false)
            .await?,
    );
    assert_eq!(
        app("GET /sites/shop", api::decode_site(&body), &body),
        wire::<switchboard_core::site::Site>("GET /sites/shop", &body)
    );
    let body = ok(
        "GET /sites",
        admin.answer("GET", "/sites", Value::Null, false).await?,
    );
    let list: wire::SiteList = wire("GET /sites", &body);
    assert_eq!(
        app("GET /sites", api::decode_sites(&body), &body),
        list.sites
    );

    let own = json!({"enabled": true, "provider": "tawkto", "guest_users_allowed": false,
        "account": {"property_id": "5f8d1c2b3a4e5f6a7b8c9d0e", "widget_id": "default"}});
    for (method, body_in) in [("PUT", own), ("GET", Value::Null)] {
        let what = format!("{method} /sites/shop/click-to-chat");
        let body = ok(
            &what,
            admin
                .answer(method, "/sites/shop/click-to-chat", body_in, false)
                .await?,
        );
        let answer: wire::SiteSettings = wire(&what, &body);
        let read = app(&what, api::decode_site_settings(&body), &body);
        assert_eq!(read.settings, answer.settings, "{what}");
        assert_eq!(read.warnings, answer.warnings, "{what}");
    }

    let what = "GET /sites/shop/click-to-chat/effective";
    let body = ok(
        what,
        admin
            .answer(
                "GET",
                "/sites/shop/click-to-chat/effective",
                Value::Null,
                false,
            )
            .await?,
    );
    let effective: wire::Effective = wire(what, &body);
    let read = app(what, api::decode_effective(&body), &body);
    assert_eq!(read.enabled, effective.enabled);
    assert_eq!(read.provider, effective.provider);
    assert_eq!(read.strategy, effective.strategy);
    assert_eq!(read.guest_users_allowed, effective.guest_users_allowed);
    assert_eq!(
        read.reason.code,
        serde_json::to_value(effective.reason.code)?
            .as_str()
            .unwrap_or_default()
    );

    let what = "GET /sites/shop/csp";
    let body = ok(
        what,
        admin
            .answer("GET", "/sites/shop/csp", Value::Null, false)
            .await?,
    );
    let csp: wire::Csp = wire(what, &body);
    let read = app(what, api::decode_csp(&body), &body);
    assert_eq!((read.policy, read.note_code), (csp.policy, csp.note_code));

    let what = "POST /api-keys";
    let body = ok(
        what,
        admin
            .answer("POST", "/api-keys", json!({"name": "deploy"}), true)
            .await?,
    );
    let key: wire::ApiKey = wire(what, &body);
    let read = app(what, api::decode_key(&body), &body);
    assert!(key.key.is_some());
    assert_eq!(
        (read.id.clone(), read.key.clone()),
        (key.id.clone(), key.key.clone())
    );
    let what = "PUT /api-keys/{id}";
    let body = ok(
        what,
        admin
            .answer(
                "PUT",
                &format!("/api-keys/{}", key.id),
                json!({"name": "deploy bot"}),
                true,
            )
            .await?,
    );
    assert_eq!(app(what, api::decode_key(&body), &body).name, "deploy bot");
    let what = "GET /api-keys";
    let body = ok(
        what,
        admin.answer("GET", "/api-keys", Value::Null, true).await?,
    );
    let keys: wire::ApiKeyList = wire(what, &body);
    let read = app(what, api::decode_keys(&body), &body);
    assert_eq!(
        read.iter().map(|k| k.id.clone()).collect::<Vec<_>>(),
        keys.api_keys
            .iter()
            .map(|k| k.id.clone())
            .collect::<Vec<_>>()
    );

    let what = "GET /audit";
    let body = ok(
        what,
        admin
            .answer("GET", "/audit?page=1&per_page=25", Value::Null, true)
            .await?,
    );
    let page: wire::AuditPage<Value> = wire(what, &body);
    let read = app(what, api::decode_audit_page(&body), &body);
    assert_eq!(read.entries.len(), page.entries.len());
    assert!(read.entries.len() >= 4, "{body}");
    assert_eq!(
        (read.page, read.pages, read.total),
        (page.page, page.pages, page.total)
    );

    // Chatbots: a bot with every part set, as created, read, listed; a
    // conversation; the delivery log.
    let what = "POST /chatbots";
    let body = ok(
        what,
        admin
            .answer(
                "POST",
                "/chatbots",
                json!({"name": "Contract", "reading": "けいやく", "bot_api": true, "site_chat": true, "direct_link": true,
                       "model": {"endpoint": "https://127.0.0.1:9/v1/chat/completions", "model": "m", "api_key": "sk-contract-1234"},
                       "webhook": {"url": "https://bots.example.com/hook", "access_token": true, "use_proxy": false},
                       "profile": {"url": "https://www.example.com/", "description": "About"},
                       "instructions": "Be brief.", "reply_limit": 100, "daily_token_budget": 5000}),
                true,
            )
            .await?,
    );
    let bot: wire::Chatbot = wire(what, &body);
    let read = app(what, api::chatbots::decode_chatbot(&body), &body);
    assert_eq!(read.id, bot.id);
    assert_eq!(read.settings.name, bot.settings.name);
    assert_eq!(read.settings.reading, bot.settings.reading);
    assert_eq!(
        read.settings.model.as_ref().map(|m| m.0.clone()),
        bot.settings.model.as_ref().map(|m| m.endpoint.clone())
    );
    assert_eq!(
        read.settings.webhook.as_ref().map(|w| w.url.clone()),
        bot.settings.webhook.as_ref().map(|w| w.url.clone())
    );
    assert_eq!(read.settings.profile_url, bot.settings.profile.url);
    assert_eq!(
        (read.settings.reply_limit, read.settings.daily_token_budget),
        (
            u64::from(bot.settings.reply_limit),
            bot.settings.daily_token_budget
        )
    );
    assert_eq!(
        read.secrets.model_api_key.map(|h| h.hint),
        bot.secrets.model_api_key.map(|h| h.hint)
    );
    assert_eq!(
        read.issued.len(),
        3,
        "the key, token and secret issued: {body}"
    );
    assert_eq!(
        read.issued
            .iter()
            .find(|(k, _)| k == "api_key")
            .map(|(_, v)| v.clone()),
        bot.issued.api_key
    );
    // What the app sends back is what the server reads.
    let sent = read.settings.body(&api::chatbots::KeyChange::Keep);
    let what = "PUT /chatbots/{id}";
    let body = ok(
        what,
        admin
            .answer("PUT", &format!("/chatbots/{}", bot.id), sent, true)
            .await?,
    );
    let changed: wire::Chatbot = wire(what, &body);
    assert_eq!(changed.settings, bot.settings, "sent back unchanged");
    let what = "GET /chatbots";
    let body = ok(
        what,
        admin.answer("GET", "/chatbots", Value::Null, true).await?,
    );
    let list: wire::ChatbotList = wire(what, &body);
    let read = app(what, api::chatbots::decode_chatbots(&body), &body);
    assert_eq!(read.len(), list.chatbots.len());
    // The try is refused (the server may not call 127.0.0.1), after the
    // message was stored and queued for the webhook.
    let (status, refused) = admin
        .answer(
            "POST",
            &format!("/chatbots/{}/try", bot.id),
            json!({"message": "hi"}),
            true,
        )
        .await?;
    assert_eq!(status, 502, "{refused}");
    let error = app(
        "POST /try (refused)",
        api::decode_error(status, &refused),
        &refused,
    );
    assert_eq!(error.code(), "egress_refused");
    let conversation = error.params()["conversation"].as_str().map(str::to_string);
    let conversation = conversation.expect("the refusal names the conversation");
    let what = "GET /chatbots/{id}/conversations/{c}/messages";
    let body = ok(
        what,
        admin
            .answer(
                "GET",
                &format!(
                    "/chatbots/{}/conversations/{conversation}/messages?after=0",
                    bot.id
                ),
                Value::Null,
                true,
            )
            .await?,
    );
    let page: wire::ChatMessagePage = wire(what, &body);
    let read = app(what, api::chatbots::decode_message_page(&body), &body);
    assert_eq!(read.cursor, page.cursor);
    assert_eq!(
        read.messages
            .iter()
            .map(|m| (m.kind.clone(), m.text.clone()))
            .collect::<Vec<_>>(),
        page.messages
            .iter()
            .map(|m| (m.kind.clone(), m.text.clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(read.messages.len(), 2, "the start and the message: {body}");

    // The same conversation in the admin's Conversations screens.
    let what = "GET /conversations";
    let body = ok(
        what,
        admin
            .answer("GET", "/conversations?origin=try", Value::Null, true)
            .await?,
    );
    let listed: wire::ConversationList = wire(what, &body);
    let read = app(what, api::conversations::decode_list(&body), &body);
    assert_eq!(read.total, listed.total as u64);
    assert_eq!(
        read.conversations
            .iter()
            .map(|c| (c.id.clone(), c.origin.clone(), c.messages))
            .collect::<Vec<_>>(),
        listed
            .conversations
            .iter()
            .map(|c| (c.id.clone(), c.origin.clone(), u64::from(c.messages)))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        read.conversations.first().map(|c| c.id.as_str()),
        Some(conversation.as_str())
    );
    let what = "GET /conversations/{id}";
    let body = ok(
        what,
        admin
            .answer(
                "GET",
                &format!("/conversations/{conversation}"),
                Value::Null,
                true,
            )
            .await?,
    );
    let transcript: wire::Transcript = wire(what, &body);
    let read = app(what, api::conversations::decode_transcript(&body), &body);
    assert_eq!(read.conversation.admin.as_deref(), Some("admin"));
    assert_eq!(
        read.entries
            .iter()
            .map(|e| (e.seq, e.event.clone(), e.text.clone(), e.code.clone()))
            .collect::<Vec<_>>(),
        transcript
            .entries
            .iter()
            .map(|e| (e.seq, e.event.clone(), e.text.clone(), e.code.clone()))
            .collect::<Vec<_>>()
    );
    assert!(!read.entries.is_empty(), "{body}");
    let what = "GET /chatbots/{id}/deliveries";
    let body = ok(
        what,
        admin
            .answer(
                "GET",
                &format!("/chatbots/{}/deliveries", bot.id),
                Value::Null,
                true,
            )
            .await?,
    );
    let log: wire::DeliveryList = wire(what, &body);
    let read = app(what, api::chatbots::decode_deliveries(&body), &body);
    assert_eq!(read.deliveries.len(), log.deliveries.len());
    assert_eq!(
        read.deliveries.len(),
        2,
        "the start and the message were queued: {body}"
    );
    assert_eq!(
        read.deliveries
            .iter()
            .map(|d| d.status.clone())
            .collect::<Vec<_>>(),
        log.deliveries
            .iter()
            .map(|d| d.status.clone())
            .collect::<Vec<_>>()
    );

    // Errors: a field error, with its code and params, read the same way.
    let what = "POST /sites (refused)";
    let (status, body) = admin
        .answer(
            "POST",
            "/sites",
            json!({"id": "Not A Slug", "name": "", "domains": []}),
            false,
        )
        .await?;
    assert_eq!(status, 422, "{body}");
    let error: wire::ErrorBody = wire(what, &body);
    let read = app(what, api::decode_error(status, &body), &body);
    assert_eq!(read.code(), error.error.code.as_str());
    assert_eq!(read.fields().len(), error.error.fields.len());
    for (problem, field) in read.fields().iter().zip(&error.error.fields) {
        assert_eq!(problem.field, field.field);
        assert_eq!(problem.code, field.code.as_str());
    }
    Ok(())
}
