//! Conversations: the list by place (site, direct page, tries), chatbot and
//! dates, a page at a time; the export of a date range; and the retention.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::conversations::{self, Conversation, Filter};
use crate::api::{self, ApiError};
use crate::components::{field_error_text, general_error_text, on_change};
use crate::i18n::{fill, ConvText as C, T};
use crate::routes::conversation::{local_time, place, ConversationScreen};
use crate::state::use_app;

/// `/conversations` and `/conversations/{id}`: one route and one chunk (each
/// lazy route costs the main module its own copy of the router's code).
#[component]
pub fn ConversationsPage() -> impl IntoView {
    crate::state::set_title(T::NavConversations);
    let params = leptos_router::hooks::use_params_map();
    let id = Memo::new(move |_| params.read().get("id").filter(|id| !id.is_empty()));
    move || match id.get() {
        Some(id) => view! { <ConversationScreen id=id/> }.into_any(),
        None => view! { <Conversations/> }.into_any(),
    }
}

/// A date input's `YYYY-MM-DD` as the RFC 3339 time of its first (or last)
/// second in the browser's time zone; "" for none.
fn local_bound(date: &str, end: bool) -> String {
    let mut parts = date.splitn(3, '-').map(str::parse::<i32>);
    let (Some(Ok(year)), Some(Ok(month)), Some(Ok(day))) =
        (parts.next(), parts.next(), parts.next())
    else {
        return String::new();
    };
    let (hour, minute, second) = if end { (23, 59, 59) } else { (0, 0, 0) };
    let at = js_sys::Date::new_with_year_month_day_hr_min_sec(
        u32::try_from(year).unwrap_or_default(),
        month - 1,
        day,
        hour,
        minute,
        second,
    );
    // getTimezoneOffset is UTC minus local, in minutes.
    let east = -(at.get_timezone_offset() as i32);
    let sign = if east < 0 { '-' } else { '+' };
    let east = east.abs();
    format!(
        "{date}T{hour:02}:{minute:02}:{second:02}{sign}{:02}:{:02}",
        east / 60,
        east % 60
    )
}

#[component]
fn Conversations() -> impl IntoView {
    let app = use_app();
    let place_choice = RwSignal::new(String::new());
    let bot = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let filter = Memo::new(move |_| Filter {
        place: place_choice.get(),
        bot: bot.get(),
        since: local_bound(&from.get(), false),
        until: local_bound(&to.get(), true),
    });
    // The pages read so far: `before` of each (None: the first).
    let pages = RwSignal::new(vec![None::<String>]);
    on_change(move || filter.get(), move |_| pages.set(vec![None]));
    let list = LocalResource::new(move || {
        app.epoch.track();
        let (wanted, before) = (filter.get(), pages.with(|p| p.last().cloned().flatten()));
        async move { conversations::conversations(&wanted, before.as_deref()).await }
    });

    let sites = RwSignal::new(Vec::<(String, String)>::new());
    let bots = RwSignal::new(Vec::<(String, String)>::new());
    leptos::task::spawn_local(async move {
        let found = api::sites().await.unwrap_or_default();
        sites.set(found.into_iter().map(|s| (s.id, s.name)).collect());
        let found = api::chatbots::chatbots().await.unwrap_or_default();
        bots.set(found.into_iter().map(|b| (b.id, b.settings.name)).collect());
    });

    let row = move |c: Conversation| {
        let href = format!("/admin/conversations/{}", c.id);
        let where_ = {
            let c = c.clone();
            move || place(app, &c)
        };
        let bot_name = c.bot_name.clone().unwrap_or_else(|| c.bot.clone());
        let visitor = c
            .visitor
            .as_ref()
            .map(|v| v.label())
            .filter(|l| !l.is_empty());
        let models = c.models.join(", ");
        view! {
            <tr data-conversation=c.id.clone()>
                <td><A href=href attr:class="conversation-link">{local_time(&c.started_at)}</A></td>
                <td>{local_time(&c.last_at)}</td>
                <td class="place">{where_}</td>
                <td>{bot_name}</td>
                <td class="visitor">{match visitor { Some(v) => v.into_any(), None => view! { <span class="muted">{app.t(C::Guest)}</span> }.into_any() }}</td>
                <td class="messages">{c.messages}</td>
                <td class="feedback">
                    <span aria-label=app.t(C::VotedUp) title=app.t(C::VotedUp)>"👍 "{c.votes_up}</span>" "
                    <span aria-label=app.t(C::VotedDown) title=app.t(C::VotedDown)>"👎 "{c.votes_down}</span>
                </td>
                <td class="models">{models}</td>
            </tr>
        }
    };

    view! {
        <h1 class="page-title">{app.t(T::NavConversations)}</h1>
        <p class="lead">{app.t(C::Lead)}</p>
        <form class="card filters" role="search" on:submit=|ev| ev.prevent_default()>
            <div class="field">
                <label for="conversation-place">{app.t(C::Where)}</label>
                <select id="conversation-place" on:change:target=move |ev| place_choice.set(ev.target().value())>
                    <option value="">{app.t(C::AllPlaces)}</option>
                    {move || sites.get().into_iter().map(|(id, name)| { let label = format!("{name} ({id})"); view! { <option value=id>{label}</option> } }).collect_view()}
                    <option value="direct">{app.t(C::DirectPage)}</option>
                    <option value="try">{app.t(C::Tries)}</option>
                </select>
            </div>
            <div class="field">
                <label for="conversation-bot">{app.t(C::Bot)}</label>
                <select id="conversation-bot" on:change:target=move |ev| bot.set(ev.target().value())>
                    <option value="">{app.t(C::AllBots)}</option>
                    {move || bots.get().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="conversation-from">{app.t(C::From)}</label>
                <input id="conversation-from" type="date" aria-describedby="conversation-dates-help"
                    prop:value=move || from.get() on:change:target=move |ev| from.set(ev.target().value())/>
            </div>
            <div class="field">
                <label for="conversation-to">{app.t(C::To)}</label>
                <input id="conversation-to" type="date" aria-describedby="conversation-dates-help"
                    prop:value=move || to.get() on:change:target=move |ev| to.set(ev.target().value())/>
            </div>
            <p class="help" id="conversation-dates-help">{app.t(C::DatesHelp)}</p>
        </form>
        <Transition fallback=move || view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }>
        {move || Suspend::new(async move { match list.await {
            Err(error) => view! { <p class="error" role="alert">{move || error.text(app.lang.get())}</p> }.into_any(),
            Ok(found) => {
                let total = found.total;
                let next = found.next.clone();
                let has_newer = pages.with(|p| p.len() > 1);
                view! {
                    <p class="conversation-total" role="status">{move || fill(app.t(C::Total)(), &serde_json::json!({"count": total}))}</p>
                    {if found.conversations.is_empty() {
                        view! { <p class="card empty">{app.t(C::NoConversations)}</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-wrap card" tabindex="0" role="region" aria-label=app.t(T::NavConversations)>
                                <table class="conversations">
                                    <thead><tr>
                                        <th scope="col">{app.t(C::Started)}</th>
                                        <th scope="col">{app.t(C::LastActivity)}</th>
                                        <th scope="col">{app.t(C::Where)}</th>
                                        <th scope="col">{app.t(C::Bot)}</th>
                                        <th scope="col">{app.t(C::Visitor)}</th>
                                        <th scope="col">{app.t(C::Messages)}</th>
                                        <th scope="col">{app.t(C::Feedback)}</th>
                                        <th scope="col">{app.t(C::Models)}</th>
                                    </tr></thead>
                                    <tbody>{found.conversations.into_iter().map(row).collect_view()}</tbody>
                                </table>
                            </div>
                        }.into_any()
                    }}
                    <nav class="pager" aria-label=app.t(T::NavConversations)>
                        <button type="button" class="previous" aria-disabled={(!has_newer).to_string()}
                            on:click=move |_| pages.update(|p| { if p.len() > 1 { p.pop(); } })>{app.t(C::Newer)}</button>
                        <button type="button" class="next" aria-disabled={next.is_none().to_string()}
                            on:click=move |_| { if let Some(next) = next.clone() { pages.update(|p| p.push(Some(next))) } }>{app.t(C::Older)}</button>
                    </nav>
                }.into_any()
            }
        }})}
        </Transition>
        <Export filter=filter/>
        <Retention/>
    }
}

/// The export: both dates are required; the browser downloads the file.
#[component]
fn Export(filter: Memo<Filter>) -> impl IntoView {
    let app = use_app();
    let format = RwSignal::new("csv".to_string());
    let ready = move || filter.with(|f| !f.since.is_empty() && !f.until.is_empty());
    view! {
        <section class="card export" aria-labelledby="export-title">
            <h2 id="export-title">{app.t(C::ExportTitle)}</h2>
            <p class="help">{app.t(C::ExportLead)}</p>
            <fieldset class="choices">
                <legend>{app.t(C::Format)}</legend>
                <label><input type="radio" name="export-format" value="csv" prop:checked=move || format.get() == "csv" on:change=move |_| format.set("csv".into())/>" "{app.t(C::Csv)}</label>
                <label><input type="radio" name="export-format" value="jsonl" prop:checked=move || format.get() == "jsonl" on:change=move |_| format.set("jsonl".into())/>" "{app.t(C::JsonLines)}</label>
            </fieldset>
            {move || if ready() {
                let href = conversations::export_url(&filter.get(), &format.get());
                view! { <a class="button primary download" href=href download="">{app.t(C::Download)}</a> }.into_any()
            } else {
                view! { <p class="notice export-needs-dates">{app.t(C::ExportNeedsDates)}</p> }.into_any()
            }}
        </section>
    }
}

#[component]
fn Retention() -> impl IntoView {
    let app = use_app();
    let days = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        match conversations::retention_days().await {
            Ok(current) => days.set(current.to_string()),
            Err(e) => error.set(Some(e)),
        }
    });
    let save = Action::new_local(move |value: &serde_json::Value| {
        let (value, csrf) = (
            value.clone(),
            app.session().map(|s| s.csrf_token).unwrap_or_default(),
        );
        async move { conversations::save_retention_days(&csrf, &value).await }
    });
    on_change(
        move || save.value().get(),
        move |done| match done {
            Some(Ok(current)) => {
                error.set(None);
                days.set(current.to_string());
                crate::components::flash(saved);
            }
            Some(Err(e)) => error.set(Some(e)),
            None => {}
        },
    );
    let field_error = field_error_text(error, "retention_days");
    let general = general_error_text(error);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A number when it reads as one; the server words whatever else.
        let raw = days.get_untracked();
        let value = raw
            .trim()
            .parse::<u64>()
            .map_or(serde_json::Value::from(raw), serde_json::Value::from);
        save.dispatch_local(value);
    };
    view! {
        <section class="card retention" aria-labelledby="retention-title">
            <h2 id="retention-title">{app.t(C::RetentionTitle)}</h2>
            <form on:submit=submit novalidate>
                <div class="field">
                    <label for="retention-days">{app.t(C::RetentionDays)}</label>
                    <input id="retention-days" type="number" min="1" max="3650" inputmode="numeric"
                        aria-describedby="retention-help retention-error"
                        aria-invalid=move || field_error().is_some().to_string()
                        prop:value=move || days.get() on:input:target=move |ev| days.set(ev.target().value())/>
                    <p class="help" id="retention-help">{app.t(C::RetentionLead)}</p>
                    <p class="field-error" id="retention-error">{field_error}</p>
                </div>
                <button type="submit" class="primary save-retention">{app.t(C::Save)}</button>
                <span class="saved" role="status">{move || saved.get().then(|| app.t(C::Saved)())}</span>
                <p class="error" role="alert">{general}</p>
            </form>
        </section>
    }
}
