use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <h1 class="page-title">"Page not found"</h1>
        <p>"There is no screen at this address."</p>
        <p><A href="/admin/">"Back to the overview"</A></p>
    }
}
