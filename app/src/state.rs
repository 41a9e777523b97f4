//! App-wide state, provided as context: the language and who is signed in.

use leptos::prelude::*;

use crate::api::{self, Session};
use crate::i18n::{Lang, T};

const LANG_KEY: &str = "switchboard.lang";

/// Where the app stands with the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    Checking,
    /// No administrator exists yet.
    NeedsSetup,
    SignedOut,
    SignedIn(Session),
    Unreachable,
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub lang: RwSignal<Lang>,
    pub gate: RwSignal<Gate>,
    /// A screen has been shown before: later ones come from in-app navigation.
    pub shown_before: StoredValue<bool>,
    /// The current screen has changes that are not saved.
    pub unsaved: RwSignal<bool>,
    /// The server ended the session while the app was open: the screen stays
    /// (with its edits) under a dialog to sign in again.
    pub expired: RwSignal<bool>,
    /// Bumped after signing in again: screens whose data failed to load
    /// meanwhile load it now.
    pub epoch: RwSignal<u32>,
}

impl AppState {
    /// A reactive string in the current language.
    pub fn t(
        self,
        key: impl crate::i18n::Text,
    ) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        let lang = self.lang;
        move || key.text(lang.get())
    }

    /// Signed in again after the session ended: same screen, new session.
    pub fn resume(self, session: Session) {
        self.gate.set(Gate::SignedIn(session));
        self.expired.set(false);
        self.epoch.update(|n| *n += 1);
    }

    /// Whether the current screen may be left: nothing unsaved, or the
    /// admin confirms leaving it.
    pub fn may_leave(self) -> bool {
        !self.unsaved.get_untracked()
            || window()
                .confirm_with_message(T::LeaveUnsaved.get(self.lang.get_untracked()))
                .unwrap_or(true)
    }

    pub fn session(self) -> Option<Session> {
        match self.gate.get() {
            Gate::SignedIn(session) => Some(session),
            _ => None,
        }
    }

    /// Asks the server whether setup is needed and who is signed in.
    pub fn check(self) {
        self.gate.set(Gate::Checking);
        leptos::task::spawn_local(async move {
            let gate = match api::setup_status().await {
                Ok(status) if status.needed => Gate::NeedsSetup,
                Ok(_) => match api::current_session().await {
                    Ok(Some(session)) => Gate::SignedIn(session),
                    Ok(None) => Gate::SignedOut,
                    Err(_) => Gate::Unreachable,
                },
                Err(_) => Gate::Unreachable,
            };
            self.gate.set(gate);
        });
    }
}

pub fn use_app() -> AppState {
    expect_context::<AppState>()
}

/// The language remembered in this browser, else the browser's, else English.
fn initial_lang() -> Lang {
    let window = window();
    let stored = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten());
    stored
        .or_else(|| window.navigator().language())
        .and_then(|code| Lang::from_code(&code))
        .unwrap_or(Lang::En)
}

pub fn provide() {
    let state = AppState {
        lang: RwSignal::new(initial_lang()),
        gate: RwSignal::new(Gate::Checking),
        shown_before: StoredValue::new(false),
        unsaved: RwSignal::new(false),
        expired: RwSignal::new(false),
        epoch: RwSignal::new(0),
    };
    api::on_session_lost(move || {
        if matches!(state.gate.get_untracked(), Gate::SignedIn(_)) {
            state.expired.set(true);
        }
    });
    Effect::new(move |_| {
        let lang = state.lang.get();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.code());
        }
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item(LANG_KEY, lang.code());
        }
    });
    provide_context(state);
    guard_back_and_forward(state);
    state.check();
}

/// The address the app shows now, kept by the shell after every navigation,
/// so the browser's Back and Forward can be undone.
pub static SHOWN_URL: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// The browser's Back and Forward while the screen has unsaved changes ask
/// first, like the app's own links; staying puts the address back. Registered
/// before the router's own listener, so it can stop the navigation.
fn guard_back_and_forward(state: AppState) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let handler = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if state.may_leave() {
            return;
        }
        ev.stop_immediate_propagation();
        let shown = SHOWN_URL.lock().map(|url| url.clone()).unwrap_or_default();
        if !shown.is_empty() {
            if let Ok(history) = window().history() {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&shown));
            }
        }
    });
    let _ = window().add_event_listener_with_callback("popstate", handler.as_ref().unchecked_ref());
    // Lives as long as the page.
    handler.forget();
}

/// Sets the browser tab's title to the screen's, in the current language.
pub fn set_title(key: impl crate::i18n::Text) {
    let app = use_app();
    Effect::new(move |_| {
        document().set_title(&format!("{} – Switchboard", key.text(app.lang.get())))
    });
}
