//! The admin's conversations API: listing by site, bot and date, the
//! transcript, export (CSV and JSON Lines), deletion, retention, the audit
//! trail of each, and field errors that change nothing.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::visitor_chat::{site_with_bot, start, visitor};

/// A site visitor's conversation with two messages and the bot program's
/// reply; its id and token.
async fn a_conversation(app: &TestApp, bot: &str, key: &str, says: &str) -> (String, String) {
    let started = start(
        app,
        bot,
        json!({"site": "shop", "visitor": {"id": "u-1", "name": "山田 花子", "email": "hanako@example.jp"}}),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    let conversation = started.json()["conversation"]
        .as_str()
        .expect("id")
        .to_string();
    let token = started.json()["token"].as_str().expect("token").to_string();
    let messages = format!("/api/v1/chat/{bot}/conversations/{conversation}/messages");
    let said = visitor(
        app,
        Method::POST,
        &messages,
        Some(&token),
        Some(json!({"message": says})),
    )
    .await;
    assert_eq!(said.status, StatusCode::OK, "{}", said.text());
    let replied = app
        .anonymous(
            Method::POST,
            &format!("/api/v1/bot/conversations/{conversation}/messages"),
            &[
                ("authorization", &format!("Bearer {key}")),
                ("content-type", "application/json"),
            ],
            Some(json!({"text": "We open at nine."}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(replied.status, StatusCode::CREATED, "{}", replied.text());
    (conversation, token)
}

fn ids(list: &Value) -> Vec<&str> {
    list["conversations"]
        .as_array()
        .expect("conversations")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect()
}

fn audit_actions(app_log: &Value) -> Vec<String> {
    app_log["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn conversations_are_listed_read_exported_and_deleted_with_an_audit_trail() {
    let app = TestApp::new().await;
    let (bot, key) = site_with_bot(&app, true).await;
    let (first, _) = a_conversation(&app, &bot, &key, "When do you open?").await;
    let (second, token) =
        a_conversation(&app, &bot, &key, "=HYPERLINK(\"https://evil.example\")").await;

    let list = app.get("/api/v1/conversations?site=shop").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let list = list.json();
    assert_eq!(
        ids(&list),
        [second.as_str(), first.as_str()],
        "newest first"
    );
    assert_eq!(list["total"], 2);
    let item = &list["conversations"][0];
    assert_eq!(item["origin"], "site");
    assert_eq!(item["bot_name"], "Support");
    assert_eq!(item["visitor"]["name"], "山田 花子");
    assert_eq!(item["messages"], 2);

    let paged = app.get("/api/v1/conversations?limit=1").await.json();
    assert_eq!(ids(&paged), [second.as_str()]);
    let next = paged["next"].as_str().expect("a next page");
    let rest = app
        .get(&format!("/api/v1/conversations?limit=1&before={next}"))
        .await
        .json();
    assert_eq!(ids(&rest), [first.as_str()]);
    assert!(rest.get("next").is_none(), "the last page has no next");
    for empty in [
        "/api/v1/conversations?site=elsewhere",
        "/api/v1/conversations?origin=direct",
        "/api/v1/conversations?bot=zzzzzzzzzzzz",
        "/api/v1/conversations?since=2999-01-01",
        "/api/v1/conversations?until=2000-01-01",
    ] {
        let answer = app.get(empty).await;
        assert_eq!(answer.status, StatusCode::OK, "{empty}: {}", answer.text());
        assert_eq!(answer.json()["total"], 0, "{empty}");
    }
    let today = app
        .get(&format!(
            "/api/v1/conversations?bot={bot}&since=2026-01-01T00:00:00%2B09:00"
        ))
        .await;
    assert_eq!(today.json()["total"], 2, "{}", today.text());

    let transcript = app.get(&format!("/api/v1/conversations/{first}")).await;
    assert_eq!(transcript.status, StatusCode::OK, "{}", transcript.text());
    let transcript = transcript.json();
    let events: Vec<(&str, &str)> = transcript["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap_or(""),
                e["text"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("started", ""),
            ("message", "When do you open?"),
            ("message", "We open at nine.")
        ]
    );
    assert_eq!(
        transcript["entries"][0]["visitor"]["email"],
        "hanako@example.jp"
    );
    assert_eq!(transcript["entries"][2]["author"], "bot");
    assert_eq!(transcript["truncated"], false);

    let csv = app
        .get("/api/v1/conversations/export?since=2000-01-01&until=2999-12-31&format=csv&site=shop")
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text());
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some("attachment; filename=\"conversations-2000-01-01-2999-12-31.csv\"")
    );
    let text = csv.text();
    assert!(
        text.starts_with("\u{feff}\"seq\",\"at\",\"conversation\""),
        "{text}"
    );
    assert_eq!(
        text.matches("\r\n").count(),
        1 + 6,
        "a header and six records: {text}"
    );
    assert!(
        text.contains("\"'=HYPERLINK(\"\"https://evil.example\"\")\""),
        "a formula is defused: {text}"
    );
    assert!(text.contains("\"山田 花子\""), "{text}");

    let lines = app
        .get(&format!(
            "/api/v1/conversations/export?since=2000-01-01&until=2999-12-31&format=jsonl&bot={bot}"
        ))
        .await;
    assert_eq!(
        lines.header("content-type"),
        Some("application/jsonl; charset=utf-8")
    );
    let records: Vec<Value> = lines
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(records.len(), 6);
    assert!(records
        .iter()
        .all(|r| r["bot"] == bot.as_str() && r["seq"].is_u64()));

    let deleted = app.delete(&format!("/api/v1/conversations/{second}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
    let again = app.delete(&format!("/api/v1/conversations/{second}")).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.error_code(), "unknown_conversation");
    assert_eq!(
        app.get(&format!("/api/v1/conversations/{second}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ids(&app.get("/api/v1/conversations").await.json()),
        [first.as_str()]
    );
    let on_disk = std::fs::read_dir(app.data_dir.path().join("conversations"))
        .expect("dir")
        .flatten()
        .map(|f| std::fs::read_to_string(f.path()).expect("read"))
        .collect::<String>();
    assert!(!on_disk.contains(&second), "every record is gone from disk");
    // The visitor's browser still has the token: the conversation is over.
    let continued = visitor(
        &app,
        Method::POST,
        &format!("/api/v1/chat/{bot}/conversations/{second}/messages"),
        Some(&token),
        Some(json!({"message": "still there?"})),
    )
    .await;
    assert_eq!(continued.status, StatusCode::UNAUTHORIZED);
    assert_eq!(continued.error_code(), "conversation_expired");

    let log = app.get("/api/v1/audit").await.json();
    let actions = audit_actions(&log);
    assert!(
        actions.contains(&"conversation.delete".to_string()),
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "conversations.export")
            .count(),
        2
    );
    let export = log["entries"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| e["action"] == "conversations.export" && e["params"]["format"] == "csv")
        })
        .expect("the CSV export's entry");
    assert_eq!(export["params"]["since"], "2000-01-01T00:00:00Z");
    assert_eq!(export["params"]["until"], "2999-12-31T23:59:59Z");
    assert_eq!(export["params"]["site"], "shop");
}

#[tokio::test]
async fn bad_filters_and_settings_get_field_errors_and_change_nothing() {
    let app = TestApp::new().await;
    for (uri, field) in [
        ("/api/v1/conversations?since=yesterday", "since"),
        ("/api/v1/conversations?until=2026-13-01", "until"),
        (
            "/api/v1/conversations?since=2026-12-02&until=2026-12-01",
            "until",
        ),
        ("/api/v1/conversations?origin=email", "origin"),
        ("/api/v1/conversations?origin=direct&site=shop", "origin"),
        ("/api/v1/conversations?limit=0", "limit"),
        ("/api/v1/conversations?limit=201", "limit"),
        ("/api/v1/conversations?before=abc", "before"),
        // Later than the end of year 9999 in UTC.
        ("/api/v1/conversations?since=9999-12-31T23:59:59-23:59", "since"),
        ("/api/v1/conversations/export?since=2026-01-01&until=9999-12-31T23:00:00-01:00&format=csv", "until"),
        (
            "/api/v1/conversations/export?since=2026-01-01&until=2026-12-31",
            "format",
        ),
        (
            "/api/v1/conversations/export?since=2026-01-01&until=2026-12-31&format=xlsx",
            "format",
        ),
        (
            "/api/v1/conversations/export?until=2026-12-31&format=csv",
            "since",
        ),
        (
            "/api/v1/conversations/export?since=2026-01-01&format=csv",
            "until",
        ),
    ] {
        let answer = app.get(uri).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri}: {}",
            answer.text()
        );
        let fields: Vec<String> = answer.field_errors().into_iter().map(|(f, _)| f).collect();
        assert!(fields.contains(&field.to_string()), "{uri}: {fields:?}");
    }
    let before = app.stored();
    for body in [
        json!({"retention_days": 0}),
        json!({"retention_days": 99999}),
        json!({"retention_days": "30"}),
        json!({"days": 30}),
    ] {
        let answer = app.put("/api/v1/conversation-settings", &body).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            answer.text()
        );
    }
    assert_eq!(
        app.stored()["conversation_settings"],
        before["conversation_settings"]
    );
    assert_eq!(
        app.get("/api/v1/conversation-settings").await.json(),
        json!({"retention_days": 90})
    );
    let log = app.get("/api/v1/audit").await.json();
    assert!(!audit_actions(&log)
        .iter()
        .any(|a| a.starts_with("conversations.")));
}

#[tokio::test]
async fn the_server_removes_conversations_past_the_retention_and_says_so_in_the_audit_log() {
    let app = TestApp::with_config(|config| {
        let folder = config.data_dir.join("conversations");
        std::fs::create_dir_all(&folder).expect("dir");
        let old = [
            json!({"seq": 1, "at": "2026-01-05T10:00:00Z", "conversation": "c_old", "bot": "bot000000001", "event": "started", "origin": {"kind": "direct"}}),
            json!({"seq": 2, "at": "2026-01-05T10:00:05Z", "conversation": "c_old", "bot": "bot000000001", "event": "message", "author": "visitor", "text": "hello"}),
        ];
        let lines: String = old.iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(folder.join("2026-01-05.jsonl"), lines).expect("write");
    })
    .await;
    let (bot, key) = site_with_bot(&app, true).await;
    let (fresh, _) = a_conversation(&app, &bot, &key, "Hi").await;
    let list = app.get("/api/v1/conversations").await.json();
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["conversations"][1]["origin"], "direct");

    let saved = app
        .put(
            "/api/v1/conversation-settings",
            &json!({"retention_days": 30}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(switchboard_server::retention::sweep(&app.state).await, 1);
    assert_eq!(
        ids(&app.get("/api/v1/conversations").await.json()),
        [fresh.as_str()]
    );
    assert!(
        !app.data_dir
            .path()
            .join("conversations/2026-01-05.jsonl")
            .exists(),
        "the emptied day file is gone"
    );
    assert_eq!(
        switchboard_server::retention::sweep(&app.state).await,
        0,
        "nothing more to remove"
    );
    let log = app.get("/api/v1/audit").await.json();
    let entries = log["entries"].as_array().expect("entries");
    let expired = entries
        .iter()
        .find(|e| e["action"] == "conversations.expire")
        .expect("the sweep's entry");
    assert_eq!(expired["actor"]["kind"], "system");
    assert_eq!(expired["params"]["removed"], 1);
    assert!(entries
        .iter()
        .any(|e| e["action"] == "conversations.settings.update"
            && e["changed"] == json!(["retention_days"])));
}
