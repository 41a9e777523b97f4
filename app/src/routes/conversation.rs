//! One conversation's transcript: where and with whom, every message (who
//! wrote it, which model), the visitor's votes on answers, what a limit
//! refused; and deleting it.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::api::conversations::{self, Conversation, Entry, Transcript};
use crate::api::ApiError;
use crate::components::confirm::ConfirmDelete;
use crate::components::on_change;
use crate::i18n::{fill, ConvText as C, T};
use crate::state::use_app;

/// `2026-12-01T00:00:00Z` in the browser's time zone: `2026-12-01 09:00`.
pub fn local_time(stamp: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(stamp));
    if date.get_time().is_nan() {
        return stamp.to_string();
    }
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// Where a conversation took place, in the admin's language.
pub fn place(app: crate::state::AppState, c: &Conversation) -> String {
    let lang = app.lang.get();
    match (c.origin.as_str(), &c.site) {
        ("site", Some(site)) => site.clone(),
        ("direct", _) => C::DirectPage.get(lang).to_string(),
        ("try", _) => format!(
            "{} ({})",
            C::Tries.get(lang),
            c.admin.clone().unwrap_or_default()
        ),
        _ => C::UnknownPlace.get(lang).to_string(),
    }
}

/// What a refusal's code means, in the admin's language.
fn refusal(code: &str, lang: crate::i18n::Lang) -> String {
    let key = match code {
        "visitor_rate_limited" => C::RefusedRateLimited,
        "token_budget_exhausted" => C::RefusedBudget,
        "model_busy" | "server_busy" => C::RefusedBusy,
        _ => {
            return fill(
                C::RefusedOther.get(lang),
                &serde_json::json!({"code": code}),
            )
        }
    };
    key.get(lang).to_string()
}

fn entry_view(app: crate::state::AppState, entry: Entry, votes: &BTreeMap<u64, String>) -> AnyView {
    let at = local_time(&entry.at);
    match entry.event.as_str() {
        "message" => {
            let author = entry.author.clone().unwrap_or_default();
            let who = match author.as_str() {
                "visitor" => C::AuthorVisitor,
                "model" => C::AuthorModel,
                _ => C::AuthorBot,
            };
            let model = entry.model.clone().map(|m| {
                move || {
                    fill(
                        app.t(C::AnsweredBy)(),
                        &serde_json::json!({"model": m.clone()}),
                    )
                }
            });
            let vote = votes.get(&entry.seq).map(|v| {
                let (mark, text) = if v == "up" { ("👍", C::VotedUp) } else { ("👎", C::VotedDown) };
                view! { <p class="vote" data-vote=v.clone()><span aria-hidden="true">{mark}" "</span>{app.t(text)}</p> }
            });
            view! {
                <li class=format!("message from-{author}") data-seq=entry.seq>
                    <p class="meta"><strong>{app.t(who)}</strong>" · "<time datetime=entry.at.clone()>{at}</time></p>
                    // Text only: a transcript never renders what visitors wrote as markup.
                    <p class="text">{entry.text.clone().unwrap_or_default()}</p>
                    {model.map(|m| view! { <p class="model">{m}</p> })}
                    {vote}
                </li>
            }
            .into_any()
        }
        "refused" => {
            let code = entry.code.clone().unwrap_or_default();
            view! {
                <li class="event refused" data-seq=entry.seq>
                    <time datetime=entry.at.clone()>{at}</time>" "{move || refusal(&code, app.lang.get())}
                </li>
            }
            .into_any()
        }
        "identified" => {
            let who = entry
                .visitor
                .as_ref()
                .map(|v| v.label())
                .unwrap_or_default();
            view! {
                <li class="event identified" data-seq=entry.seq>
                    <time datetime=entry.at.clone()>{at}</time>" "{move || fill(app.t(C::IdentifiedAs)(), &serde_json::json!({"who": who.clone()}))}
                </li>
            }
            .into_any()
        }
        "started" => view! {
            <li class="event started" data-seq=entry.seq>
                <time datetime=entry.at.clone()>{at}</time>" "{app.t(C::ConversationStarted)}
            </li>
        }
        .into_any(),
        // Votes show on the answer they are about.
        _ => ().into_any(),
    }
}

fn transcript_view(app: crate::state::AppState, t: Transcript) -> AnyView {
    let c = t.conversation.clone();
    // The standing vote on each answer: the last one given (none if taken back).
    let mut votes = BTreeMap::new();
    for entry in t.entries.iter().filter(|e| e.event == "feedback") {
        if let Some(message) = entry.message {
            match &entry.vote {
                Some(vote) => votes.insert(message, vote.clone()),
                None => votes.remove(&message),
            };
        }
    }
    let visitor = c
        .visitor
        .as_ref()
        .map(|v| v.label())
        .filter(|l| !l.is_empty());
    let bot_href = format!("/admin/chatbots/{}", c.bot);
    let bot_name = c.bot_name.clone();
    let where_ = {
        let c = c.clone();
        move || place(app, &c)
    };
    view! {
        <dl class="card conversation-facts">
            <dt>{app.t(C::Where)}</dt><dd class="place">{where_}</dd>
            <dt>{app.t(C::Bot)}</dt>
            <dd>{match bot_name { Some(name) => view! { <A href=bot_href>{name}</A> }.into_any(), None => view! { <span>{c.bot.clone()}" "{app.t(C::DeletedBot)}</span> }.into_any() }}</dd>
            <dt>{app.t(C::Visitor)}</dt>
            <dd class="visitor">{match visitor { Some(v) => v.into_any(), None => view! { <span class="muted">{app.t(C::Guest)}</span> }.into_any() }}</dd>
            <dt>{app.t(C::Started)}</dt><dd>{local_time(&c.started_at)}</dd>
            <dt>{app.t(C::LastActivity)}</dt><dd>{local_time(&c.last_at)}</dd>
            <dt>{app.t(C::Models)}</dt><dd>{if c.models.is_empty() { "–".to_string() } else { c.models.join(", ") }}</dd>
        </dl>
        {t.truncated.then(|| view! { <p class="notice">{app.t(C::Truncated)}</p> })}
        <ol class="card transcript" aria-label=app.t(C::TranscriptTitle)>
            {t.entries.into_iter().map(|e| entry_view(app, e, &votes)).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
pub fn ConversationScreen(id: String) -> impl IntoView {
    let app = use_app();
    let id = StoredValue::new(id);
    let transcript = LocalResource::new(move || {
        app.epoch.track();
        async move { conversations::transcript(&id.get_value()).await }
    });
    let confirm_open = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let navigate = use_navigate();
    let delete = Action::new_local(move |(): &()| {
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { conversations::delete_conversation(&csrf, &id.get_value()).await }
    });
    on_change(
        move || delete.value().get(),
        move |result| match result {
            // The router adds its base.
            Some(Ok(())) => navigate("/conversations", Default::default()),
            Some(Err(e)) => error.set(Some(e)),
            None => {}
        },
    );
    view! {
        <p class="breadcrumb"><A href="/admin/conversations">{app.t(C::BackToList)}</A></p>
        <h1 class="page-title">{app.t(C::TranscriptTitle)}" "<code>{id.get_value()}</code></h1>
        <p class="error" role="alert">{move || error.get().map(|e| e.text(app.lang.get()))}</p>
        <Transition fallback=move || view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }>
        {move || Suspend::new(async move { match transcript.await {
            Err(e) => view! { <p class="error" role="alert">{move || e.text(app.lang.get())}</p> }.into_any(),
            Ok(t) => view! {
                {transcript_view(app, t)}
                <p><button type="button" class="danger delete-conversation" on:click=move |_| confirm_open.set(true)>{app.t(C::DeleteConversation)}</button></p>
            }.into_any(),
        }})}
        </Transition>
        <ConfirmDelete open=confirm_open title=T::DeleteConversationTitle warning=T::DeleteConversationWarning
            subject=Signal::derive(move || id.get_value())
            on_confirm=Callback::new(move |()| { delete.dispatch_local(()); })/>
    }
}
