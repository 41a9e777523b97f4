//! Switchboard's admin app: a Leptos client-side-rendered SPA served at `/admin/`.
//!
//! Layout follows Leptos' `examples/hackernews`: a small typed `api` module and
//! one file per screen under `routes/`. Every string is in `i18n`.

pub mod api;
mod components;
pub mod i18n;
mod layout;
mod routes;
mod screens;
mod state;

use leptos::prelude::*;
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy,
};
use wasm_bindgen::prelude::wasm_bindgen;

use layout::Guarded;
use routes::not_found::NotFound;

/// Where the server mounts the app; every client-side route lives below it.
pub const BASE_PATH: &str = "/admin";

#[component]
pub fn App() -> impl IntoView {
    state::provide();
    view! {
        <Router base=BASE_PATH>
            <Routes fallback=NotFound>
                // The sign-in gate and the frame (menu, header) around every
                // screen; each screen's code is fetched when first opened.
                <ParentRoute path=path!("") view=Guarded>
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/click-to-chat") view={Lazy::<screens::ClickToChat>::new()}/>
                    <Route path=path!("/sites") view={Lazy::<screens::Sites>::new()}/>
                    <Route path=path!("/sites/:id") view={Lazy::<screens::Site>::new()}/>
                    <Route path=path!("/api-keys") view={Lazy::<screens::ApiKeys>::new()}/>
                    <Route path=path!("/chatbots") view={Lazy::<screens::Chatbots>::new()}/>
                    <Route path=path!("/chatbots/new") view={Lazy::<screens::NewChatbot>::new()}/>
                    <Route path=path!("/chatbots/:id") view={Lazy::<screens::Chatbot>::new()}/>
                    <Route path=path!("/conversations/:id?") view={Lazy::<screens::Conversations>::new()}/>
                    <Route path=path!("/audit") view={Lazy::<screens::Audit>::new()}/>
                    <Route path=path!("/account") view={Lazy::<screens::Account>::new()}/>
                </ParentRoute>
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
