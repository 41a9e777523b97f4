//! The chatbot form, as the seed's create screen has it: basic info,
//! ChatGPT settings, webhook, profile; plus instructions and limits.

use leptos::prelude::*;
use switchboard_core::chatbot::EndpointKind;

use crate::api::chatbots::{BotSettings, KeyChange, Secrets, Webhook};
use crate::api::FieldProblem;
use crate::components::field_message;
use crate::i18n::{fill, Text, B};
use crate::state::use_app;

/// Every field, as typed.
#[derive(Clone, Copy)]
pub struct BotForm {
    pub name: RwSignal<String>,
    pub reading: RwSignal<String>,
    pub bot_api: RwSignal<bool>,
    pub site_chat: RwSignal<bool>,
    pub direct_link: RwSignal<bool>,
    pub use_model: RwSignal<bool>,
    pub endpoint: RwSignal<String>,
    pub model: RwSignal<String>,
    pub api_key: RwSignal<String>,
    pub remove_key: RwSignal<bool>,
    pub use_webhook: RwSignal<bool>,
    pub webhook_url: RwSignal<String>,
    pub access_token: RwSignal<bool>,
    pub use_proxy: RwSignal<bool>,
    pub profile_url: RwSignal<String>,
    pub description: RwSignal<String>,
    pub instructions: RwSignal<String>,
    pub reply_limit: RwSignal<String>,
    pub budget: RwSignal<String>,
}

impl BotForm {
    pub fn new() -> Self {
        let defaults = BotSettings {
            reply_limit: u64::from(switchboard_core::chatbot::DEFAULT_REPLY_LIMIT),
            daily_token_budget: switchboard_core::chatbot::DEFAULT_DAILY_BUDGET,
            ..BotSettings::default()
        };
        let form = Self {
            name: RwSignal::new(String::new()),
            reading: RwSignal::new(String::new()),
            bot_api: RwSignal::new(false),
            site_chat: RwSignal::new(false),
            direct_link: RwSignal::new(false),
            use_model: RwSignal::new(false),
            endpoint: RwSignal::new(String::new()),
            model: RwSignal::new(String::new()),
            api_key: RwSignal::new(String::new()),
            remove_key: RwSignal::new(false),
            use_webhook: RwSignal::new(false),
            webhook_url: RwSignal::new(String::new()),
            access_token: RwSignal::new(false),
            use_proxy: RwSignal::new(false),
            profile_url: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            instructions: RwSignal::new(String::new()),
            reply_limit: RwSignal::new(String::new()),
            budget: RwSignal::new(String::new()),
        };
        form.fill(&defaults);
        form
    }

    /// Shows `settings` (as loaded or saved); the key fields start empty.
    pub fn fill(&self, settings: &BotSettings) {
        self.name.set(settings.name.clone());
        self.reading.set(settings.reading.clone());
        self.bot_api.set(settings.bot_api);
        self.site_chat.set(settings.site_chat);
        self.direct_link.set(settings.direct_link);
        self.use_model.set(settings.model.is_some());
        let (endpoint, model) = settings.model.clone().unwrap_or_default();
        self.endpoint.set(endpoint);
        self.model.set(model.unwrap_or_default());
        self.api_key.set(String::new());
        self.remove_key.set(false);
        let webhook = settings.webhook.clone();
        self.use_webhook.set(webhook.is_some());
        let webhook = webhook.unwrap_or_default();
        self.webhook_url.set(webhook.url);
        self.access_token.set(webhook.access_token);
        self.use_proxy.set(webhook.use_proxy);
        self.profile_url
            .set(settings.profile_url.clone().unwrap_or_default());
        self.description.set(settings.description.clone());
        self.instructions.set(settings.instructions.clone());
        self.reply_limit.set(settings.reply_limit.to_string());
        self.budget.set(settings.daily_token_budget.to_string());
    }

    /// What the form would save. Numbers that are not numbers are sent as
    /// text, so the server names the field.
    pub fn body(&self) -> serde_json::Value {
        let text = |s: RwSignal<String>| s.get().trim().to_string();
        let settings = BotSettings {
            name: text(self.name),
            reading: text(self.reading),
            bot_api: self.bot_api.get(),
            site_chat: self.site_chat.get(),
            direct_link: self.direct_link.get(),
            model: self.use_model.get().then(|| {
                let model = text(self.model);
                (text(self.endpoint), (!model.is_empty()).then_some(model))
            }),
            webhook: self.use_webhook.get().then(|| Webhook {
                url: text(self.webhook_url),
                access_token: self.access_token.get(),
                use_proxy: self.use_proxy.get(),
            }),
            profile_url: Some(text(self.profile_url)).filter(|u| !u.is_empty()),
            description: text(self.description),
            instructions: self.instructions.get(),
            reply_limit: 0,
            daily_token_budget: 0,
        };
        let key = if self.remove_key.get() {
            KeyChange::Remove
        } else {
            match text(self.api_key) {
                key if key.is_empty() => KeyChange::Keep,
                key => KeyChange::Set(key),
            }
        };
        let mut body = settings.body(&key);
        for (field, value) in [
            ("reply_limit", text(self.reply_limit)),
            ("daily_token_budget", text(self.budget)),
        ] {
            body[field] = match value.parse::<u64>() {
                Ok(n) => serde_json::json!(n),
                Err(_) => serde_json::json!(value),
            };
        }
        body
    }
}

/// A text input with its label, help and the server's message for it.
#[component]
fn Field(
    id: &'static str,
    /// The field's path in the server's errors (`model.endpoint`).
    path: &'static str,
    label: B,
    #[prop(optional)] help: Option<B>,
    value: RwSignal<String>,
    errors: RwSignal<Vec<FieldProblem>>,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] multiline: bool,
    #[prop(optional, into)] placeholder: Option<Signal<String>>,
) -> impl IntoView {
    let app = use_app();
    let problem = move || errors.with(|e| field_message(e, path, app.lang.get()));
    let described = format!("{id}-help {id}-error");
    let input = if multiline {
        view! {
            <textarea id=id rows="5" prop:value=value on:input:target=move |ev| value.set(ev.target().value())
                aria-invalid=move || problem().is_some().to_string() aria-describedby=described.clone()></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id type=kind.unwrap_or("text") prop:value=value on:input:target=move |ev| value.set(ev.target().value())
                placeholder=move || placeholder.map(|p| p.get())
                autocomplete=if kind == Some("password") { "new-password" } else { "off" }
                aria-invalid=move || problem().is_some().to_string() aria-describedby=described.clone()/>
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{app.t(label)}</label>
            {input}
            <p id=format!("{id}-help") class="help">{help.map(|h| app.t(h))}</p>
            <p id=format!("{id}-error") class="field-error" role="alert">{problem}</p>
        </div>
    }
}

/// A checkbox with its explanation.
#[component]
fn Check(id: &'static str, label: B, help: B, checked: RwSignal<bool>) -> impl IntoView {
    let app = use_app();
    view! {
        <div class="field check">
            <label>
                <input type="checkbox" id=id aria-describedby=format!("{id}-help")
                    prop:checked=move || checked.get() on:change:target=move |ev| checked.set(ev.target().checked())/>
                " " {app.t(label)}
            </label>
            <p id=format!("{id}-help") class="help">{app.t(help)}</p>
        </div>
    }
}

/// What the endpoint typed is, and what that means for the other fields.
fn endpoint_note(endpoint: &str) -> Option<B> {
    let endpoint = endpoint.trim();
    if endpoint.is_empty() {
        return None;
    }
    Some(match EndpointKind::of(endpoint) {
        EndpointKind::OpenAi => B::DetectedOpenAi,
        EndpointKind::Azure => B::DetectedAzure,
        EndpointKind::Compatible => B::DetectedCompatible,
    })
}

#[component]
pub fn ChatbotFields(
    form: BotForm,
    errors: RwSignal<Vec<FieldProblem>>,
    /// The stored secrets' hints (editing), for the key field's placeholder.
    #[prop(into)]
    secrets: Signal<Option<Secrets>>,
) -> impl IntoView {
    let app = use_app();
    let key_placeholder = Signal::derive(move || {
        secrets
            .get()
            .and_then(|s| s.model_api_key)
            .map(|h| {
                fill(
                    B::KeyStored.text(app.lang.get()),
                    &serde_json::json!({"hint": h.hint}),
                )
            })
            .unwrap_or_default()
    });
    let has_stored_key = move || secrets.get().is_some_and(|s| s.model_api_key.is_some());
    view! {
        <fieldset class="card">
            <legend>{app.t(B::BasicInfo)}</legend>
            <Field id="bot-name" path="name" label=B::Name help=B::NameHelp value=form.name errors/>
            <Field id="bot-reading" path="reading" label=B::Reading help=B::ReadingHelp value=form.reading errors/>
            <Check id="bot-api" label=B::IssueBotKey help=B::IssueBotKeyHelp checked=form.bot_api/>
            <Check id="bot-site-chat" label=B::SiteChat help=B::SiteChatHelp checked=form.site_chat/>
            <Check id="bot-direct-link" label=B::DirectLink help=B::DirectLinkHelp checked=form.direct_link/>
        </fieldset>
        <fieldset class="card">
            <legend>{app.t(B::ModelSettings)}</legend>
            <Check id="bot-use-model" label=B::UseModel help=B::UseModelHelp checked=form.use_model/>
            <div class="model-fields" hidden=move || !form.use_model.get()>
                <p class="help explain">{app.t(B::ModelExplain)}</p>
                <Field id="bot-endpoint" path="model.endpoint" label=B::Endpoint help=B::EndpointHelp value=form.endpoint errors/>
                <p class="notice endpoint-kind" role="status">{move || form.endpoint.with(|e| endpoint_note(e)).map(|note| note.get(app.lang.get()))}</p>
                <Field id="bot-model-key" path="model.api_key" label=B::ModelKey help=B::ModelKeyHelp value=form.api_key errors kind="password" placeholder=key_placeholder/>
                <Show when=has_stored_key>
                    <Check id="bot-remove-key" label=B::RemoveKey help=B::RemoveKeyHelp checked=form.remove_key/>
                </Show>
                <Field id="bot-model" path="model.model" label=B::Model help=B::ModelHelp value=form.model errors/>
            </div>
        </fieldset>
        <fieldset class="card">
            <legend>{app.t(B::WebhookSettings)}</legend>
            <Check id="bot-use-webhook" label=B::UseWebhook help=B::UseWebhookHelp checked=form.use_webhook/>
            <div class="webhook-fields" hidden=move || !form.use_webhook.get()>
                <Field id="bot-webhook-url" path="webhook.url" label=B::WebhookUrl help=B::WebhookUrlHelp value=form.webhook_url errors/>
                <Check id="bot-access-token" label=B::IssueToken help=B::IssueTokenHelp checked=form.access_token/>
                <Check id="bot-use-proxy" label=B::UseProxy help=B::UseProxyHelp checked=form.use_proxy/>
            </div>
        </fieldset>
        <fieldset class="card">
            <legend>{app.t(B::Profile)}</legend>
            <Field id="bot-profile-url" path="profile.url" label=B::ProfileUrl help=B::ProfileUrlHelp value=form.profile_url errors/>
            <Field id="bot-description" path="profile.description" label=B::Description help=B::DescriptionHelp value=form.description errors multiline=true/>
        </fieldset>
        <fieldset class="card">
            <legend>{app.t(B::Behaviour)}</legend>
            <Field id="bot-instructions" path="instructions" label=B::Instructions help=B::InstructionsHelp value=form.instructions errors multiline=true/>
            <Field id="bot-reply-limit" path="reply_limit" label=B::ReplyLimit help=B::ReplyLimitHelp value=form.reply_limit errors kind="number"/>
            <Field id="bot-budget" path="daily_token_budget" label=B::Budget help=B::BudgetHelp value=form.budget errors kind="number"/>
        </fieldset>
    }
}
