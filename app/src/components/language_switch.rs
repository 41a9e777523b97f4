//! The language menu, on the sign-in pages and in the header.

use leptos::prelude::*;

use crate::i18n::{Lang, T};
use crate::state::use_app;

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let app = use_app();
    view! {
        <label class="language">
            <span class="visually-hidden">{app.t(T::Language)}</span>
            <select
                aria-label=app.t(T::Language)
                prop:value=move || app.lang.get().code()
                on:change:target=move |ev| {
                    if let Some(lang) = Lang::from_code(&ev.target().value()) {
                        app.lang.set(lang);
                    }
                }
            >
                <option value="en">"English"</option>
                <option value="ja">"日本語"</option>
            </select>
        </label>
    }
}
