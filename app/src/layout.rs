//! The frame around every screen, and the gate in front of it: while nobody
//! is signed in, the screen is the first-run setup or the login instead.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::api;
use crate::components::language_switch::LanguageSwitch;
use crate::i18n::T;
use crate::routes::{login::Login, setup::Setup};
use crate::screens;
use crate::state::{use_app, Gate};

/// The parent route of every screen: while nobody is signed in, the first-run
/// setup or the sign-in page stands in for the screen.
#[component]
pub fn Guarded() -> impl IntoView {
    let app = use_app();
    // Only a change of phase re-renders: a new session after signing in
    // again keeps the screen and whatever the admin typed.
    let phase = Memo::new(move |_| match app.gate.get() {
        Gate::SignedIn(_) => Gate::SignedIn(api::Session {
            username: String::new(),
            csrf_token: String::new(),
        }),
        other => other,
    });
    move || match phase.get() {
        Gate::Checking => {
            view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }.into_any()
        }
        Gate::Unreachable => view! {
            <div class="page-status" role="alert">
                <p class="error">{app.t(T::ServerUnreachable)}</p>
                <button type="button" on:click=move |_| app.check()>{app.t(T::Reload)}</button>
            </div>
        }
        .into_any(),
        Gate::NeedsSetup => view! { <Setup/> }.into_any(),
        Gate::SignedOut => view! { <Login/> }.into_any(),
        Gate::SignedIn(_) => view! { <Shell/> }.into_any(),
    }
}

#[component]
fn Shell() -> impl IntoView {
    let app = use_app();
    // Where Back or Forward returns if the admin chooses to stay.
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let url = format!(
            "{}{}{}",
            location.pathname.get(),
            location.search.get(),
            location.hash.get()
        );
        if let Ok(mut shown) = crate::state::SHOWN_URL.lock() {
            *shown = url;
        }
    });
    // After in-app navigation, move keyboard and screen-reader focus to the
    // new screen's content (a full page load starts at the top by itself).
    let main = NodeRef::<leptos::html::Main>::new();
    let focus_when_shown = app.shown_before.get_value();
    app.shown_before.set_value(true);
    Effect::new(move |before: Option<String>| {
        let path = location.pathname.get();
        let navigated = match &before {
            Some(before) => *before != path,
            None => focus_when_shown,
        };
        if let (true, Some(main)) = (navigated, main.get_untracked()) {
            let _ = main.focus();
        }
        path
    });
    // Signing out happened only if the server says so (or says the session
    // was already over); otherwise the admin stays, told why.
    let sign_out_error = RwSignal::new(None::<api::ApiError>);
    let sign_out = move |everywhere: bool| -> bool {
        if !app.may_leave() {
            return false;
        }
        let Some(session) = app.session() else {
            return false;
        };
        sign_out_error.set(None);
        leptos::task::spawn_local(async move {
            let result = if everywhere {
                api::sign_out_everywhere(&session.csrf_token).await
            } else {
                api::sign_out(&session.csrf_token).await
            };
            match result {
                Err(error) if error.status() != 401 => sign_out_error.set(Some(error)),
                _ => {
                    app.expired.set(false);
                    app.gate.set(Gate::SignedOut);
                    crate::components::focus_later("#username");
                }
            }
        });
        true
    };
    view! {
        // The router would only change the address: the focus must move too.
        <a class="skip-link" href="#main" on:click=move |ev| {
            ev.prevent_default();
            if let Some(main) = main.get() {
                let _ = main.focus();
            }
        }>{app.t(T::SkipToContent)}</a>
        <header class="app-header">
            <span class="brand">{switchboard_core::version::PRODUCT_NAME}</span>
            <nav
                aria-label=app.t(T::MainNavigation)
                on:click=move |ev| ask_before_leaving(app, &ev)
                on:mouseover=move |ev| prefetch_link(&ev)
                on:focusin=move |ev| prefetch_link(&ev)
            >
                // The seed's menu: Click to Chat, Sites, Conversations,
                // Integrations (API access keys, Chatbots, Single sign-on,
                // Directory sync), Admins, Audit log; items appear as their
                // screens land.
                <ul class="nav-items">
                    <li><A href="/admin/click-to-chat">{app.t(T::NavClickToChat)}</A></li>
                    <li><A href="/admin/sites">{app.t(T::NavSites)}</A></li>
                    <li><A href="/admin/conversations">{app.t(T::NavConversations)}</A></li>
                    <li class="nav-group">
                        <span class="nav-group-label" id="nav-integrations">{app.t(T::NavIntegrations)}</span>
                        <ul aria-labelledby="nav-integrations">
                            <li><A href="/admin/api-keys">{app.t(T::NavApiKeys)}</A></li>
                            <li><A href="/admin/chatbots">{app.t(T::NavChatbots)}</A></li>
                        </ul>
                    </li>
                    <li><A href="/admin/audit">{app.t(T::NavAudit)}</A></li>
                </ul>
            </nav>
            <div class="header-tools">
                <LanguageSwitch/>
                <AccountMenu sign_out=Callback::new(sign_out)/>
                <p class="error header-error" role="alert">{move || sign_out_error.get().map(|e| e.text(app.lang.get()))}</p>
            </div>
        </header>
        <main id="main" class="app-main" tabindex="-1" node_ref=main
            on:click=move |ev| ask_before_leaving(app, &ev)
            on:mouseover=move |ev| prefetch_link(&ev)
            on:focusin=move |ev| prefetch_link(&ev)>
            <Outlet/>
        </main>
        <SignInAgain/>
    }
}

/// Who is signed in, and what they can do with their account: change the
/// password, sign out here or everywhere. A disclosure: Escape, a click
/// outside it or choosing an item closes it (signing out only once the admin
/// has agreed to leave unsaved changes).
#[component]
fn AccountMenu(sign_out: Callback<bool, bool>) -> impl IntoView {
    use wasm_bindgen::JsCast;
    let app = use_app();
    let menu = NodeRef::<leptos::html::Details>::new();
    let summary = NodeRef::<leptos::html::Summary>::new();
    let close = move || {
        if let Some(menu) = menu.get_untracked() {
            menu.set_open(false);
        }
    };
    let outside = window_event_listener(leptos::ev::click, move |ev| {
        let Some(menu) = menu.get_untracked().filter(|m| m.open()) else {
            return;
        };
        let inside = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .is_some_and(|node| menu.contains(Some(&node)));
        if !inside {
            menu.set_open(false);
        }
    });
    on_cleanup(move || outside.remove());
    let choose_sign_out = move |everywhere: bool| {
        if sign_out.run(everywhere) {
            close();
        }
    };
    let username = move || app.session().map(|s| s.username).unwrap_or_default();
    view! {
        <details class="account-menu" node_ref=menu
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" && menu.get_untracked().is_some_and(|m| m.open()) {
                    close();
                    if let Some(summary) = summary.get_untracked() {
                        let _ = summary.focus();
                    }
                }
            }>
            <summary node_ref=summary>
                <span class="visually-hidden">{app.t(T::AccountMenu)}": "</span>
                {move || if app.expired.get() {
                    view! { <strong class="session-ended">{app.t(T::SessionEndedShort)}</strong> }.into_any()
                } else {
                    view! { <span class="visually-hidden">{app.t(T::SignedInAs)}" "</span><strong class="username">{username}</strong> }.into_any()
                }}
            </summary>
            <ul class="account-menu-items">
                // The screen gets the focus, even if it is the one shown already.
                <li><A href="/admin/account" on:click=move |ev: leptos::ev::MouseEvent| {
                    ask_before_leaving(app, &ev);
                    if !ev.default_prevented() {
                        close();
                        crate::components::focus_later("#main");
                    }
                }>{app.t(T::ChangePassword)}</A></li>
                <li><button type="button" class="link-button sign-out-everywhere" on:click=move |_| choose_sign_out(true)>{app.t(T::SignOutEverywhere)}</button></li>
                <li><button type="button" class="link-button sign-out" on:click=move |_| choose_sign_out(false)>{app.t(T::SignOut)}</button></li>
            </ul>
        </details>
    }
}

/// The link an event happened on, if any.
fn event_link(ev: &web_sys::Event) -> Option<web_sys::Element> {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("a[href]").ok().flatten())
}

/// Hovering or focusing an in-app link fetches its screen's code.
fn prefetch_link(ev: &web_sys::Event) {
    if let Some(href) = event_link(ev).and_then(|link| link.get_attribute("href")) {
        screens::prefetch(&href);
    }
}

/// A click on an in-app link (the menu, "All sites", a site's name) while the
/// screen has unsaved changes asks first. Runs before the router's own link
/// handling, which skips clicks whose default was prevented.
fn ask_before_leaving(app: crate::state::AppState, ev: &leptos::ev::MouseEvent) {
    let Some(link) = event_link(ev) else { return };
    if link.get_attribute("target").is_some_and(|t| t == "_blank")
        || link
            .get_attribute("href")
            .is_some_and(|h| h.starts_with('#'))
    {
        return;
    }
    if !app.may_leave() {
        ev.prevent_default();
    }
}

/// Shown when the server ended the session: sign in again without leaving
/// the screen, so nothing typed is lost; then save again.
#[component]
fn SignInAgain() -> impl IntoView {
    let app = use_app();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let username = RwSignal::new(app.session().map(|s| s.username).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<api::ApiError>);
    let pending = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            if app.expired.get() && !dialog.open() {
                let _ = dialog.show_modal();
            } else if !app.expired.get() && dialog.open() {
                dialog.close();
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        leptos::task::spawn_local(async move {
            match api::sign_in(&username.get_untracked(), &password.get_untracked()).await {
                Ok(session) => {
                    password.set(String::new());
                    error.set(None);
                    app.resume(session);
                }
                Err(e) => error.set(Some(e)),
            }
            pending.set(false);
        });
    };
    view! {
        // Escape must not dismiss it: without a session nothing works.
        <dialog node_ref=dialog class="confirm sign-in-again" aria-labelledby="sign-in-again-title"
            on:cancel=move |ev: leptos::ev::Event| ev.prevent_default()>
            <h2 id="sign-in-again-title">{app.t(T::SessionEndedTitle)}</h2>
            <p>{app.t(T::SessionEndedLead)}</p>
            <form novalidate on:submit=submit>
                <div class="field">
                    <label for="again-username">{app.t(T::Username)}</label>
                    <input id="again-username" autocomplete="username" prop:value=username
                        on:input:target=move |ev| username.set(ev.target().value())/>
                </div>
                <div class="field">
                    <label for="again-password">{app.t(T::Password)}</label>
                    <input id="again-password" type="password" autocomplete="current-password" autofocus
                        prop:value=password on:input:target=move |ev| password.set(ev.target().value())
                        aria-describedby="again-error"/>
                </div>
                <p id="again-error" class="form-error" role="alert">{move || error.get().map(|e| e.text(app.lang.get()))}</p>
                <button type="submit" class="primary" aria-disabled=move || pending.get().to_string()>{app.t(T::SignIn)}</button>
            </form>
        </dialog>
    }
}
