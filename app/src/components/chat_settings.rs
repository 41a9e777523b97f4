//! The Click to Chat form shared by the instance and the site screens: the
//! enable switch, the provider cards, the provider's account fields from the
//! catalog, guest access, and the save bar with its notices.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde_json::json;
use switchboard_core::catalog::{catalog, Field, Format, Provider, ProviderId};
use switchboard_core::errors::FieldWarning;
use switchboard_core::settings::ChatSettings;

use crate::api::FieldProblem;
use crate::components::field_message;
use crate::i18n::T;
use crate::state::use_app;

/// The fields instance and site settings share, as the form holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatForm {
    pub enabled: bool,
    pub provider: Option<ProviderId>,
    /// Values typed per field key, kept when switching providers back and forth.
    pub account: BTreeMap<String, String>,
    pub guests: bool,
}

impl ChatForm {
    pub fn from(settings: &ChatSettings) -> Self {
        Self {
            enabled: settings.enabled,
            provider: settings.provider,
            account: settings
                .account
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            guests: settings.guest_users_allowed,
        }
    }

    /// The request body's fields (`enabled`, `provider`, `account`, `guest_users_allowed`).
    pub fn body(&self) -> serde_json::Map<String, serde_json::Value> {
        let account: BTreeMap<&str, &str> = match self.provider {
            Some(id) => id
                .provider()
                .fields
                .iter()
                .filter_map(|f| self.account.get(f.key).map(|v| (f.key, v.as_str())))
                .collect(),
            None => BTreeMap::new(),
        };
        let mut body = serde_json::Map::new();
        body.insert("enabled".into(), json!(self.enabled));
        body.insert(
            "provider".into(),
            json!(self.provider.map(ProviderId::as_str)),
        );
        body.insert("account".into(), json!(account));
        body.insert("guest_users_allowed".into(), json!(self.guests));
        body
    }
}

/// Where a save ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Saved,
    Invalid,
    Stale,
    Failed(crate::api::ApiError),
}

/// Switches, provider cards and account fields for `form`. With `readonly`,
/// everything is shown but cannot be changed.
#[component]
pub fn ChatFields(
    form: RwSignal<Option<ChatForm>>,
    errors: RwSignal<Vec<FieldProblem>>,
    warnings: RwSignal<Vec<FieldWarning>>,
    #[prop(into)] readonly: Signal<bool>,
    on_edit: Callback<()>,
    /// The enable switch's help (the instance's by default).
    #[prop(optional)]
    enable_help: Option<T>,
    /// Shown between the enable switch and the provider (the instance's strategy).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let app = use_app();
    let edit = move |change: &dyn Fn(&mut ChatForm)| {
        form.update(|f| {
            if let Some(f) = f {
                change(f);
            }
        });
        on_edit.run(());
    };
    let enabled = move || form.with(|f| f.as_ref().is_some_and(|f| f.enabled));
    let guests = move || form.with(|f| f.as_ref().is_some_and(|f| f.guests));
    let provider = Memo::new(move |_| form.with(|f| f.as_ref().and_then(|f| f.provider)));
    view! {
        <fieldset class="plain" disabled=move || readonly.get()>
            <Switch id="enabled" label=T::EnableC2c help=enable_help.unwrap_or(T::EnableC2cHelp) checked=enabled
                on_change=Callback::new(move |on: bool| edit(&move |f| f.enabled = on))/>
            {children.map(|children| children())}
            <fieldset class="card" id="provider">
                <legend>{app.t(T::Provider)}</legend>
                <div class="providers">
                    <ProviderOption id=None form edit/>
                    {catalog().iter().map(|p| view! { <ProviderOption id=Some(p.id) form edit/> }).collect_view()}
                </div>
                <p class="field-error" role="alert">{move || errors.with(|e| field_message(e, "provider", app.lang.get()))}</p>
                <p class="field-warning" role="status">{move || warnings.with(|w| w.iter().find(|w| w.field == "provider").map(|w| crate::i18n::warning_text(app.lang.get(), w)))}</p>
                {move || provider.get().map(|id| view! { <AccountFields provider=id.provider() form edit errors warnings/> })}
            </fieldset>

            <Switch id="guests" label=T::GuestsAllowed help=T::GuestsAllowedHelp checked=guests
                on_change=Callback::new(move |on: bool| edit(&move |f| f.guests = on))/>
        </fieldset>
    }
}

/// An on/off setting with its explanation.
#[component]
fn Switch(
    id: &'static str,
    label: T,
    help: T,
    #[prop(into)] checked: Signal<bool>,
    on_change: Callback<bool>,
) -> impl IntoView {
    let app = use_app();
    view! {
        <section class="card">
            <label class="switch">
                <input
                    type="checkbox"
                    role="switch"
                    id=id
                    aria-describedby=format!("{id}-help")
                    prop:checked=move || checked.get()
                    on:change:target=move |ev| on_change.run(ev.target().checked())
                />
                <span class="switch-label">{app.t(label)}</span>
            </label>
            <p id=format!("{id}-help") class="help">{app.t(help)}</p>
        </section>
    }
}

/// What a save of Click to Chat settings came back with, applied to the form:
/// the stored values (keeping typed values of other providers), the new
/// revision and warnings, or the errors to show.
pub struct SaveState {
    pub form: RwSignal<Option<ChatForm>>,
    pub etag: RwSignal<Option<String>>,
    pub warnings: RwSignal<Vec<FieldWarning>>,
    pub errors: RwSignal<Vec<FieldProblem>>,
    pub notice: RwSignal<Option<Notice>>,
}

impl SaveState {
    /// Applies a successful save; the caller then records the saved state.
    pub fn saved(&self, stored: &ChatForm, etag: Option<String>, warnings: Vec<FieldWarning>) {
        self.form.update(|f| {
            if let Some(f) = f {
                f.account.extend(stored.account.clone());
            }
        });
        self.etag.set(etag);
        self.warnings.set(warnings);
        self.errors.set(Vec::new());
        self.notice.set(Some(Notice::Saved));
    }

    pub fn failed(&self, error: &crate::api::ApiError) {
        if error.status() == 412 {
            self.notice.set(Some(Notice::Stale));
        } else if !error.fields().is_empty() {
            self.errors.set(error.fields().to_vec());
            self.notice.set(Some(Notice::Invalid));
            crate::components::focus_first_invalid();
        } else {
            self.notice.set(Some(Notice::Failed(error.clone())));
        }
    }
}

/// Save button, unsaved-changes hint and the outcome of the last save.
#[component]
pub fn SaveBar(
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] dirty: Signal<bool>,
    notice: RwSignal<Option<Notice>>,
    on_reload: Callback<()>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let save_button = NodeRef::<leptos::html::Button>::new();
    let app = use_app();
    view! {
        <div class="form-actions">
            <button type="submit" class="primary" node_ref=save_button disabled=move || disabled.get() aria-disabled=move || pending.get().to_string()>
                {move || if pending.get() { app.t(T::Working)() } else { app.t(T::Save)() }}
            </button>
            <span class="unsaved" hidden=move || !dirty.get()>{app.t(T::UnsavedChanges)}</span>
            {move || match notice.get() {
                Some(Notice::Saved) => view! { <p class="notice ok" role="status">{app.t(T::Saved)}</p> }.into_any(),
                Some(Notice::Invalid) => view! { <p class="notice error" role="alert">{app.t(T::FixErrors)}</p> }.into_any(),
                Some(Notice::Stale) => view! {
                    <div class="notice error" role="alert">
                        <p>{app.t(T::StaleTitle)}</p>
                        // The notice and this button go: the Save button keeps the focus.
                        <button type="button" on:click=move |_| {
                            notice.set(None);
                            on_reload.run(());
                            if let Some(save) = save_button.get_untracked() {
                                let _ = save.focus();
                            }
                        }>{app.t(T::StaleAction)}</button>
                    </div>
                }
                .into_any(),
                Some(Notice::Failed(error)) => view! { <p class="notice error" role="alert">{move || error.text(app.lang.get())}</p> }.into_any(),
                None => ().into_any(),
            }}
        </div>
    }
}

/// Warns before leaving the screen while `dirty` holds: the browser asks on
/// reload or close, the app's navigation asks on its links (see `layout`).
pub fn guard_unsaved(dirty: Signal<bool>) {
    let app = use_app();
    Effect::new(move |_| app.unsaved.set(dirty.get()));
    let handle = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if dirty.get_untracked() {
            ev.prevent_default();
            ev.set_return_value("");
        }
    });
    on_cleanup(move || {
        handle.remove();
        app.unsaved.set(false);
    });
}

#[component]
fn ProviderOption(
    id: Option<ProviderId>,
    form: RwSignal<Option<ChatForm>>,
    edit: impl Fn(&dyn Fn(&mut ChatForm)) + Copy + Send + Sync + 'static,
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
    form: RwSignal<Option<ChatForm>>,
    edit: impl Fn(&dyn Fn(&mut ChatForm)) + Copy + Send + Sync + 'static,
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

/// The built-in assistant's chatbot: one that may be a site's chat.
/// (Kept plain, a signal filled once, no resource: this is on the first screen.)
#[component]
fn ChatbotChoice(
    id: String,
    described: String,
    invalid: Signal<bool>,
    value: Signal<String>,
    set_value: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let app = use_app();
    let bots = RwSignal::new(Vec::<(String, String)>::new());
    leptos::task::spawn_local(async move {
        let mut list = crate::api::site_chatbots().await.unwrap_or_default();
        // A saved id the list lacks stays visible (the server says what is wrong).
        let current = value.get_untracked();
        if !current.is_empty() && !list.iter().any(|(id, _)| *id == current) {
            list.push((current.clone(), current));
        }
        bots.set(list);
    });
    view! {
        <select
            id=id
            aria-describedby=described
            aria-invalid=move || invalid.get().to_string()
            on:change:target=move |ev| set_value(ev.target().value())
        >
            <option value="">{app.t(T::ChooseChatbot)}</option>
            {move || {
                let chosen = value.get_untracked();
                bots.get().into_iter().map(|(id, name)| {
                    let selected = id == chosen;
                    view! { <option value=id selected=selected>{name}</option> }
                }).collect_view()
            }}
        </select>
    }
}

#[component]
fn AccountField(
    field: &'static Field,
    form: RwSignal<Option<ChatForm>>,
    edit: impl Fn(&dyn Fn(&mut ChatForm)) + Copy + Send + Sync + 'static,
    errors: RwSignal<Vec<FieldProblem>>,
    warnings: RwSignal<Vec<FieldWarning>>,
) -> impl IntoView {
    let app = use_app();
    let key = field.key;
    let id = format!("account-{key}");
    let path = format!("account.{key}");
    let value = move || {
        form.with(|f| {
            f.as_ref()
                .and_then(|f| f.account.get(key).cloned())
                .unwrap_or_default()
        })
    };
    let set_value = move |text: String| {
        edit(&move |f| {
            f.account.insert(key.to_string(), text.clone());
        })
    };
    let error_path = path.clone();
    let error = Memo::new(move |_| errors.with(|e| field_message(e, &error_path, app.lang.get())));
    let warning_path = path.clone();
    let warning = Memo::new(move |_| {
        warnings.with(|w| {
            w.iter()
                .find(|w| w.field == warning_path)
                .map(|w| crate::i18n::warning_text(app.lang.get(), w))
        })
    });
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
        Format::Chatbot => view! {
            <ChatbotChoice id=id.clone() described=described.clone() invalid=Signal::derive(move || error.get().is_some()) value=Signal::derive(value) set_value/>
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
