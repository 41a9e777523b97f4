//! The signed-in admin's account: changing the password (which ends their
//! sessions in other browsers).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::components::{field_error_text, focus_first_invalid, general_error_text, on_change};
use crate::i18n::{AccountText, T};
use crate::state::use_app;

#[component]
pub fn Account() -> impl IntoView {
    let app = use_app();
    crate::state::set_title(AccountText::AccountTitle);
    view! {
        <h1 class="page-title">{app.t(AccountText::AccountTitle)}</h1>
        <p class="lead">{app.t(AccountText::AccountLead)}</p>
        <ChangePassword/>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let app = use_app();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let changed = RwSignal::new(false);
    let change = Action::new_local(move |(current, new): &(String, String)| {
        let (current, new) = (current.clone(), new.clone());
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { api::change_password(&csrf, &current, &new).await }
    });
    on_change(
        move || change.value().get(),
        move |result| match result {
            Some(Ok(())) => {
                current.set(String::new());
                new.set(String::new());
                error.set(None);
                changed.set(true);
            }
            Some(Err(e)) => {
                let has_fields = !e.fields().is_empty();
                error.set(Some(e));
                if has_fields {
                    focus_first_invalid();
                }
            }
            None => {}
        },
    );
    let pending = change.pending();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if pending.get_untracked() || app.session().is_none() {
            return;
        }
        changed.set(false);
        change.dispatch_local((current.get_untracked(), new.get_untracked()));
    };
    let problem = move |field: &'static str| field_error_text(error, field);
    let general = general_error_text(error);
    view! {
        <form class="card change-password" novalidate on:submit=submit aria-labelledby="change-password-title">
            <h2 id="change-password-title">{app.t(T::ChangePassword)}</h2>
            // For password managers: whose password this is.
            <input type="text" hidden autocomplete="username"
                prop:value=move || app.session().map(|s| s.username).unwrap_or_default() readonly/>
            <div class="field">
                <label for="current-password">{app.t(AccountText::CurrentPassword)}</label>
                <input id="current-password" type="password" autocomplete="current-password" prop:value=current
                    on:input:target=move |ev| current.set(ev.target().value())
                    aria-invalid=move || problem("current_password")().is_some().to_string()
                    aria-describedby="current-password-error"/>
                <p id="current-password-error" class="field-error" role="alert">{problem("current_password")}</p>
            </div>
            <div class="field">
                <label for="new-password">{app.t(AccountText::NewPassword)}</label>
                <input id="new-password" type="password" autocomplete="new-password" prop:value=new
                    on:input:target=move |ev| new.set(ev.target().value())
                    aria-invalid=move || problem("new_password")().is_some().to_string()
                    aria-describedby="new-password-help new-password-error"/>
                <p id="new-password-help" class="help">{app.t(AccountText::ChangePasswordHelp)}</p>
                <p id="new-password-error" class="field-error" role="alert">{problem("new_password")}</p>
            </div>
            <p class="form-error" role="alert">{general}</p>
            <div class="form-actions">
                <button type="submit" class="primary" aria-disabled=move || pending.get().to_string()>
                    {move || if pending.get() { app.t(T::Working)() } else { app.t(T::ChangePassword)() }}
                </button>
                <p class="notice ok" role="status">{move || changed.get().then(|| app.t(AccountText::PasswordChanged)())}</p>
            </div>
        </form>
    }
}
