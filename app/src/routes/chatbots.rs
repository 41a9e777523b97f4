//! Integrations → Chatbots: the list (name, reading, what answers, where it
//! is used, its direct link, last activity), and the way to add one.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::chatbots::{self, Chatbot};
use crate::components::when;
use crate::i18n::{fill, B, T};
use crate::state::use_app;

/// What answers the bot, in the admin's language.
pub fn answered_by(app: crate::state::AppState, bot: &Chatbot) -> String {
    let lang = app.lang.get();
    let mut parts = Vec::new();
    if let Some(kind) = &bot.model_kind {
        let kind = match kind.as_str() {
            "open_ai" => B::KindOpenAi,
            "azure" => B::KindAzure,
            _ => B::KindCompatible,
        };
        parts.push(kind.get(lang).to_string());
    }
    if bot.settings.webhook.is_some() {
        parts.push(B::UsesWebhook.get(lang).to_string());
    }
    if bot.settings.bot_api {
        parts.push(B::UsesBotApi.get(lang).to_string());
    }
    if parts.is_empty() {
        B::UsesNothing.get(lang).to_string()
    } else {
        parts.join(" · ")
    }
}

/// The sites whose chat the bot is, as links; or why there are none.
pub fn used_in(app: crate::state::AppState, bot: &Chatbot) -> AnyView {
    if bot.used_in_sites.is_empty() && !bot.used_by_instance {
        let none = if bot.settings.site_chat {
            B::NotUsedYet
        } else {
            B::NotForSites
        };
        return view! { <span class="muted">{app.t(none)}</span> }.into_any();
    }
    let sites = bot
        .used_in_sites
        .clone()
        .into_iter()
        .enumerate()
        .map(|(index, site)| {
            let href = format!("/admin/sites/{site}");
            view! { {(index > 0).then_some(", ")}<A href=href attr:class="used-site">{site}</A> }
        })
        .collect_view();
    let instance = bot
        .used_by_instance
        .then(|| view! { " " <span class="muted">{app.t(B::ViaInstance)}</span> });
    view! { <span>{sites}{instance}</span> }.into_any()
}

#[component]
pub fn Chatbots() -> impl IntoView {
    let app = use_app();
    B::register();
    crate::state::set_title(T::NavChatbots);
    let bots = LocalResource::new(move || {
        app.epoch.track();
        chatbots::chatbots()
    });
    view! {
        <h1 class="page-title">{app.t(T::NavChatbots)}</h1>
        <p class="lead">{app.t(B::ListLead)}</p>
        <p><A href="/admin/chatbots/new" attr:class="button primary add-chatbot">{app.t(B::AddChatbot)}</A></p>
        <Transition fallback=move || view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }>
        {move || Suspend::new(async move { match bots.await {
            Err(error) => view! { <p class="error" role="alert">{move || error.text(app.lang.get())}</p> }.into_any(),
            Ok(list) if list.is_empty() => view! { <p class="card empty">{app.t(B::NoChatbots)}</p> }.into_any(),
            Ok(list) => view! {
                <div class="table-wrap card">
                    <table class="chatbots">
                        <thead><tr>
                            <th scope="col">{app.t(B::Name)}</th>
                            <th scope="col">{app.t(B::AnsweredBy)}</th>
                            <th scope="col">{app.t(B::UsedInSites)}</th>
                            <th scope="col">{app.t(B::DirectLink)}</th>
                            <th scope="col">{app.t(B::TokensToday)}</th>
                            <th scope="col">{app.t(B::LastActivity)}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|bot| {
                                let href = format!("/admin/chatbots/{}", bot.id);
                                let used = used_in(app, &bot);
                                let uses = { let bot = bot.clone(); move || answered_by(app, &bot) };
                                let direct = bot.settings.direct_link.then(|| format!("/chat/{}", bot.id));
                                let tokens = { let (used, budget) = (bot.tokens_today, bot.settings.daily_token_budget);
                                    move || fill(app.t(B::TokensOfBudget)(), &serde_json::json!({"used": used, "budget": budget})) };
                                view! {
                                    <tr data-chatbot=bot.id.clone()>
                                        <td>
                                            <A href=href attr:class="chatbot-name">{bot.settings.name.clone()}</A>
                                            {(!bot.settings.reading.is_empty()).then(|| view! { <span class="reading">{bot.settings.reading.clone()}</span> })}
                                        </td>
                                        <td class="answered-by">{uses}</td>
                                        <td class="used-in">{used}</td>
                                        <td>{match direct { Some(path) => view! { <code>{path}</code> }.into_any(), None => view! { <span>{app.t(B::No)}</span> }.into_any() }}</td>
                                        <td>{tokens}</td>
                                        <td>{bot.last_activity_at.as_deref().map(when).unwrap_or_else(|| app.t(B::NeverActive)().to_string())}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any(),
        }})}
        </Transition>
    }
}
