//! Screens whose REST API exists but whose admin screen does not yet.

use leptos::prelude::*;

use crate::i18n::T;
use crate::state::use_app;

#[component]
pub fn ComingSoon() -> impl IntoView {
    let app = use_app();
    view! {
        <h1 class="page-title">{app.t(T::ComingSoonTitle)}</h1>
        <p class="lead">{app.t(T::ComingSoonLead)}</p>
    }
}
