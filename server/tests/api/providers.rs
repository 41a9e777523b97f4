use axum::http::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_catalog_lists_the_twelve_providers_with_typed_localized_fields() {
    let app = TestApp::new().await;
    let response = app.get("/api/v1/providers").await;
    assert_eq!(response.status, StatusCode::OK);
    let body = response.json();
    let providers = body["providers"].as_array().expect("array");
    let ids: Vec<&str> = providers
        .iter()
        .map(|p| p["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        [
            "chatwoot",
            "crisp",
            "hubspot",
            "intercom",
            "jivochat",
            "livechat",
            "liveperson",
            "smartsupp",
            "tawkto",
            "tidio",
            "zendesk",
            "switchboard"
        ]
    );
    for provider in providers {
        assert!(provider["name"].is_string());
        assert!(provider["how_to"]["en"].is_string() && provider["how_to"]["ja"].is_string());
        for field in provider["fields"].as_array().expect("fields") {
            assert!(field["label"]["ja"].is_string(), "{field}");
            assert!(field["help"]["en"].is_string(), "{field}");
            assert!(field["format"]["kind"].is_string(), "{field}");
        }
    }
    let chatwoot = &providers[0];
    assert_eq!(chatwoot["fields"][1]["key"], "base_url");
    assert_eq!(chatwoot["fields"][1]["format"]["kind"], "https_url");
    assert_eq!(chatwoot["fields"][1]["default"], "https://app.chatwoot.com");
    let crisp = &providers[1];
    assert_eq!(crisp["fields"][0]["format"]["kind"], "uuid");
    let smartsupp = &providers[7];
    assert_eq!(
        smartsupp["fields"][0]["format"],
        serde_json::json!({"kind": "hex", "length": 40})
    );
}
