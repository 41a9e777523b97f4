//! Display rules over the API: saved for the instance and for sites, resolved
//! with the settings, in the widget config; bad rules refused field by field;
//! a calendar feed read from a real local server, kept when it breaks.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use crate::helpers::{crisp_settings, TestApp};

const TAWK_EN: &str = "5f8e1a2b3c4d5e6f7a8b9c0d";

fn full_rules() -> Value {
    let all_day = json!([{"from": "00:00", "to": "24:00"}]);
    json!({
        "pages": {"include": ["/help/*", "/ヘルプ/*"], "exclude": ["/help/internal*"]},
        "hours": {"time_zone": "Asia/Tokyo", "outside": "keep",
            "weekly": {"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day}},
        "languages": [{"lang": "en", "provider": "tawkto", "account": {"property_id": TAWK_EN, "widget_id": "default"}}],
        "consent": {"cookie": {"name": "cookie_consent", "value": "yes"}},
        "loading": "interaction"
    })
}

#[tokio::test]
async fn rules_are_saved_resolved_and_reach_the_widget() {
    let app = TestApp::with_crisp_site().await;
    let none = app.get("/api/v1/instance/click-to-chat/rules").await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.json()["saved"], false);
    assert_eq!(none.header("etag"), Some("\"0\""));

    let saved = app
        .put("/api/v1/instance/click-to-chat/rules", &full_rules())
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let view = saved.json();
    assert_eq!(view["saved"], true);
    assert_eq!(
        view["rules"]["pages"]["include"][1], "/%E3%83%98%E3%83%AB%E3%83%97/*",
        "non-ASCII is percent-encoded as browsers send it"
    );
    assert_eq!(
        view["upcoming"].as_array().map(Vec::len),
        Some(1),
        "open all week: one interval"
    );

    let config = app
        .anonymous(
            axum::http::Method::GET,
            "/api/v1/widget/config?site=shop",
            &[],
            None,
        )
        .await
        .json();
    let rules = &config["rules"];
    assert_eq!(rules["pages"]["exclude"], json!(["/help/internal*"]));
    assert_eq!(rules["loading"], "interaction");
    assert_eq!(rules["consent"]["cookie"]["name"], "cookie_consent");
    assert_eq!(rules["languages"][0]["account"]["property_id"], TAWK_EN);
    let open = &rules["hours"]["open"];
    let (start, end, until) = (
        open[0][0].as_i64(),
        open[0][1].as_i64(),
        rules["hours"]["until"].as_i64(),
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        start.is_some_and(|s| s <= now && now - s < 3600),
        "from the start of the hour: {open}"
    );
    assert_eq!(end, until, "open through the whole horizon");
    assert_eq!(until.zip(start).map(|(u, s)| u - s), Some(8 * 86_400));

    // The host page's CSP allows the English account's provider too.
    let csp = app.get("/api/v1/sites/shop/csp").await.json();
    let policy = csp["policy"].as_str().unwrap_or_default();
    assert!(
        policy.contains("https://client.crisp.chat") && policy.contains("https://embed.tawk.to"),
        "{policy}"
    );

    // The effective view says which rules apply and from where.
    let effective = app
        .get("/api/v1/sites/shop/click-to-chat/effective")
        .await
        .json();
    assert_eq!(
        (
            effective["source"].as_str(),
            effective["rules_saved"].as_bool()
        ),
        (Some("instance"), Some(true))
    );
    assert_eq!(effective["rules"]["loading"], "interaction");

    // A site with its own settings uses its own rules (none yet: none at all).
    let own = app
        .put("/api/v1/sites/shop/click-to-chat", &crisp_settings(true))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    let config = app
        .anonymous(
            axum::http::Method::GET,
            "/api/v1/widget/config?site=shop",
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(config.get("rules"), None, "{config}");
    let site_rules = json!({"pages": {"exclude": ["/checkout*"]}, "loading": "idle"});
    let put = app
        .put("/api/v1/sites/shop/click-to-chat/rules", &site_rules)
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text());
    let config = app
        .anonymous(
            axum::http::Method::GET,
            "/api/v1/widget/config?site=shop",
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(
        config["rules"],
        json!({"pages": {"include": [], "exclude": ["/checkout*"]}, "loading": "idle"})
    );
    let effective = app
        .get("/api/v1/sites/shop/click-to-chat/effective")
        .await
        .json();
    assert_eq!(effective["source"], "site");

    // The test box answers as the loader would.
    let test = app
        .get("/api/v1/sites/shop/click-to-chat/rules/test?path=/checkout/pay")
        .await
        .json();
    assert_eq!(test["shows"], false);
    assert_eq!(test["steps"][0]["code"], "excluded");
    assert_eq!(test["steps"][0]["params"]["pattern"], "/checkout*");
    let test = app.get("/api/v1/instance/click-to-chat/rules/test?path=/help/faq&lang=en-US&cookies=a%3D1%3B%20cookie_consent%3Dyes").await.json();
    assert_eq!(test["shows"], true, "{test}");
    assert_eq!(test["chat"]["provider"], "tawkto", "the English account");
    assert_eq!(test["loading"], "interaction");
    let codes: Vec<&str> = test["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["included", "language", "open", "consent_given", "loads"]
    );
    let without = app
        .get("/api/v1/instance/click-to-chat/rules/test?path=/help/faq")
        .await
        .json();
    assert_eq!(
        (
            without["shows"].as_bool(),
            without["steps"]
                .as_array()
                .and_then(|s| s.last())
                .map(|s| s["code"].clone())
        ),
        (Some(false), Some(json!("consent_missing")))
    );
    let bad = app
        .get("/api/v1/instance/click-to-chat/rules/test?path=help&at=yesterday")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Revisions guard concurrent edits, and the change is audited.
    let stale = app
        .send_json(
            axum::http::Method::PUT,
            "/api/v1/sites/shop/click-to-chat/rules",
            &site_rules,
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let audit = app.get("/api/v1/audit").await.json();
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"site.rules.update") && actions.contains(&"instance.rules.update"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn bad_rules_get_field_errors_and_change_nothing() {
    let app = TestApp::with_crisp_site().await;
    let before = app.stored();
    let body = json!({
        "pages": {"include": ["/a b", "/ok"], "exclude": ["/x?y"]},
        "hours": {"time_zone": "Mars/Olympus", "outside": "hide",
            "weekly": {"mon": [{"from": "09:00", "to": "12:00"}, {"from": "11:00", "to": "13:00"}], "tue": [{"from": "18:00", "to": "09:00"}]},
            "calendar": {"kind": "file", "name": "broken.ics", "ics": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"}}
    });
    let refused = app.put("/api/v1/instance/click-to-chat/rules", &body).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    let fields = refused.field_errors();
    for expected in [
        ("pages.include[0]", "unsafe_characters"),
        ("pages.exclude[0]", "unsafe_characters"),
        ("hours.time_zone", "unknown_time_zone"),
        ("hours.weekly.mon[1]", "overlapping"),
        ("hours.weekly.tue[0].to", "reversed_interval"),
        ("hours.calendar.ics", "invalid_calendar"),
    ] {
        assert!(
            fields.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {fields:?}"
        );
    }
    let problem = &refused.json()["error"]["fields"]
        .as_array()
        .and_then(|f| {
            f.iter()
                .find(|f| f["field"] == "hours.calendar.ics")
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(
        problem["params"]["problem"]
            .as_str()
            .map(|p| p.starts_with("line 3:")),
        Some(true),
        "{problem}"
    );
    assert_eq!(app.stored(), before, "nothing stored");
    assert_eq!(
        app.get("/api/v1/instance/click-to-chat/rules").await.json()["saved"],
        false
    );

    // A chatbot outside hours must exist; unknown keys are named.
    let bot = json!({"hours": {"time_zone": "UTC", "weekly": {}, "outside": "chatbot", "chatbot": "k3v9q2xm7d1a"}, "colour": "red"});
    let refused = app
        .put("/api/v1/sites/shop/click-to-chat/rules", &bot)
        .await;
    assert_eq!(
        refused.field_errors(),
        [("colour".to_string(), "unknown_field".to_string())]
    );
    let bot = json!({"hours": {"time_zone": "UTC", "weekly": {}, "outside": "chatbot", "chatbot": "k3v9q2xm7d1a"}});
    let refused = app
        .put("/api/v1/sites/shop/click-to-chat/rules", &bot)
        .await;
    assert_eq!(
        refused.field_errors(),
        [("hours.chatbot".to_string(), "unknown_chatbot".to_string())]
    );
    let missing = app
        .put("/api/v1/sites/nowhere/click-to-chat/rules", &bot)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // An API key may not point a language's chat at a self-hosted script origin.
    let chatwoot = json!({"languages": [{"lang": "en", "provider": "chatwoot", "account": {"website_token": "aB3dE5fG7hJ9kL1mN3pQ5rS7", "base_url": "https://chat.evil.example"}}]});
    let refused = app
        .put("/api/v1/instance/click-to-chat/rules", &chatwoot)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    assert_eq!(
        refused.field_errors(),
        [(
            "languages[0].account.base_url".to_string(),
            "signed_in_admin_required".to_string()
        )]
    );
}

/// A calendar feed on 127.0.0.1: `mode` 0 serves `ics`, 1 answers 500, 2 serves garbage.
async fn feed_server(ics: String) -> (String, Arc<AtomicU8>) {
    let mode = Arc::new(AtomicU8::new(0));
    let current = Arc::clone(&mode);
    let app = Router::new().route(
        "/holidays.ics",
        get(move || {
            let ics = ics.clone();
            let mode = current.load(Ordering::SeqCst);
            async move {
                match mode {
                    0 => ([(header::CONTENT_TYPE, "text/calendar")], ics).into_response(),
                    1 => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                    _ => "<html>not a calendar</html>".into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/holidays.ics"), mode)
}

fn ymd(at: time::OffsetDateTime) -> String {
    format!("{:04}{:02}{:02}", at.year(), u8::from(at.month()), at.day())
}

#[tokio::test]
async fn a_feed_is_read_and_its_last_good_copy_survives_failures() {
    let now = time::OffsetDateTime::now_utc();
    let (yesterday, in_two_days) = (now - time::Duration::days(1), now + time::Duration::days(2));
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:closed\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:Closed\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:odd\r\nDTSTART;TZID=Nowhere/Land:20260101T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ymd(yesterday),
        ymd(in_two_days)
    );
    let (url, mode) = feed_server(ics).await;
    let app = TestApp::with_config(|config| {
        config.egress_allow = vec!["127.0.0.1".parse().expect("entry")]
    })
    .await;
    app.create_site("shop", &["shop.example.com"]).await;
    let mut instance = crisp_settings(true);
    instance["site_settings_strategy"] = json!("inherit_or_override");
    assert_eq!(
        app.put("/api/v1/instance/click-to-chat", &instance)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.put("/api/v1/sites/shop/click-to-chat", &crisp_settings(true))
            .await
            .status,
        StatusCode::OK
    );
    let all_day = json!([{"from": "00:00", "to": "24:00"}]);
    let rules = json!({"hours": {"time_zone": "UTC", "outside": "hide", "calendar": {"kind": "feed", "url": url},
        "weekly": {"mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day, "fri": all_day, "sat": all_day, "sun": all_day}}});
    let saved = app
        .put("/api/v1/sites/shop/click-to-chat/rules", &rules)
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let status = saved.json()["calendar"].clone();
    assert_eq!(
        (status["kind"].as_str(), status["events"].as_u64()),
        (Some("feed"), Some(1)),
        "{status}"
    );
    assert!(
        status["last_success"].is_string() && status["last_error"].is_null(),
        "{status}"
    );
    assert_eq!(
        status["skipped"][0]
            .as_str()
            .map(|s| s.starts_with("line 12:")),
        Some(true),
        "the odd event is left out with its line: {status}"
    );

    // The closure (yesterday to the day after tomorrow, whole days) is out of the open hours.
    let reopens =
        (now.replace_time(time::Time::MIDNIGHT) + time::Duration::days(2)).unix_timestamp();
    assert_eq!(first_opening(&app).await, Some(reopens));

    // The feed breaks: its status says so, the copy stays in use.
    mode.store(1, Ordering::SeqCst);
    let refreshed = app
        .post("/api/v1/sites/shop/click-to-chat/rules/refresh", &json!({}))
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.text());
    let after = refreshed.json()["calendar"].clone();
    assert_eq!(after["last_error"]["code"], "http_status", "{after}");
    assert_eq!(after["last_error"]["params"]["status"], 500);
    assert_eq!(after["last_success"], status["last_success"]);
    assert_eq!(after["events"], 1);
    assert_eq!(
        first_opening(&app).await,
        Some(reopens),
        "the last good copy still closes the hours"
    );
    mode.store(2, Ordering::SeqCst);
    let garbage = app
        .post("/api/v1/sites/shop/click-to-chat/rules/refresh", &json!({}))
        .await
        .json();
    assert_eq!(
        garbage["calendar"]["last_error"]["code"], "invalid_calendar",
        "{garbage}"
    );
    assert_eq!(first_opening(&app).await, Some(reopens));
    let audit = app.get("/api/v1/audit").await.json();
    assert_eq!(audit["entries"][0]["action"], "calendar.refresh");

    // Rules without a feed have nothing to refresh.
    let none = app
        .post("/api/v1/instance/click-to-chat/rules/refresh", &json!({}))
        .await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
}

/// When the widget config's first open interval starts.
async fn first_opening(app: &TestApp) -> Option<i64> {
    let config = app
        .anonymous(
            axum::http::Method::GET,
            "/api/v1/widget/config?site=shop",
            &[],
            None,
        )
        .await
        .json();
    config["rules"]["hours"]["open"][0][0].as_i64()
}

#[tokio::test]
async fn a_feed_on_a_private_address_is_refused_by_the_outbound_rules() {
    let (url, _) = feed_server("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()).await;
    let app = TestApp::new().await;
    let rules = json!({"hours": {"time_zone": "UTC", "outside": "keep", "weekly": {}, "calendar": {"kind": "feed", "url": url}}});
    let saved = app
        .put("/api/v1/instance/click-to-chat/rules", &rules)
        .await;
    assert_eq!(
        saved.status,
        StatusCode::OK,
        "saved all the same: {}",
        saved.text()
    );
    let view = saved.json();
    assert_eq!(
        view["calendar"]["last_error"]["code"], "not_allowed",
        "{view}"
    );
    assert_eq!(
        view["calendar"]["last_error"]["params"]["address"],
        "127.0.0.1"
    );
    let warnings: Vec<&str> = view["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert_eq!(warnings, ["calendar_not_read"]);
}

#[tokio::test]
async fn the_chatbot_shown_outside_hours_may_chat_on_the_site_and_cannot_be_deleted_under_it() {
    let app = TestApp::new().await;
    // A bot that is the chat of `shop`; `blog` uses Crisp and shows the bot outside hours.
    let (bot, _) = crate::visitor_chat::site_with_bot(&app, true).await;
    app.create_site("blog", &["blog.example.com"]).await;
    assert_eq!(
        app.put("/api/v1/sites/blog/click-to-chat", &crisp_settings(true))
            .await
            .status,
        StatusCode::OK
    );
    let before = crate::visitor_chat::start(&app, &bot, json!({"site": "blog"})).await;
    assert_eq!(before.error_code(), "not_this_sites_chat");
    let rules =
        json!({"hours": {"time_zone": "UTC", "outside": "chatbot", "chatbot": bot, "weekly": {}}});
    let saved = app
        .put("/api/v1/sites/blog/click-to-chat/rules", &rules)
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let config = app
        .anonymous(
            axum::http::Method::GET,
            "/api/v1/widget/config?site=blog",
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(
        config["rules"]["hours"]["chatbot"],
        json!({"provider": "switchboard", "account": {"chatbot": bot}})
    );
    assert_eq!(config["rules"]["hours"]["open"], json!([]), "never open");
    let started = crate::visitor_chat::start(&app, &bot, json!({"site": "blog"})).await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    // The settings of shop no longer choose it, but blog's rules still do.
    let other = json!({"enabled": true, "provider": "crisp", "account": {"website_id": crate::helpers::CRISP_ID}, "guest_users_allowed": true});
    assert_eq!(
        app.put("/api/v1/sites/shop/click-to-chat", &other)
            .await
            .status,
        StatusCode::OK
    );
    let browser = crate::helpers::signed_in(&app).await;
    let deleted = crate::helpers::as_app(
        &app,
        &browser,
        axum::http::Method::DELETE,
        &format!("/api/v1/chatbots/{bot}"),
        None,
    )
    .await;
    assert_eq!(deleted.error_code(), "chatbot_in_use", "{}", deleted.text());
}
