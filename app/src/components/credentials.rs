//! The user name and password form of the sign-in page and the first-run
//! setup, and signing the app in with the session either returns.

use leptos::prelude::*;

use crate::api::{ApiError, Session};
use crate::components::{field_error_text, general_error_text, language_switch::LanguageSwitch};
use crate::i18n::T;
use crate::state::{use_app, Gate};

/// User name and password, with field errors from the server.
#[component]
pub fn CredentialsForm(
    title: T,
    lead: Option<T>,
    submit: T,
    #[prop(into)] action: Callback<(String, String), ()>,
    pending: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    new_password: bool,
) -> impl IntoView {
    let app = use_app();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problem = move |field: &'static str| field_error_text(error, field);
    let general = general_error_text(error);
    let autocomplete = if new_password {
        "new-password"
    } else {
        "current-password"
    };
    view! {
        <div class="auth-page">
            <header class="auth-tools"><LanguageSwitch/></header>
            <main id="main" class="auth-card">
                <p class="brand">{switchboard_core::version::PRODUCT_NAME}</p>
                <h1 class="page-title">{app.t(title)}</h1>
                {lead.map(|lead| view! { <p class="lead">{app.t(lead)}</p> })}
                <form
                    novalidate
                    on:submit=move |ev| {
                        ev.prevent_default();
                        action.run((username.get_untracked(), password.get_untracked()));
                    }
                >
                    <div class="field">
                        <label for="username">{app.t(T::Username)}</label>
                        <input
                            id="username"
                            name="username"
                            autocomplete="username"
                            required
                            aria-invalid=move || problem("username")().is_some().to_string()
                            aria-describedby="username-help username-error"
                            prop:value=username
                            on:input:target=move |ev| username.set(ev.target().value())
                        />
                        {new_password.then(|| view! { <p id="username-help" class="help">{app.t(T::UsernameHelp)}</p> })}
                        <p id="username-error" class="field-error" role="alert">{problem("username")}</p>
                    </div>
                    <div class="field">
                        <label for="password">{app.t(T::Password)}</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete=autocomplete
                            required
                            aria-invalid=move || problem("password")().is_some().to_string()
                            aria-describedby="password-help password-error"
                            prop:value=password
                            on:input:target=move |ev| password.set(ev.target().value())
                        />
                        {new_password.then(|| view! { <p id="password-help" class="help">{app.t(T::PasswordHelp)}</p> })}
                        <p id="password-error" class="field-error" role="alert">{problem("password")}</p>
                    </div>
                    <p class="form-error" role="alert">{general}</p>
                    <button type="submit" class="primary" aria-disabled=move || pending.get().to_string()>
                        {move || if pending.get() { app.t(T::Working)() } else { app.t(submit)() }}
                    </button>
                </form>
            </main>
        </div>
    }
}

/// Runs `call` and signs the app in with the session it returns.
///
/// A plain task rather than an `Action` (as saves use): signing in and out
/// live in the main module, which every page load pays for, and as `Action`s
/// these three flows cost it 3.7 KB gzipped (`cargo xtask size`, first screen
/// 304.4 → 308.1 KB).
pub fn start_session<F, Fut>(
    pending: RwSignal<bool>,
    error: RwSignal<Option<ApiError>>,
    call: F,
) -> Callback<(String, String), ()>
where
    F: Fn(String, String) -> Fut + Copy + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Session, ApiError>> + 'static,
{
    let app = use_app();
    Callback::new(move |(username, password): (String, String)| {
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match call(username, password).await {
                Ok(session) => {
                    // The screen that opens gets the focus, as after in-app navigation.
                    app.shown_before.set_value(true);
                    // A sign-in after a session ended elsewhere starts afresh.
                    app.expired.set(false);
                    app.gate.set(Gate::SignedIn(session));
                }
                Err(e) => error.set(Some(e)),
            }
            pending.set(false);
        });
    })
}
