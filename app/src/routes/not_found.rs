use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::T;
use crate::state::use_app;

#[component]
pub fn NotFound() -> impl IntoView {
    let app = use_app();
    view! {
        <main id="main" class="app-main">
            <h1 class="page-title">{app.t(T::NotFoundTitle)}</h1>
            <p>{app.t(T::NotFoundLead)}</p>
            <p><A href="/admin/click-to-chat">{app.t(T::BackToStart)}</A></p>
        </main>
    }
}
