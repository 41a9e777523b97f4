//! Pieces several screens share, and the parts of the bigger screens.

pub mod chat_settings;
pub mod chatbot_deliveries;
pub mod chatbot_form;
pub mod chatbot_try;
pub mod confirm;
pub mod credentials;
pub mod domains;
pub mod language_switch;
pub mod screen_loader;

use leptos::prelude::*;

use crate::api;

/// Runs `apply` with `source`'s value (an action's result, a resource's
/// answer) whenever it changes. Only `source` is tracked: what `apply` reads
/// (the form it fills, say) must not make it run again.
pub fn on_change<T: 'static>(source: impl Fn() -> T + 'static, apply: impl Fn(T) + 'static) {
    Effect::new(move |_| {
        let value = source();
        untrack(|| apply(value));
    });
}

/// `2026-11-22T16:44:32Z` → `2026-11-22 16:44 UTC`.
pub fn when(stamp: &str) -> String {
    match (stamp.get(..10), stamp.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => stamp.to_string(),
    }
}

/// "Copied." shows for a few seconds, then goes.
pub fn flash(shown: RwSignal<bool>) {
    shown.set(true);
    set_timeout(move || shown.set(false), std::time::Duration::from_secs(3));
}

/// Moves the keyboard focus to the first element matching `css`, once the
/// screen has rendered what the last change showed.
pub fn focus_later(css: &'static str) {
    use wasm_bindgen::JsCast;
    set_timeout(
        move || {
            let target = document().query_selector(css).ok().flatten();
            if let Some(element) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = element.focus();
            }
        },
        std::time::Duration::from_millis(20),
    );
}

/// After a refused save: the first field the server named.
pub fn focus_first_invalid() {
    focus_later(r#"main [aria-invalid="true"]"#);
}

/// The message for a field's server error, in the current language.
pub fn field_message(
    problems: &[api::FieldProblem],
    field: &str,
    lang: crate::i18n::Lang,
) -> Option<String> {
    let problem = problems.iter().find(|p| p.field == field)?;
    Some(crate::i18n::field_text(lang, problem))
}

/// The text of `error`'s problem with `field`, in the current language.
pub fn field_error_text(
    error: RwSignal<Option<api::ApiError>>,
    field: &'static str,
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    let app = crate::state::use_app();
    move || {
        error.with(|e| {
            e.as_ref()
                .and_then(|e| field_message(e.fields(), field, app.lang.get()))
        })
    }
}

/// The text of `error` if it names no field, in the current language.
pub fn general_error_text(
    error: RwSignal<Option<api::ApiError>>,
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    let app = crate::state::use_app();
    move || {
        error.with(|e| match e {
            Some(e) if e.fields().is_empty() => Some(e.text(app.lang.get())),
            _ => None,
        })
    }
}
