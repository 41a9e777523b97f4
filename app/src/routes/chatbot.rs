//! One chatbot (`/chatbots/new` to create one): its settings, the secrets
//! it was issued (shown once), its photo and cover, "Try it", the webhook
//! delivery log, and delete.

use std::cell::RefCell;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use wasm_bindgen::JsCast;

use crate::api::chatbots::{self, Chatbot};
use crate::api::{ApiError, FieldProblem};
use crate::components::chat_settings::guard_unsaved;
use crate::components::chatbot_deliveries::DeliveryLog;
use crate::components::chatbot_form::{BotForm, ChatbotFields};
use crate::components::chatbot_try::TryBox;
use crate::components::confirm::ConfirmDelete;
use crate::components::{flash, on_change, when};
use crate::i18n::{fill, B, T};
use crate::state::use_app;

/// A bot's id and the secrets creating it issued: `(kind, value)`.
type Issued = (String, Vec<(String, String)>);

thread_local! {
    /// Secrets issued by creating a bot, for its screen to show once.
    static JUST_ISSUED: RefCell<Option<Issued>> = const { RefCell::new(None) };
}

/// `/chatbots/:id`: a screen of its own per bot (rebuilt when the address
/// names another), so nothing typed for one can reach another.
#[component]
pub fn ChatbotPage() -> impl IntoView {
    crate::state::set_title(T::NavChatbots);
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    move || view! { <ChatbotScreen id=id.get()/> }
}

/// The label of an issued or stored secret.
fn secret_label(kind: &str) -> B {
    match kind {
        "api_key" => B::SecretBotKey,
        "webhook_token" => B::SecretToken,
        "webhook_secret" => B::SecretSigning,
        _ => B::SecretModelKey,
    }
}

fn file_of(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
    input.files()?.get(0)
}

/// A profile image: what is set, a file to choose, and clear.
#[component]
fn ImagePicker(
    /// `photo` or `cover`.
    which: &'static str,
    label: B,
    #[prop(into)] current: Signal<Option<String>>,
    on_file: Callback<web_sys::File>,
    on_clear: Callback<()>,
    /// A file chosen before the bot exists (the new screen).
    #[prop(into, optional)]
    chosen: Signal<Option<String>>,
) -> impl IntoView {
    let app = use_app();
    B::register();
    let input_id = format!("bot-{which}");
    view! {
        <div class=format!("field image-picker {which}")>
            <label for=input_id.clone()>{app.t(label)}</label>
            {move || current.get().map(|src| view! { <img class="preview" src=src alt=""/> })}
            {move || chosen.get().map(|name| view! { <span class="chosen">{name}</span> })}
            <input id=input_id type="file" accept="image/png,image/jpeg,image/webp"
                on:change=move |ev| if let Some(file) = file_of(&ev) { on_file.run(file); }/>
            <button type="button" class="link-button clear-image" hidden=move || current.get().is_none() && chosen.get().is_none()
                on:click=move |_| on_clear.run(())>{app.t(B::ClearImage)}</button>
            <p class="help">{app.t(B::ImageHelp)}</p>
        </div>
    }
}

/// Secrets shown this once, with copy buttons.
#[component]
fn IssuedCard(issued: RwSignal<Vec<(String, String)>>) -> impl IntoView {
    let app = use_app();
    let copied = RwSignal::new(false);
    view! {
        <Show when=move || issued.with(|i| !i.is_empty())>
            <section class="card new-key issued" role="alert" aria-labelledby="issued-title">
                <h2 id="issued-title">{app.t(B::IssuedTitle)}</h2>
                <p class="warning-text">{app.t(B::IssuedWarning)}</p>
                {move || issued.get().into_iter().map(|(kind, value)| {
                    let copy = value.clone();
                    view! {
                        <div class="issued-secret" data-secret=kind.clone()>
                            <h3>{app.t(secret_label(&kind))}</h3>
                            <pre class="code"><code>{value}</code></pre>
                            <button type="button" on:click=move |_| { let _ = window().navigator().clipboard().write_text(&copy); flash(copied); }>{app.t(T::Copy)}</button>
                        </div>
                    }
                }).collect_view()}
                <button type="button" on:click=move |_| issued.set(Vec::new())>{app.t(T::Done)}</button>
                " " <span class="notice ok" role="status">{move || copied.get().then(|| app.t(T::Copied)())}</span>
            </section>
        </Show>
    }
}

/// `/chatbots/new`.
#[component]
pub fn NewChatbot() -> impl IntoView {
    let app = use_app();
    crate::state::set_title(T::NavChatbots);
    let navigate = use_navigate();
    let form = BotForm::new();
    let errors = RwSignal::new(Vec::<FieldProblem>::new());
    let error = RwSignal::new(None::<ApiError>);
    let photo = RwSignal::new_local(None::<web_sys::File>);
    let cover = RwSignal::new_local(None::<web_sys::File>);
    let pristine = StoredValue::new(form.body());
    guard_unsaved(Signal::derive(move || form.body() != pristine.get_value()));
    let create = Action::new_local(move |body: &serde_json::Value| {
        let body = body.clone();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        let files = (photo.get_untracked(), cover.get_untracked());
        async move {
            let created = chatbots::create_chatbot(&csrf, &body).await?.body;
            // The images go once the bot exists; a refused one is told on its screen.
            let mut failed = None;
            for (slot, file) in [("photo", files.0), ("cover", files.1)] {
                if let Some(file) = file {
                    if let Err(e) = chatbots::upload_image(&csrf, &created.id, slot, &file).await {
                        failed = Some(e);
                    }
                }
            }
            Ok::<_, ApiError>((created, failed))
        }
    });
    let pending = create.pending();
    on_change(
        move || create.value().get(),
        move |done| match done {
            Some(Ok((bot, failed))) => {
                app.unsaved.set(false);
                JUST_ISSUED
                    .with(|slot| *slot.borrow_mut() = Some((bot.id.clone(), bot.issued.clone())));
                if let Some(e) = failed {
                    error.set(Some(e));
                }
                navigate(&format!("/chatbots/{}", bot.id), Default::default());
            }
            Some(Err(e)) => {
                errors.set(e.fields().to_vec());
                if e.fields().is_empty() {
                    error.set(Some(e));
                } else {
                    error.set(None);
                    crate::components::focus_first_invalid();
                }
            }
            None => {}
        },
    );
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if app.session().is_some() && !pending.get_untracked() {
            create.dispatch_local(form.body());
        }
    };
    let name_of = |file: Option<web_sys::File>| file.map(|f| f.name());
    view! {
        <p class="breadcrumb"><A href="/admin/chatbots" exact=true>"← "{app.t(B::BackToChatbots)}</A></p>
        <h1 class="page-title">{app.t(B::NewTitle)}</h1>
        <form class="chatbot-form" novalidate on:submit=submit>
            <ChatbotFields form errors secrets=Signal::derive(|| None::<crate::api::chatbots::Secrets>)/>
            <fieldset class="card">
                <legend>{app.t(B::Images)}</legend>
                <ImagePicker which="photo" label=B::Photo current=Signal::derive(|| None::<String>) chosen=Signal::derive(move || name_of(photo.get()))
                    on_file=Callback::new(move |f| photo.set(Some(f))) on_clear=Callback::new(move |()| photo.set(None))/>
                <ImagePicker which="cover" label=B::Cover current=Signal::derive(|| None::<String>) chosen=Signal::derive(move || name_of(cover.get()))
                    on_file=Callback::new(move |f| cover.set(Some(f))) on_clear=Callback::new(move |()| cover.set(None))/>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="primary" aria-disabled=move || pending.get().to_string()>{app.t(B::Create)}</button>
                <p class="notice error" role="alert">{move || error.get().map(|e| e.text(app.lang.get())).or_else(|| errors.with(|e| (!e.is_empty()).then(|| app.t(T::FixErrors)().to_string())))}</p>
            </div>
        </form>
    }
}

#[component]
fn ChatbotScreen(id: String) -> impl IntoView {
    let app = use_app();
    let navigate = use_navigate();
    let id = StoredValue::new(id);
    let loaded = LocalResource::new(move || {
        app.epoch.track();
        async move { chatbots::chatbot(&id.get_value()).await }
    });
    let stored = RwSignal::new(None::<Chatbot>);
    let etag = RwSignal::new(None::<String>);
    let form = BotForm::new();
    let baseline = RwSignal::new(serde_json::Value::Null);
    let errors = RwSignal::new(Vec::<FieldProblem>::new());
    let notice = RwSignal::new(None::<Result<(), ApiError>>);
    let issued = RwSignal::new(
        JUST_ISSUED
            .with(|slot| slot.borrow_mut().take())
            .filter(|(bot, _)| *bot == id.get_value())
            .map(|(_, secrets)| secrets)
            .unwrap_or_default(),
    );
    let show = move |bot: Chatbot, new_etag: Option<String>| {
        form.fill(&bot.settings);
        baseline.set(form.body());
        if !bot.issued.is_empty() {
            issued.set(bot.issued.clone());
        }
        if new_etag.is_some() {
            etag.set(new_etag);
        }
        stored.set(Some(bot));
    };
    on_change(
        move || loaded.get(),
        move |answer| {
            if let Some(Ok(answer)) = answer {
                show(answer.body, answer.etag);
            }
        },
    );
    guard_unsaved(Signal::derive(move || {
        stored.with(Option::is_some) && form.body() != baseline.get()
    }));
    let save = Action::new_local(move |body: &serde_json::Value| {
        let body = body.clone();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        let tag = etag.get_untracked();
        async move { chatbots::save_chatbot(&csrf, &id.get_value(), tag.as_deref(), &body).await }
    });
    let pending = save.pending();
    on_change(
        move || save.value().get(),
        move |done| match done {
            Some(Ok(answer)) => {
                errors.set(Vec::new());
                notice.set(Some(Ok(())));
                show(answer.body, answer.etag);
            }
            Some(Err(e)) => {
                errors.set(e.fields().to_vec());
                if !e.fields().is_empty() {
                    crate::components::focus_first_invalid();
                }
                notice.set(Some(Err(e)));
            }
            None => {}
        },
    );
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if app.session().is_some() && !pending.get_untracked() {
            save.dispatch_local(form.body());
        }
    };
    // Secrets, images and delete: each its own action on the stored bot.
    let regenerate_which = RwSignal::new(String::new());
    let confirm_regenerate = RwSignal::new(false);
    let confirm_delete = RwSignal::new(false);
    let side_error = RwSignal::new(None::<ApiError>);
    let apply = move |result: Result<crate::api::Answer<Chatbot>, ApiError>| match result {
        Ok(answer) => {
            side_error.set(None);
            if let Some(bot) = stored.get_untracked() {
                // Keep what the admin typed; take the new revision, images and secrets.
                let mut fresh = answer.body;
                if form.body() != baseline.get_untracked() {
                    fresh.settings = bot.settings;
                } else {
                    form.fill(&fresh.settings);
                    baseline.set(form.body());
                }
                if !fresh.issued.is_empty() {
                    issued.set(fresh.issued.clone());
                }
                stored.set(Some(fresh));
            }
            if answer.etag.is_some() {
                etag.set(answer.etag);
            }
        }
        Err(e) => side_error.set(Some(e)),
    };
    let regenerate = Action::new_local(move |which: &String| {
        let which = which.clone();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { chatbots::regenerate(&csrf, &id.get_value(), &which).await }
    });
    on_change(
        move || regenerate.value().get(),
        move |done| {
            if let Some(result) = done {
                apply(result)
            }
        },
    );
    let image = Action::new_local(
        move |(slot, file): &(&'static str, Option<web_sys::File>)| {
            let (slot, file) = (*slot, file.clone());
            let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
            async move {
                match file {
                    Some(file) => chatbots::upload_image(&csrf, &id.get_value(), slot, &file).await,
                    None => chatbots::clear_image(&csrf, &id.get_value(), slot).await,
                }
            }
        },
    );
    on_change(
        move || image.value().get(),
        move |done| {
            if let Some(result) = done {
                apply(result)
            }
        },
    );
    let delete = Action::new_local(move |()| {
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { chatbots::delete_chatbot(&csrf, &id.get_value()).await }
    });
    on_change(
        move || delete.value().get(),
        move |done| match done {
            Some(Ok(())) => {
                app.unsaved.set(false);
                navigate("/chatbots", Default::default());
            }
            Some(Err(e)) => side_error.set(Some(e)),
            None => {}
        },
    );
    let secrets = Signal::derive(move || stored.get().map(|b| b.secrets));
    let listens = Signal::derive(move || {
        stored.with(|b| {
            b.as_ref()
                .is_some_and(|b| b.settings.webhook.is_some() || b.settings.bot_api)
        })
    });
    let has_webhook =
        move || stored.with(|b| b.as_ref().is_some_and(|b| b.settings.webhook.is_some()));
    let heading = move || {
        match (stored.get(), loaded.get()) {
        (Some(bot), _) => view! {
            <h1 class="page-title">{bot.settings.name.clone()}</h1>
            <p class="lead">
                <code>{bot.id.clone()}</code>" · "{crate::routes::chatbots::answered_by(app, &bot)}
                " · "{move || fill(app.t(B::TokensOfBudget)(), &serde_json::json!({"used": stored.with(|b| b.as_ref().map_or(0, |b| b.tokens_today)), "budget": bot.settings.daily_token_budget}))}
            </p>
            <p class="used-by">{app.t(B::UsedInSites)}": "{crate::routes::chatbots::used_in(app, &bot)}</p>
        }.into_any(),
        (None, Some(Err(e))) => view! { <h1 class="page-title">{app.t(T::NavChatbots)}</h1><p class="error" role="alert">{move || e.text(app.lang.get())}</p> }.into_any(),
        (None, _) => view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }.into_any(),
    }
    };
    let secret_rows = move || {
        stored.get().map(|bot| {
            let rows = [
                ("model_api_key", bot.secrets.model_api_key.clone()),
                ("api_key", bot.secrets.api_key.clone()),
                ("webhook_token", bot.secrets.webhook_token.clone()),
                ("webhook_secret", bot.secrets.webhook_secret.clone()),
            ];
            rows.into_iter()
                .map(|(kind, hint)| {
                    let regenerable = kind != "model_api_key" && hint.is_some();
                    view! {
                        <tr data-secret=kind>
                            <th scope="row">{app.t(secret_label(kind))}</th>
                            <td>{match hint.clone() { Some(h) => view! { <code>{h.hint}</code> }.into_any(), None => view! { <span>{app.t(B::NotSet)}</span> }.into_any() }}</td>
                            <td>{hint.map(|h| when(&h.set_at))}</td>
                            <td class="row-actions">{regenerable.then(|| view! {
                                <button type="button" class="link-button regenerate" on:click=move |_| { regenerate_which.set(kind.to_string()); confirm_regenerate.set(true); }>{app.t(T::Regenerate)}</button>
                            })}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <p class="breadcrumb"><A href="/admin/chatbots" exact=true>"← "{app.t(B::BackToChatbots)}</A></p>
        {heading}
        <IssuedCard issued/>
        <p class="error" role="alert">{move || side_error.get().map(|e| e.text(app.lang.get()))}</p>
        <Show when=move || stored.with(Option::is_some)>
            <form class="chatbot-form" novalidate on:submit=submit>
                <ChatbotFields form errors secrets/>
                <div class="form-actions">
                    <button type="submit" class="primary" aria-disabled=move || pending.get().to_string()>{move || if pending.get() { app.t(T::Working)() } else { app.t(T::Save)() }}</button>
                    {move || match notice.get() {
                        Some(Ok(())) => view! { <p class="notice ok" role="status">{app.t(T::Saved)}</p> }.into_any(),
                        Some(Err(e)) if e.status() == 412 => view! {
                            <div class="notice error" role="alert"><p>{app.t(T::StaleTitle)}</p>
                                <button type="button" on:click=move |_| { notice.set(None); baseline.set(serde_json::Value::Null); loaded.refetch(); }>{app.t(T::StaleAction)}</button></div>
                        }.into_any(),
                        Some(Err(e)) if !e.fields().is_empty() => view! { <p class="notice error" role="alert">{app.t(T::FixErrors)}</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="notice error" role="alert">{move || e.text(app.lang.get())}</p> }.into_any(),
                        None => ().into_any(),
                    }}
                </div>
            </form>
            <section class="card secrets" aria-labelledby="secrets-title">
                <h2 id="secrets-title">{app.t(B::SecretsTitle)}</h2>
                <p class="help">{app.t(B::SecretsLead)}</p>
                <table><tbody>{secret_rows}</tbody></table>
            </section>
            <section class="card images" aria-labelledby="images-title">
                <h2 id="images-title">{app.t(B::Images)}</h2>
                <ImagePicker which="photo" label=B::Photo current=Signal::derive(move || stored.get().and_then(|b| b.photo))
                    on_file=Callback::new(move |f| { image.dispatch_local(("photo", Some(f))); }) on_clear=Callback::new(move |()| { image.dispatch_local(("photo", None)); })/>
                <ImagePicker which="cover" label=B::Cover current=Signal::derive(move || stored.get().and_then(|b| b.cover))
                    on_file=Callback::new(move |f| { image.dispatch_local(("cover", Some(f))); }) on_clear=Callback::new(move |()| { image.dispatch_local(("cover", None)); })/>
            </section>
            <TryBox id=id.get_value() listens on_tokens=Callback::new(move |tokens| stored.update(|b| if let Some(b) = b { b.tokens_today = tokens; }))/>
            <Show when=has_webhook>
                <DeliveryLog id=id.get_value()/>
            </Show>
            <section class="card danger-zone">
                <h2>{app.t(B::DeleteTitle)}</h2>
                <p class="help">{app.t(B::DeleteLead)}</p>
                <button type="button" class="danger-outline delete-chatbot" on:click=move |_| confirm_delete.set(true)>{app.t(T::Delete)}</button>
            </section>
        </Show>
        <ConfirmDelete open=confirm_regenerate title=T::RegenerateTitle warning=T::RegenerateWarning confirm=T::RegenerateConfirm
            subject=Signal::derive(move || secret_label(&regenerate_which.get()).get(app.lang.get()).to_string())
            on_confirm=Callback::new(move |()| { regenerate.dispatch_local(regenerate_which.get_untracked()); })/>
        <ConfirmDelete open=confirm_delete title=T::DeleteChatbotTitle warning=T::DeleteChatbotWarning
            subject=Signal::derive(move || stored.get().map(|b| b.settings.name).unwrap_or_default())
            on_confirm=Callback::new(move |()| { delete.dispatch_local(()); })/>
    }
}
