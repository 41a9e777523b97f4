//! The audit log, newest first, a page at a time.

use leptos::prelude::*;

use crate::api::{self, AuditEntry};
use crate::components::when;
use crate::i18n::{fill, AuditText, T};
use crate::state::use_app;

/// The action's name in the admin's language. Every action the server can
/// record is matched here: a new one without a text does not compile. An
/// action this build does not know (a newer server) shows as it is.
fn action_name(action: &str) -> Option<AuditText> {
    use switchboard_core::messages::AuditAction as A;
    Some(match A::parse(action)? {
        A::SiteCreate => AuditText::ActionSiteCreate,
        A::SiteUpdate => AuditText::ActionSiteUpdate,
        A::SiteDelete => AuditText::ActionSiteDelete,
        A::SiteClickToChatUpdate => AuditText::ActionSiteChat,
        A::InstanceClickToChatUpdate => AuditText::ActionInstanceChat,
        A::SiteRulesUpdate => AuditText::ActionSiteRules,
        A::InstanceRulesUpdate => AuditText::ActionInstanceRules,
        A::CalendarRefresh => AuditText::ActionCalendarRefresh,
        A::ApiKeyCreate => AuditText::ActionKeyCreate,
        A::ApiKeyRename => AuditText::ActionKeyRename,
        A::ApiKeyRegenerate => AuditText::ActionKeyRegenerate,
        A::ApiKeyDelete => AuditText::ActionKeyDelete,
        A::ChatbotCreate => AuditText::ActionChatbotCreate,
        A::ChatbotUpdate => AuditText::ActionChatbotUpdate,
        A::ChatbotDelete => AuditText::ActionChatbotDelete,
        A::ChatbotRegenerate => AuditText::ActionChatbotRegenerate,
        A::ChatbotImageSet => AuditText::ActionChatbotImageSet,
        A::ChatbotImageClear => AuditText::ActionChatbotImageClear,
        A::ChatbotTry => AuditText::ActionChatbotTry,
        A::ChatbotDeliveryResend => AuditText::ActionChatbotDeliveryResend,
        A::SessionLogin => AuditText::ActionLogin,
        A::SessionLogout => AuditText::ActionLogout,
        A::SessionLogoutEverywhere => AuditText::ActionLogoutEverywhere,
        A::AccountPasswordChange => AuditText::ActionPasswordChange,
        A::SetupCreateAdmin => AuditText::ActionSetup,
        A::AdminCreate => AuditText::ActionAdminCreate,
        A::ConversationDelete => AuditText::ActionConversationDelete,
        A::ConversationsExport => AuditText::ActionConversationsExport,
        A::ConversationSettingsUpdate => AuditText::ActionConversationSettings,
        A::ConversationsExpire => AuditText::ActionConversationsExpire,
    })
}

/// Who acted, in the admin's language.
fn actor_kind(kind: &str) -> Option<AuditText> {
    Some(match kind {
        "user" => AuditText::ActorUser,
        "api_key" => AuditText::ActorApiKey,
        "system" => AuditText::ActorSystem,
        "anonymous" => AuditText::ActorAnonymous,
        _ => return None,
    })
}

/// The entry's detail, worded from its code; the server's English otherwise.
fn detail(app: crate::state::AppState, entry: &AuditEntry) -> String {
    use switchboard_core::messages::AuditCode as C;
    // Every code the server can record has a text (a new one does not
    // compile without); one this build does not know shows its English detail.
    let template = match entry.code.as_deref().and_then(C::parse) {
        Some(C::WrongPassword) => AuditText::DetailWrongPassword,
        Some(C::NotItemized) => AuditText::DetailNotItemized,
        Some(C::SignedInAdminRequired) => AuditText::DetailSignedInAdminRequired,
        Some(C::KeyNamed) => AuditText::DetailKeyNamed,
        Some(C::TooManyAttempts) => AuditText::DetailTooManyAttempts,
        Some(C::CalendarUnreadable) => AuditText::DetailCalendarUnreadable,
        None => return entry.detail.clone().unwrap_or_default(),
    };
    fill(app.t(template)(), &entry.params)
}

#[component]
pub fn Audit() -> impl IntoView {
    let app = use_app();
    crate::state::set_title(AuditText::AuditTitle);
    let page = RwSignal::new(1usize);
    // Keyed on the page: a late answer for a page the admin already left
    // never replaces the one asked for last.
    let log = LocalResource::new(move || {
        let wanted = page.get();
        app.epoch.track();
        async move { api::audit(wanted).await }
    });
    view! {
        <h1 class="page-title">{app.t(AuditText::AuditTitle)}</h1>
        <p class="lead">{app.t(AuditText::AuditLead)}</p>
        // The page shown stays until the next one has arrived.
        <Transition fallback=move || view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }>
        {move || Suspend::new(async move { match log.await {
            Err(error) => view! { <p class="error" role="alert">{move || error.text(app.lang.get())}</p> }.into_any(),
            // A page past the end (the log was rotated meanwhile) offers the way back.
            Ok(log) if log.entries.is_empty() => view! {
                <p class="card empty">{app.t(AuditText::NoEntries)}</p>
                {(log.page > 1).then(|| view! { <button type="button" class="previous" on:click=move |_| page.set(1)>{app.t(AuditText::Previous)}</button> })}
            }.into_any(),
            Ok(log) => {
                let (current, pages) = (log.page, log.pages.max(1));
                view! {
                    // Focusable, so the keyboard can scroll it on a phone.
                    <div class="table-wrap card" tabindex="0" role="region" aria-label=app.t(AuditText::AuditTitle)>
                        <table class="audit">
                            <thead><tr>
                                <th scope="col">{app.t(AuditText::AuditWhen)}</th>
                                <th scope="col">{app.t(AuditText::AuditWho)}</th>
                                <th scope="col">{app.t(AuditText::AuditFrom)}</th>
                                <th scope="col">{app.t(AuditText::AuditWhat)}</th>
                                <th scope="col">{app.t(AuditText::AuditTarget)}</th>
                                <th scope="col">{app.t(AuditText::AuditChanged)}</th>
                                <th scope="col">{app.t(AuditText::AuditOutcome)}</th>
                                <th scope="col">{app.t(AuditText::AuditDetail)}</th>
                            </tr></thead>
                            <tbody>
                                {log.entries.into_iter().map(|e| {
                                    let ok = e.outcome == "success";
                                    let name = action_name(&e.action);
                                    let entry = e.clone();
                                    let detail_text = move || detail(app, &entry);
                                    // A key's entries name the key, not its id.
                                    let target = if e.action.starts_with("api_key.") { e.name.clone().or(e.target.clone()) } else { e.target.clone() };
                                    let mut changed = e.changed.join(", ");
                                    for (field, from, to) in &e.origins {
                                        for piece in ["; ", field, ": ", from, " → ", to] {
                                            changed.push_str(piece);
                                        }
                                    }
                                    view! {
                                    <tr data-entry=e.id>
                                        <td>{when(&e.at)}</td>
                                        <td>{e.actor.name}" "<span class="muted">"("{actor_kind(&e.actor.kind).map_or_else(|| e.actor.kind.clone(), |k| app.t(k)().to_string())}")"</span></td>
                                        <td>{e.ip.unwrap_or_default()}</td>
                                        <td>{name.map(|n| view! { <span class="action-name">{app.t(n)}</span>" " })}<code>{e.action}</code></td>
                                        <td class="wrap">{target.unwrap_or_default()}</td>
                                        <td class="wrap">{changed}</td>
                                        <td class=if ok { "ok" } else { "error" }>
                                            {move || if ok { app.t(AuditText::OutcomeSuccess)() } else { app.t(AuditText::OutcomeFailure)() }}
                                        </td>
                                        <td class="wrap detail">{detail_text}</td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <nav class="pager" aria-label=app.t(AuditText::PageOf)>
                        // aria-disabled, not disabled: a button that becomes disabled while
                        // focused drops the keyboard focus to <body>. Braces: the view
                        // macro would read `>=` as the end of the tag.
                        <button type="button" class="previous" aria-disabled={(current <= 1).to_string()} on:click=move |_| { if current > 1 { page.set(current - 1) } }>{app.t(AuditText::Previous)}</button>
                        <span class="page-count">{app.t(AuditText::PageOf)}" "{current}" / "{pages}</span>
                        <button type="button" class="next" aria-disabled={(current >= pages).to_string()} on:click=move |_| { if current < pages { page.set(current + 1) } }>{app.t(AuditText::Next)}</button>
                    </nav>
                }
                .into_any()
            }
        }})}
        </Transition>
    }
}
