//! `GET /api/v1/openapi.json`: the document describes the API as it behaves.
//! (The schema-driven fuzz run against the real server is in
//! `tests/tests/api_fuzz.rs`.)

use axum::http::{Method, StatusCode};
use serde_json::Value;
use switchboard_core::{admin, settings, site::Site};

use crate::helpers::TestApp;

/// Operations reachable without credentials.
const PUBLIC: [&str; 7] = [
    "get_widget_config",
    "get_bot_profile",
    "start_visitor_conversation",
    "setup_status",
    "create_first_admin",
    "sign_in",
    "get_openapi_document",
];

async fn document(app: &TestApp) -> Value {
    let response = app
        .anonymous(Method::GET, "/api/v1/openapi.json", &[], None)
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("content-type"), Some("application/json"));
    response.json()
}

/// Every operation, as (method, path, operation).
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            all.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    all
}

#[tokio::test]
async fn the_document_is_public_openapi_3_1_with_every_operation_described() {
    let app = TestApp::new().await;
    let document = document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], "/api/v1");
    let operations = operations(&document);
    assert!(operations.len() >= 25, "{} operations", operations.len());
    let mut ids = Vec::new();
    for (method, path, operation) in &operations {
        let id = operation["operationId"].as_str().expect("operationId");
        ids.push(id.to_string());
        assert!(
            operation["summary"].is_string(),
            "{method} {path}: no summary"
        );
        assert!(operation["tags"][0].is_string(), "{method} {path}: no tag");
        for (status, response) in operation["responses"].as_object().expect("responses") {
            assert!(
                response["description"].is_string(),
                "{method} {path} {status}: no description"
            );
            // Only headers that are always sent are listed, so each is required.
            for (name, header) in response["headers"].as_object().into_iter().flatten() {
                assert_eq!(header["required"], true, "{method} {path} {status} {name}");
            }
        }
        if let Some(reference) =
            operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
        {
            let name = reference.trim_start_matches("#/components/schemas/");
            assert_eq!(
                document["components"]["schemas"][name]["additionalProperties"], false,
                "{method} {path}: the parsers refuse unknown fields"
            );
        }
        // Documented statuses are the ones the codes listed under them have.
        for (status, response) in operation["responses"].as_object().expect("responses") {
            let Some(codes) = response["content"]["application/json"]["schema"]["allOf"][1]
                ["properties"]["error"]["properties"]["code"]["enum"]
                .as_array()
            else {
                continue;
            };
            for code in codes {
                let code = switchboard_core::messages::ApiCode::parse(code.as_str().unwrap_or(""))
                    .expect("a known code");
                assert_eq!(
                    status,
                    &code.status().to_string(),
                    "{method} {path}: {code:?}"
                );
                let examples = &response["content"]["application/json"]["examples"];
                assert_eq!(
                    examples[code.as_str()]["value"]["error"]["code"],
                    code.as_str(),
                    "{method} {path}: no example for {code:?}"
                );
            }
        }
    }
    ids.sort();
    let count = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), count, "operation ids are unique");
}

/// What the document says about credentials is what the server does: every
/// operation that names a security scheme refuses a request without
/// credentials with 401 (and lists that answer); the public ones do not.
#[tokio::test]
async fn operations_that_need_credentials_refuse_requests_without_them() {
    let app = TestApp::new().await;
    let document = document(&app).await;
    for (method, path, operation) in operations(&document) {
        let id = operation["operationId"].as_str().unwrap_or_default();
        let secured = operation["security"]
            .as_array()
            .is_some_and(|requirements| !requirements.is_empty());
        assert_eq!(secured, !PUBLIC.contains(&id), "{id}: security");
        let uri = format!("/api/v1{}", path.replace("{id}", "marketing-jp"));
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let response = app
            .anonymous(
                method,
                &uri,
                &[("content-type", "application/json")],
                Some(b"{}".to_vec()),
            )
            .await;
        if secured {
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{id}");
            assert!(
                operation["responses"]["401"].is_object(),
                "{id}: 401 is not documented"
            );
        } else {
            assert_ne!(response.status, StatusCode::UNAUTHORIZED, "{id}");
        }
    }
}

/// Every request body the document shows is accepted by the parser that
/// reads it, so the examples (and schemathesis' examples phase) are real.
#[tokio::test]
async fn every_request_body_example_is_accepted_by_its_parser() {
    let app = TestApp::new().await;
    let document = document(&app).await;
    let example = |name: &str| document["components"]["schemas"][name]["example"].clone();
    use switchboard_core::visitor_chat;
    let mut checked = Vec::new();
    for (_, _, operation) in operations(&document) {
        let Some(reference) =
            operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
        else {
            continue;
        };
        let name = reference.trim_start_matches("#/components/schemas/");
        let body = example(name);
        assert!(body.is_object(), "{name} has no example");
        let accepted = match name {
            "Credentials" => {
                admin::login_from_json(&body).is_ok() && admin::NewAdmin::from_json(&body).is_ok()
            }
            "PasswordChange" => admin::PasswordChange::from_json("admin", &body).is_ok(),
            "NewApiKey" => admin::new_key_from_json(&body).is_ok(),
            "ApiKeyChange" => admin::key_change_from_json(&body).is_ok(),
            "Site" => Site::create_from_json(&body).is_ok(),
            "SiteChange" => {
                let site = Site::create_from_json(&example("Site")).expect("the Site example");
                site.update_from_json(&body).is_ok()
            }
            "ChatSettings" => settings::ChatSettings::from_json(&body).is_ok(),
            "InstanceChatSettings" => settings::InstanceChatSettings::from_json(&body).is_ok(),
            "ChatbotSettings" => {
                switchboard_core::chatbot::ChatbotInput::from_json(&body, &|_| false).is_ok()
            }
            "TryChat" => switchboard_core::chatbot::try_from_json(&body).is_ok(),
            "BotReply" => switchboard_core::chatbot::reply_from_json(&body).is_ok(),
            "Regenerate" => switchboard_core::chatbot::regenerate_from_json(&body).is_ok(),
            "StartConversation" => visitor_chat::start_from_json(&body).is_ok(),
            "VisitorSays" => visitor_chat::message_from_json(&body).is_ok(),
            "VoteBody" => visitor_chat::feedback_from_json(&body).is_ok(),
            "ConversationSettings" => {
                switchboard_core::transcripts::ConversationSettings::from_json(&body).is_ok()
            }
            "DisplayRules" => {
                struct Checks;
                impl switchboard_core::display_rules::RuleChecks for Checks {
                    fn time_zone_known(&self, name: &str) -> bool {
                        switchboard_core::hours::time_zone(name).is_some()
                    }
                    fn calendar_parses(&self, ics: &str) -> Result<(), String> {
                        switchboard_core::hours::parse_calendar(ics)
                            .map(|_| ())
                            .map_err(|p| p.to_string())
                    }
                }
                switchboard_core::display_rules::rules_from_json(&body, &Checks).is_ok()
            }
            other => panic!("no parser is known for the request body {other}"),
        };
        assert!(accepted, "the {name} example is refused: {body}");
        checked.push(name.to_string());
    }
    assert!(checked.len() >= 8, "{checked:?}");
}

/// The answers' examples are what the server's own types read.
#[tokio::test]
async fn every_answer_example_is_a_value_of_its_type() {
    use serde::de::DeserializeOwned;
    use switchboard_core::{public_config::PublicConfig, wire};
    let app = TestApp::new().await;
    let document = document(&app).await;
    fn holds<T: DeserializeOwned>(document: &Value, name: &str) {
        let example = document["components"]["schemas"][name]["example"].clone();
        assert!(example.is_object(), "{name} has no example");
        if let Err(error) = serde_json::from_value::<T>(example) {
            panic!("the {name} example is not a {name}: {error}");
        }
    }
    holds::<wire::SetupStatus>(&document, "SetupStatus");
    holds::<wire::SignedIn>(&document, "SignedIn");
    holds::<wire::WhoAmI>(&document, "WhoAmI");
    holds::<wire::ApiKey>(&document, "ApiKey");
    holds::<wire::ApiKeyList>(&document, "ApiKeyList");
    holds::<wire::SiteList>(&document, "SiteList");
    holds::<wire::InstanceSettings>(&document, "InstanceSettings");
    holds::<wire::SiteSettings>(&document, "SiteSettings");
    holds::<wire::Effective>(&document, "Effective");
    holds::<PublicConfig>(&document, "PublicConfig");
    holds::<switchboard_server::store::AuditEntry>(&document, "AuditEntry");
    holds::<wire::Chatbot>(&document, "Chatbot");
    holds::<wire::ChatbotList>(&document, "ChatbotList");
    holds::<wire::ConversationItem>(&document, "ConversationItem");
    holds::<switchboard_core::transcripts::ConversationSettings>(&document, "ConversationSettings");
}
