//! One site: its details, its own Click to Chat settings (read-only under
//! Always Inherit), what applies now and why, the embed code and the CSP.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::json;
use switchboard_core::errors::FieldWarning;
use switchboard_core::settings::Strategy;
use switchboard_core::site::Site;

use crate::api::{self, Effective, FieldProblem};
use crate::components::chat_settings::{
    guard_unsaved, ChatFields, ChatForm, Notice, SaveBar, SaveState,
};
use crate::components::confirm::ConfirmDelete;
use crate::components::domains::{domains_error, parse_domains};
use crate::components::field_message;
use crate::i18n::T;
use crate::state::use_app;

#[component]
pub fn SitePage() -> impl IntoView {
    let app = use_app();
    crate::state::set_title(T::SitesTitle);
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());

    // Details
    let site = RwSignal::new(None::<Result<Site, String>>);
    let site_etag = RwSignal::new(None::<String>);
    let name = RwSignal::new(String::new());
    let domains = RwSignal::new(String::new());
    let detail_errors = RwSignal::new(Vec::<FieldProblem>::new());
    let detail_notice = RwSignal::new(None::<Notice>);
    let detail_pending = RwSignal::new(false);
    // The site does not exist (a typed address, or Back after deleting it).
    let missing = RwSignal::new(false);

    // Click to Chat
    let form = RwSignal::new(None::<ChatForm>);
    let saved = RwSignal::new(None::<ChatForm>);
    let etag = RwSignal::new(None::<String>);
    let warnings = RwSignal::new(Vec::<FieldWarning>::new());
    let errors = RwSignal::new(Vec::<FieldProblem>::new());
    let notice = RwSignal::new(None::<Notice>);
    let pending = RwSignal::new(false);
    let effective = RwSignal::new(None::<Effective>);
    let csp = RwSignal::new(None::<api::Csp>);

    let refresh_effective = move || {
        let id = id.get_untracked();
        leptos::task::spawn_local(async move {
            effective.set(api::effective(&id).await.ok());
            csp.set(api::csp(&id).await.ok());
        });
    };
    let load_details = move || {
        let id = id.get_untracked();
        leptos::task::spawn_local(async move {
            match api::site(&id).await {
                Ok(answer) => {
                    name.set(answer.body.name.clone());
                    domains.set(answer.body.domains.join("\n"));
                    site_etag.set(answer.etag);
                    missing.set(false);
                    site.set(Some(Ok(answer.body)));
                }
                Err(error) if error.status() == 404 => missing.set(true),
                Err(error) => site.set(Some(Err(error.text(app.lang.get_untracked())))),
            }
        });
    };
    let load_settings = move || {
        let id = id.get_untracked();
        leptos::task::spawn_local(async move {
            if let Ok(answer) = api::site_settings(&id).await {
                let loaded = ChatForm::from(&answer.body.settings);
                form.set(Some(loaded.clone()));
                saved.set(Some(loaded));
                etag.set(answer.etag);
                warnings.set(answer.body.warnings);
                errors.set(Vec::new());
            }
        });
    };
    Effect::new(move |_| {
        id.track();
        load_details();
        load_settings();
        refresh_effective();
    });
    // After signing in again: load what failed, keep what the admin edits.
    Effect::new(move |first_done: Option<()>| {
        app.epoch.track();
        if first_done.is_some() {
            if !matches!(site.get_untracked(), Some(Ok(_))) {
                load_details();
            }
            if form.get_untracked().is_none() {
                load_settings();
            }
            refresh_effective();
        }
    });

    let dirty = Signal::derive(move || form.get() != saved.get());
    // Name and domains typed but not saved count too.
    let details_dirty = Signal::derive(move || {
        site.with(|s| match s {
            Some(Ok(site)) => {
                name.with(|n| n.trim() != site.name)
                    || domains.with(|d| parse_domains(d) != site.domains)
            }
            _ => false,
        })
    });
    guard_unsaved(Signal::derive(move || dirty.get() || details_dirty.get()));
    let readonly = Signal::derive(move || {
        effective
            .get()
            .is_some_and(|e| e.strategy == Strategy::AlwaysInherit)
    });
    let on_edit = Callback::new(move |()| {
        if notice.get_untracked() == Some(Notice::Saved) {
            notice.set(None);
        }
    });

    let save_details = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(session) = app.session() else { return };
        let body = json!({"name": name.get_untracked(), "domains": parse_domains(&domains.get_untracked())});
        let id = id.get_untracked();
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if detail_pending.get_untracked() {
            return;
        }
        detail_pending.set(true);
        leptos::task::spawn_local(async move {
            match api::update_site(
                &session.csrf_token,
                &id,
                site_etag.get_untracked().as_deref(),
                &body,
            )
            .await
            {
                Ok(answer) => {
                    site_etag.set(answer.etag);
                    domains.set(answer.body.domains.join("\n"));
                    site.set(Some(Ok(answer.body)));
                    detail_errors.set(Vec::new());
                    detail_notice.set(Some(Notice::Saved));
                }
                Err(error) if error.status() == 412 => detail_notice.set(Some(Notice::Stale)),
                Err(error) if !error.fields().is_empty() => {
                    detail_errors.set(error.fields().to_vec());
                    detail_notice.set(Some(Notice::Invalid));
                    crate::components::focus_first_invalid();
                }
                Err(error) => detail_notice.set(Some(Notice::Failed(error))),
            }
            detail_pending.set(false);
        });
    };

    let save_settings = move |ev: SubmitEvent| {
        ev.prevent_default();
        let (Some(chat), Some(session)) = (form.get_untracked(), app.session()) else {
            return;
        };
        let id = id.get_untracked();
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
            match api::save_site_settings(
                &session.csrf_token,
                &id,
                etag.get_untracked().as_deref(),
                &chat.body().into(),
            )
            .await
            {
                Ok(answer) => {
                    state.saved(
                        &ChatForm::from(&answer.body.settings),
                        answer.etag,
                        answer.body.warnings,
                    );
                    saved.set(form.get_untracked());
                    refresh_effective();
                }
                Err(error) => state.failed(&error),
            }
            pending.set(false);
        });
    };

    let confirm_open = RwSignal::new(false);
    let navigate = use_navigate();
    let delete = Callback::new(move |()| {
        let Some(session) = app.session() else { return };
        let id = id.get_untracked();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::delete_site(&session.csrf_token, &id).await {
                Ok(()) => {
                    saved.set(form.get_untracked());
                    // Nothing of a deleted site is "unsaved".
                    site.set(None);
                    // The router adds its base (/admin) itself.
                    navigate("/sites", Default::default());
                }
                Err(error) => detail_notice.set(Some(Notice::Failed(error))),
            }
        });
    });

    let detail_problem = move |field: &'static str| {
        move || detail_errors.with(|e| field_message(e, field, app.lang.get()))
    };
    let origin = window().location().origin().unwrap_or_default();
    let embed = Memo::new(move |_| {
        format!(
            r#"<script async src="{origin}/widget.js" data-site="{}"></script>"#,
            id.get()
        )
    });
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let _ = window()
            .navigator()
            .clipboard()
            .write_text(&embed.get_untracked());
        crate::components::flash(copied);
    };

    let site_name = Signal::derive(move || {
        site.with(|s| {
            s.as_ref()
                .and_then(|s| s.as_ref().ok())
                .map_or_else(|| id.get(), |s| s.name.clone())
        })
    });
    let not_found = move || {
        view! {
            <h1 class="page-title">{app.t(T::SiteNotFoundTitle)}</h1>
            <p role="alert">{move || crate::i18n::fill(app.t(T::SiteNotFoundLead)(), &json!({"site": id.get()}))}</p>
            <p><A href="/admin/sites">{app.t(T::BackToSites)}</A></p>
        }
    };
    view! {
        <p class="breadcrumb"><A href="/admin/sites" exact=true>"← "{app.t(T::BackToSites)}</A></p>
        <Show when=move || !missing.get() fallback=not_found>
        {move || match site.get() {
            None => view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }.into_any(),
            Some(Err(message)) => view! { <h1 class="page-title">{id.get()}</h1><p class="error" role="alert">{message}</p> }.into_any(),
            Some(Ok(site)) => view! { <h1 class="page-title">{site.name}</h1><p class="lead"><code>{site.id}</code></p> }.into_any(),
        }}

        <section class="card effective" aria-labelledby="effective-title">
            <h2 id="effective-title">{app.t(T::EffectiveTitle)}</h2>
            {move || effective.get().map(|e| {
                let lang = app.lang.get();
                let reason = T::for_reason(&e.reason.code).map_or(e.reason.message.clone(), |t| t.get(lang).to_string());
                let summary = match (e.enabled, e.provider) {
                    (true, Some(provider)) => format!(
                        "{}, {}",
                        provider.provider().name,
                        if e.source == "site" { T::FromSite.get(lang) } else { T::FromInstance.get(lang) }
                    ),
                    _ => T::EffectiveNone.get(lang).to_string(),
                };
                let inactive = e.inactive.as_ref().map(|i| T::for_reason(&i.code).map_or(i.message.clone(), |t| t.get(lang).to_string()));
                let audience = e.enabled.then(|| if e.guest_users_allowed { T::GuestsToo.get(lang) } else { T::SignedInOnly.get(lang) });
                view! {
                    <p class="effective-summary"><strong>{summary}</strong></p>
                    <p class="effective-reason">{reason}</p>
                    {inactive.map(|text| view! { <p class="effective-inactive">{text}</p> })}
                    {audience.map(|text| view! { <p class="help">{text}</p> })}
                }
            })}
        </section>

        <section class="card" aria-labelledby="embed-title">
            <h2 id="embed-title">{app.t(T::EmbedTitle)}</h2>
            <p class="help">{app.t(T::EmbedHelp)}</p>
            <pre class="code"><code id="embed-code">{move || embed.get()}</code></pre>
            <button type="button" on:click=copy>{app.t(T::Copy)}</button>
            <span class="notice ok" role="status">{move || copied.get().then(|| app.t(T::Copied)())}</span>
            <p>
                <a href=move || format!("/demo?site={}&lang={}", id.get(), app.lang.get().code()) target="_blank" rel="noopener">
                    {app.t(T::TryOnDemo)}
                </a>
            </p>
        </section>

        <section class="card" aria-labelledby="csp-title">
            <h2 id="csp-title">{app.t(T::CspTitle)}</h2>
            <p class="help">{app.t(T::CspHelp)}</p>
            {move || csp.get().map(|c| view! { <pre class="code"><code id="csp-policy">{c.policy}</code></pre><p class="help">{move || crate::i18n::csp_note(app.lang.get(), &c.note_code).map_or_else(|| c.note.clone(), str::to_string)}</p> })}
        </section>

        <h2 class="section-title">{app.t(T::SiteC2cTitle)}</h2>
        <p class="notice readonly" role="note" hidden=move || !readonly.get()>{app.t(T::ReadOnlyAlwaysInherit)}</p>
        <Show when=move || form.with(Option::is_some)>
            <form class="settings-form" id="site-settings" novalidate on:submit=save_settings>
                <ChatFields form errors warnings readonly on_edit enable_help=T::EnableSiteC2cHelp/>
                <SaveBar pending dirty notice on_reload=Callback::new(move |()| load_settings()) disabled=readonly/>
            </form>
        </Show>

        <form class="card" novalidate on:submit=save_details aria-labelledby="details-title">
            <h2 id="details-title">{app.t(T::SiteDetails)}</h2>
            <div class="field">
                <label for="site-name">{app.t(T::SiteName)}</label>
                <input id="site-name" prop:value=name on:input:target=move |ev| name.set(ev.target().value())
                    aria-invalid=move || detail_problem("name")().is_some().to_string() aria-describedby="site-name-error"/>
                <p id="site-name-error" class="field-error" role="alert">{detail_problem("name")}</p>
            </div>
            <div class="field">
                <label for="site-domains">{app.t(T::SiteDomains)}</label>
                <textarea id="site-domains" rows="3" spellcheck="false" prop:value=domains
                    on:input:target=move |ev| domains.set(ev.target().value()) aria-describedby="site-domains-help site-domains-error"
                    aria-invalid=move || detail_errors.with(|e| domains_error(e, app.lang.get()).is_some()).to_string()></textarea>
                <p id="site-domains-help" class="help">{app.t(T::SiteDomainsHelp)}</p>
                <p id="site-domains-error" class="field-error" role="alert">{move || detail_errors.with(|e| domains_error(e, app.lang.get()))}</p>
            </div>
            <SaveBar pending=detail_pending dirty=details_dirty notice=detail_notice on_reload=Callback::new(move |()| load_details())/>
            <p>
                <button type="button" class="danger-outline" on:click=move |_| confirm_open.set(true)>{app.t(T::Delete)}</button>
            </p>
        </form>
        <ConfirmDelete open=confirm_open title=T::DeleteSiteTitle warning=T::DeleteSiteWarning subject=site_name on_confirm=delete/>
        </Show>
    }
}
