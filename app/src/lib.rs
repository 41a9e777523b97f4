//! Switchboard's admin app: a Leptos client-side-rendered SPA served at `/admin/`.
//!
//! Layout follows Leptos' `examples/hackernews`: a small typed `api` module and
//! one file per screen under `routes/`.

pub mod api;
mod layout;
mod routes;

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};
use wasm_bindgen::prelude::wasm_bindgen;

/// Where the server mounts the app; every client-side route lives below it.
pub const BASE_PATH: &str = "/admin";

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router base=BASE_PATH>
            <layout::Shell>
                <Routes fallback=routes::not_found::NotFound>
                    <Route path=path!("/") view=routes::overview::Overview/>
                </Routes>
            </layout::Shell>
        </Router>
    }
}

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    mount_to_body(App);
}
