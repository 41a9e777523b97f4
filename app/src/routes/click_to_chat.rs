//! Instance Settings → Click to Chat.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::json;
use switchboard_core::errors::FieldWarning;
use switchboard_core::settings::Strategy;

use crate::api::{self, FieldProblem};
use crate::components::chat_settings::{
    guard_unsaved, ChatFields, ChatForm, Notice, SaveBar, SaveState,
};
use crate::components::on_change;
use crate::i18n::T;
use crate::state::use_app;

#[component]
pub fn ClickToChat() -> impl IntoView {
    let app = use_app();
    crate::state::set_title(T::C2cTitle);
    let form = RwSignal::new(None::<ChatForm>);
    let strategy = RwSignal::new(Strategy::default());
    let saved = RwSignal::new(None::<(ChatForm, Strategy)>);
    let etag = RwSignal::new(None::<String>);
    let warnings = RwSignal::new(Vec::<FieldWarning>::new());
    let errors = RwSignal::new(Vec::<FieldProblem>::new());
    let notice = RwSignal::new(None::<Notice>);

    let current = move || form.get().map(|f| (f, strategy.get()));
    let dirty = Signal::derive(move || current() != saved.get());
    guard_unsaved(dirty);
    // Loaded again after signing in again, and on "load their version".
    let loaded = LocalResource::new(move || {
        app.epoch.track();
        api::instance_settings()
    });
    // "Load their version" replaces the admin's edits; signing in again keeps them.
    let replace_edits = StoredValue::new(false);
    on_change(
        move || loaded.get(),
        move |answer| {
            if let Some(Ok(answer)) = answer {
                if dirty.get_untracked() && !replace_edits.get_value() {
                    return;
                }
                replace_edits.set_value(false);
                let settings = answer.body.settings;
                let chat = ChatForm::from(&settings.chat());
                strategy.set(settings.site_settings_strategy);
                form.set(Some(chat.clone()));
                saved.set(Some((chat, settings.site_settings_strategy)));
                etag.set(answer.etag);
                warnings.set(answer.body.warnings);
                errors.set(Vec::new());
            }
        },
    );
    let load_error = move || match loaded.get() {
        Some(Err(error)) => Some(error.text(app.lang.get())),
        _ => None,
    };
    let on_edit = Callback::new(move |()| {
        if notice.get_untracked() == Some(Notice::Saved) {
            notice.set(None);
        }
    });

    let save = Action::new_local(move |body: &serde_json::Value| {
        let body = body.clone();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        let revision = etag.get_untracked();
        async move { api::save_instance_settings(&csrf, revision.as_deref(), &body).await }
    });
    on_change(
        move || save.value().get(),
        move |result| {
            let state = SaveState {
                form,
                etag,
                warnings,
                errors,
                notice,
            };
            match result {
                Some(Ok(answer)) => {
                    state.saved(
                        &ChatForm::from(&answer.body.settings.chat()),
                        answer.etag,
                        answer.body.warnings,
                    );
                    saved.set(current());
                }
                Some(Err(error)) => state.failed(&error),
                None => {}
            }
        },
    );
    let pending = save.pending();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if pending.get_untracked() || app.session().is_none() {
            return;
        }
        let Some(chat) = form.get_untracked() else {
            return;
        };
        let mut body = chat.body();
        body.insert(
            "site_settings_strategy".into(),
            json!(strategy.get_untracked().as_str()),
        );
        notice.set(None);
        save.dispatch_local(body.into());
    };

    view! {
        <h1 class="page-title">{app.t(T::C2cTitle)}</h1>
        <p class="lead">{app.t(T::C2cLead)}</p>
        <Show
            when=move || form.with(Option::is_some)
            fallback=move || match load_error() {
                Some(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                None => view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }.into_any(),
            }
        >
            <form class="settings-form" novalidate on:submit=submit>
                <ChatFields form errors warnings readonly=false on_edit>
                <fieldset class="card choices" id="strategy">
                    <legend>{app.t(T::Strategy)}</legend>
                    {Strategy::ALL
                        .into_iter()
                        .map(|choice| {
                            view! {
                                <label class="choice">
                                    <input
                                        type="radio"
                                        name="strategy"
                                        value=choice.as_str()
                                        prop:checked=move || strategy.get() == choice
                                        on:change=move |_| { strategy.set(choice); on_edit.run(()); }
                                    />
                                    <span class="choice-title">{move || app.lang.get().pick(choice.label())}</span>
                                    <span class="choice-help">{move || app.lang.get().pick(choice.explanation())}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                </ChatFields>
                <SaveBar pending dirty notice on_reload=Callback::new(move |()| {
                    replace_edits.set_value(true);
                    loaded.refetch();
                })/>
            </form>
        </Show>
    }
}
