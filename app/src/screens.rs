//! Every screen behind the sign-in is a lazy route: its code is cut out of
//! the main module into its own wasm chunk by `cargo xtask build` (see the
//! README, "How the build works") and fetched when the screen is first
//! opened, or earlier when its menu link is hovered or focused.
//!
//! Leptos' `#[lazy_route]` awaits the chunk inside the router, and panics
//! (aborting the whole app) when it cannot be fetched. Here each screen is
//! split with the splitter's `fallible` option, and the route's view is a
//! [`LazyScreen`] that fetches its chunk itself: the router resolves at once,
//! so navigations never race on chunks, and a failed fetch offers a retry.

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use leptos_router::LazyRoute;

use crate::components::screen_loader::LazyScreen;
use crate::routes;

macro_rules! lazy_screens {
    ($( $route:ident: $split:ident, $preload:ident => $screen:path; )*) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                view! {
                    <LazyScreen fetch=|| Box::pin($preload()) make=|| Box::pin($split())/>
                }
                .into_any()
            }
        }

        #[leptos::wasm_split::wasm_split(
            $split,
            fallible,
            wasm_split_path = ::leptos::wasm_split,
            preload($preload)
        )]
        fn $split() -> Result<AnyView, SplitLoaderError> {
            Ok(view! { <$screen/> }.into_any())
        }
    )*};
}

lazy_screens! {
    ClickToChat: click_to_chat, preload_click_to_chat => routes::click_to_chat::ClickToChat;
    Sites: sites, preload_sites => routes::sites::Sites;
    Site: site, preload_site => routes::site::SitePage;
    ApiKeys: api_keys, preload_api_keys => routes::api_keys::ApiKeys;
    Chatbots: chatbots, preload_chatbots => routes::chatbots::Chatbots;
    NewChatbot: new_chatbot, preload_new_chatbot => routes::chatbot::NewChatbot;
    Chatbot: chatbot, preload_chatbot => routes::chatbot::ChatbotPage;
    Conversations: conversations, preload_conversations => routes::conversations::ConversationsPage;
    Audit: audit, preload_audit => routes::audit::Audit;
    Account: account, preload_account => routes::account::Account;
}

/// Starts fetching the chunk of the screen at `href` (a menu link's), so a
/// click a moment later finds it loaded.
pub fn prefetch(href: &str) {
    let preload: fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = _>>> =
        match href.trim_start_matches(crate::BASE_PATH) {
            "/click-to-chat" => || Box::pin(preload_click_to_chat()),
            "/sites" => || Box::pin(preload_sites()),
            "/api-keys" => || Box::pin(preload_api_keys()),
            "/chatbots" => || Box::pin(preload_chatbots()),
            "/chatbots/new" => || Box::pin(preload_new_chatbot()),
            path if path.starts_with("/chatbots/") => || Box::pin(preload_chatbot()),
            path if path.starts_with("/conversations") => || Box::pin(preload_conversations()),
            "/audit" => || Box::pin(preload_audit()),
            "/account" => || Box::pin(preload_account()),
            path if path.starts_with("/sites/") => || Box::pin(preload_site()),
            _ => return,
        };
    leptos::task::spawn_local(async move {
        let _ = preload().await;
    });
}
