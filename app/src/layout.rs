//! The frame around every screen: header, navigation, main area.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="app-header">
            <span class="brand">{switchboard_core::version::PRODUCT_NAME}</span>
            <nav aria-label="Main">
                <A href="/admin/">"Overview"</A>
            </nav>
        </header>
        <main id="main" class="app-main" tabindex="-1">{children()}</main>
    }
}
