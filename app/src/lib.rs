//! Switchboard's admin app: a Leptos client-side-rendered SPA served at `/admin/`.
//!
//! Layout follows Leptos' `examples/hackernews`: a small typed `api` module and
//! one file per screen under `routes/`. Every string is in `i18n`.

pub mod api;
mod components;
pub mod i18n;
mod layout;
mod routes;
mod state;

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use wasm_bindgen::prelude::wasm_bindgen;

use layout::Guarded;
use routes::{
    api_keys::ApiKeys, audit::Audit, click_to_chat::ClickToChat, not_found::NotFound,
    site::SitePage, sites::Sites,
};

/// Where the server mounts the app; every client-side route lives below it.
pub const BASE_PATH: &str = "/admin";

#[component]
pub fn App() -> impl IntoView {
    state::provide();
    view! {
        <Router base=BASE_PATH>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/click-to-chat") view=|| view! { <Guarded><ClickToChat/></Guarded> }/>
                <Route path=path!("/sites") view=|| view! { <Guarded><Sites/></Guarded> }/>
                <Route path=path!("/sites/:id") view=|| view! { <Guarded><SitePage/></Guarded> }/>
                <Route path=path!("/api-keys") view=|| view! { <Guarded><ApiKeys/></Guarded> }/>
                <Route path=path!("/audit") view=|| view! { <Guarded><Audit/></Guarded> }/>
            </Routes>
        </Router>
    }
}

/// `/admin/` is the Click to Chat screen under its own address, so the menu
/// marks it as the current one.
#[component]
fn Home() -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        navigate(
            "/click-to-chat",
            leptos_router::NavigateOptions {
                replace: true,
                ..Default::default()
            },
        )
    });
}

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    mount_to_body(App);
}
