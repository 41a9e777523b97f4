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
    let pending = RwSignal::new(false);
    let load_error = RwSignal::new(None::<String>);

    let current = move || form.get().map(|f| (f, strategy.get()));
    let load = move || {
        leptos::task::spawn_local(async move {
            match api::instance_settings().await {
                Ok(answer) => {
                    let settings = answer.body.settings;
                    let loaded = ChatForm::from(&settings.chat());
                    strategy.set(settings.site_settings_strategy);
                    form.set(Some(loaded.clone()));
                    saved.set(Some((loaded, settings.site_settings_strategy)));
                    etag.set(answer.etag);
                    warnings.set(answer.body.warnings);
                    errors.set(Vec::new());
                    load_error.set(None);
                }
                Err(error) => load_error.set(Some(error.text(app.lang.get_untracked()))),
            }
        });
    };
    // Also after signing in again, if the settings could not be loaded.
    Effect::new(move |_| {
        app.epoch.track();
        if form.get_untracked().is_none() {
            load();
        }
    });
    let dirty = Signal::derive(move || current() != saved.get());
    guard_unsaved(dirty);
    let on_edit = Callback::new(move |()| {
        if notice.get_untracked() == Some(Notice::Saved) {
            notice.set(None);
        }
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (Some(chat), Some(session)) = (form.get_untracked(), app.session()) else {
            return;
        };
        let mut body = chat.body();
        body.insert(
            "site_settings_strategy".into(),
            json!(strategy.get_untracked().as_str()),
        );
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        notice.set(None);
        leptos::task::spawn_local(async move {
            let state = SaveState {
                form,
                etag,
                warnings,
                errors,
                notice,
            };
            match api::save_instance_settings(
                &session.csrf_token,
                etag.get_untracked().as_deref(),
                &body.into(),
            )
            .await
            {
                Ok(answer) => {
                    state.saved(
                        &ChatForm::from(&answer.body.settings.chat()),
                        answer.etag,
                        answer.body.warnings,
                    );
                    saved.set(current());
                }
                Err(error) => state.failed(&error),
            }
            pending.set(false);
        });
    };

    view! {
        <h1 class="page-title">{app.t(T::C2cTitle)}</h1>
        <p class="lead">{app.t(T::C2cLead)}</p>
        <Show
            when=move || form.with(Option::is_some)
            fallback=move || match load_error.get() {
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
                <SaveBar pending dirty notice on_reload=Callback::new(move |()| load())/>
            </form>
        </Show>
    }
}
