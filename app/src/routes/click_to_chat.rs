//! Instance Settings → Click to Chat.

use std::collections::BTreeMap;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::json;
use switchboard_core::catalog::{catalog, Field, Format, Provider, ProviderId};
use switchboard_core::errors::FieldWarning;
use switchboard_core::settings::{InstanceChatSettings, Strategy};

use super::login::field_message;
use crate::api::{self, FieldProblem};
use crate::i18n::T;
use crate::state::use_app;

/// What the form holds; compared with the last saved copy to know about
/// unsaved changes.
#[derive(Debug, Clone, PartialEq)]
struct Form {
    enabled: bool,
    strategy: Strategy,
    provider: Option<ProviderId>,
    /// Values typed per field key, kept when switching providers back and forth.
    account: BTreeMap<String, String>,
    guests: bool,
}

impl Form {
    fn from(settings: &InstanceChatSettings) -> Self {
        Self {
            enabled: settings.enabled,
            strategy: settings.site_settings_strategy,
            provider: settings.provider,
            account: settings.account.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            guests: settings.guest_users_allowed,
        }
    }

    fn body(&self) -> serde_json::Value {
        let account: BTreeMap<&str, &str> = match self.provider {
            Some(id) => id
                .provider()
                .fields
                .iter()
                .filter_map(|f| self.account.get(f.key).map(|v| (f.key, v.as_str())))
                .collect(),
            None => BTreeMap::new(),
        };
        json!({
            "enabled": self.enabled,
            "site_settings_strategy": self.strategy.as_str(),
            "provider": self.provider.map(ProviderId::as_str),
            "account": account,
            "guest_users_allowed": self.guests,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Notice {
    Saved,
    Invalid,
    Stale,
    Failed(String),
}

#[component]
pub fn ClickToChat() -> impl IntoView {
    let app = use_app();
    let form = RwSignal::new(None::<Form>);
    let saved = RwSignal::new(None::<Form>);
    let etag = RwSignal::new(None::<String>);
    let warnings = RwSignal::new(Vec::<FieldWarning>::new());
    let errors = RwSignal::new(Vec::<FieldProblem>::new());
    let notice = RwSignal::new(None::<Notice>);
    let pending = RwSignal::new(false);
    let load_error = RwSignal::new(None::<String>);

    let load = move || {
        leptos::task::spawn_local(async move {
            match api::instance_settings().await {
                Ok(answer) => {
                    let loaded = Form::from(&answer.body.settings);
                    form.set(Some(loaded.clone()));
                    saved.set(Some(loaded));
                    etag.set(answer.etag);
                    warnings.set(answer.body.warnings);
                    errors.set(Vec::new());
                    load_error.set(None);
                }
                Err(error) => load_error.set(Some(error.message())),
            }
        });
    };
    load();

    let dirty = move || form.get() != saved.get();
    let unload_guard = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if form.get_untracked() != saved.get_untracked() {
            ev.prevent_default();
            ev.set_return_value("");
        }
    });
    on_cleanup(move || unload_guard.remove());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (Some(current), Some(session)) = (form.get_untracked(), app.session()) else {
            return;
        };
        pending.set(true);
        notice.set(None);
        leptos::task::spawn_local(async move {
            match api::save_instance_settings(&session.csrf_token, etag.get_untracked().as_deref(), &current.body()).await {
                Ok(answer) => {
                    let stored = Form::from(&answer.body.settings);
                    // Keep typed values of other providers; take the stored ones.
                    form.update(|f| {
                        if let Some(f) = f {
                            f.account.extend(stored.account.clone());
                        }
                    });
                    saved.set(form.get_untracked());
                    etag.set(answer.etag);
                    warnings.set(answer.body.warnings);
                    errors.set(Vec::new());
                    notice.set(Some(Notice::Saved));
                }
                Err(error) if error.status() == 412 => notice.set(Some(Notice::Stale)),
                Err(error) if !error.fields().is_empty() => {
                    errors.set(error.fields().to_vec());
                    notice.set(Some(Notice::Invalid));
                }
                Err(error) => notice.set(Some(Notice::Failed(error.message()))),
            }
            pending.set(false);
        });
    };

    let edit = move |change: &dyn Fn(&mut Form)| {
        form.update(|f| {
            if let Some(f) = f {
                change(f);
            }
        });
        if notice.get_untracked() == Some(Notice::Saved) {
            notice.set(None);
        }
    };
    let enabled = move || form.with(|f| f.as_ref().is_some_and(|f| f.enabled));
    let guests = move || form.with(|f| f.as_ref().is_some_and(|f| f.guests));
    let provider = Memo::new(move |_| form.with(|f| f.as_ref().and_then(|f| f.provider)));

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
                <section class="card">
                    <label class="switch">
                        <input
                            type="checkbox"
                            role="switch"
                            id="enabled"
                            prop:checked=enabled
                            on:change:target=move |ev| {
                                let on = ev.target().checked();
                                edit(&move |f| f.enabled = on);
                            }
                        />
                        <span class="switch-label">{app.t(T::EnableC2c)}</span>
                    </label>
                    <p class="help">{app.t(T::EnableC2cHelp)}</p>
                </section>

                <fieldset class="card choices" id="strategy">
                    <legend>{app.t(T::Strategy)}</legend>
                    {Strategy::ALL
                        .into_iter()
                        .map(|strategy| {
                            let checked = move || form.with(|f| f.as_ref().is_some_and(|f| f.strategy == strategy));
                            view! {
                                <label class="choice">
                                    <input
                                        type="radio"
                                        name="strategy"
                                        value=strategy.as_str()
                                        prop:checked=checked
                                        on:change=move |_| edit(&move |f| f.strategy = strategy)
                                    />
                                    <span class="choice-title">{move || app.lang.get().pick(strategy.label())}</span>
                                    <span class="choice-help">{move || app.lang.get().pick(strategy.explanation())}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>

                <fieldset class="card" id="provider">
                    <legend>{app.t(T::Provider)}</legend>
                    <div class="providers">
                        <ProviderOption id=None form edit/>
                        {catalog().iter().map(|p| view! { <ProviderOption id=Some(p.id) form edit/> }).collect_view()}
                    </div>
                    <p class="field-error" role="alert">{move || errors.with(|e| field_message(e, "provider", app.lang.get()))}</p>
                    {move || provider.get().map(|id| view! { <AccountFields provider=id.provider() form edit errors warnings/> })}
                </fieldset>

                <section class="card">
                    <label class="switch">
                        <input
                            type="checkbox"
                            role="switch"
                            id="guests"
                            prop:checked=guests
                            on:change:target=move |ev| {
                                let on = ev.target().checked();
                                edit(&move |f| f.guests = on);
                            }
                        />
                        <span class="switch-label">{app.t(T::GuestsAllowed)}</span>
                    </label>
                    <p class="help">{app.t(T::GuestsAllowedHelp)}</p>
                </section>

                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || pending.get()>
                        {move || if pending.get() { app.t(T::Working)() } else { app.t(T::Save)() }}
                    </button>
                    <span class="unsaved" hidden=move || !dirty()>{app.t(T::UnsavedChanges)}</span>
                    {move || match notice.get() {
                        Some(Notice::Saved) => view! { <p class="notice ok" role="status">{app.t(T::Saved)}</p> }.into_any(),
                        Some(Notice::Invalid) => view! { <p class="notice error" role="alert">{app.t(T::FixErrors)}</p> }.into_any(),
                        Some(Notice::Stale) => view! {
                            <div class="notice error" role="alert">
                                <p>{app.t(T::StaleTitle)}</p>
                                <button type="button" on:click=move |_| { notice.set(None); load(); }>{app.t(T::StaleAction)}</button>
                            </div>
                        }
                        .into_any(),
                        Some(Notice::Failed(message)) => view! { <p class="notice error" role="alert">{message}</p> }.into_any(),
                        None => ().into_any(),
                    }}
                </div>
            </form>
        </Show>
    }
}

#[component]
fn ProviderOption(
    id: Option<ProviderId>,
    form: RwSignal<Option<Form>>,
    edit: impl Fn(&dyn Fn(&mut Form)) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let app = use_app();
    let checked = move || form.with(|f| f.as_ref().is_some_and(|f| f.provider == id));
    let value = id.map(ProviderId::as_str).unwrap_or("none");
    view! {
        <label class="provider-option">
            <input type="radio" name="provider" value=value prop:checked=checked on:change=move |_| edit(&move |f| f.provider = id)/>
            {match id {
                Some(id) => view! {
                    <img src=id.provider().logo alt="" width="32" height="32"/>
                    <span>{id.provider().name}</span>
                }
                .into_any(),
                None => view! { <span class="no-logo" aria-hidden="true"></span><span>{app.t(T::NoProvider)}</span> }.into_any(),
            }}
        </label>
    }
}

#[component]
fn AccountFields(
    provider: &'static Provider,
    form: RwSignal<Option<Form>>,
    edit: impl Fn(&dyn Fn(&mut Form)) + Copy + Send + Sync + 'static,
    errors: RwSignal<Vec<FieldProblem>>,
    warnings: RwSignal<Vec<FieldWarning>>,
) -> impl IntoView {
    let app = use_app();
    view! {
        <div class="account-fields">
            <details class="how-to">
                <summary>{app.t(T::ProviderHelp)}</summary>
                <p>{move || app.lang.get().pick(provider.how_to)}</p>
                <p><a href=provider.docs_url target="_blank" rel="noopener noreferrer">{provider.name}" ↗"</a></p>
            </details>
            {provider.fields.iter().map(|field| view! { <AccountField field form edit errors warnings/> }).collect_view()}
        </div>
    }
}

#[component]
fn AccountField(
    field: &'static Field,
    form: RwSignal<Option<Form>>,
    edit: impl Fn(&dyn Fn(&mut Form)) + Copy + Send + Sync + 'static,
    errors: RwSignal<Vec<FieldProblem>>,
    warnings: RwSignal<Vec<FieldWarning>>,
) -> impl IntoView {
    let app = use_app();
    let key = field.key;
    let id = format!("account-{key}");
    let path = format!("account.{key}");
    let value = move || form.with(|f| f.as_ref().and_then(|f| f.account.get(key).cloned()).unwrap_or_default());
    let set_value = move |text: String| edit(&move |f| {
        f.account.insert(key.to_string(), text.clone());
    });
    let error_path = path.clone();
    let error = Memo::new(move |_| errors.with(|e| field_message(e, &error_path, app.lang.get())));
    let warning_path = path.clone();
    let warning = Memo::new(move |_| warnings.with(|w| w.iter().find(|w| w.field == warning_path).map(|w| w.message.clone())));
    let described = format!("{id}-help {id}-error {id}-warning");
    let input = match &field.format {
        Format::Choice { choices } => view! {
            <select
                id=id.clone()
                aria-describedby=described.clone()
                aria-invalid=move || error.get().is_some().to_string()
                prop:value=move || { let v = value(); if v.is_empty() { field.default.unwrap_or_default().to_string() } else { v } }
                on:change:target=move |ev| set_value(ev.target().value())
            >
                {choices.iter().map(|c| view! { <option value=c.value>{move || app.lang.get().pick(c.label)}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        _ => view! {
            <input
                id=id.clone()
                type=if matches!(field.format, Format::HttpsUrl) { "url" } else { "text" }
                spellcheck="false"
                autocomplete="off"
                placeholder=field.default.unwrap_or(field.example)
                aria-describedby=described.clone()
                aria-invalid=move || error.get().is_some().to_string()
                prop:value=value
                on:input:target=move |ev| set_value(ev.target().value())
            />
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=id.clone()>
                {move || app.lang.get().pick(field.label)}
                {(!field.required).then(|| view! { " " <span class="optional">"("{app.t(T::Optional)}")"</span> })}
            </label>
            {input}
            <p id=format!("{id}-help") class="help">
                {move || app.lang.get().pick(field.help)}
                " " <span class="example">{app.t(T::Example)}": "<code>{field.example}</code></span>
            </p>
            <p id=format!("{id}-error") class="field-error" role="alert">{move || error.get()}</p>
            <p id=format!("{id}-warning") class="field-warning">{move || warning.get().map(|w| format!("{}: {w}", app.t(T::Warning)()))}</p>
        </div>
    }
}
