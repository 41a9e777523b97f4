//! One site: its details, its own Click to Chat settings (read-only under
//! Always Inherit), what applies now and why, the embed code and the CSP.
//!
//! Each site gets a screen of its own (`SiteScreen`, rebuilt when the address
//! names another site): what was loaded, typed or being saved for one site
//! can never reach another's. Data comes from resources; saves are actions.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::json;
use switchboard_core::errors::FieldWarning;
use switchboard_core::settings::Strategy;
use switchboard_core::site::Site;

use crate::api::{self, Answer, ApiError, Effective, FieldProblem};
use crate::components::chat_settings::{
    guard_unsaved, ChatFields, ChatForm, Notice, SaveBar, SaveState,
};
use crate::components::confirm::ConfirmDelete;
use crate::components::domains::{domains_error, parse_domains};
use crate::components::field_message;
use crate::components::on_change;
use crate::i18n::{SiteText, T};
use crate::state::use_app;

#[component]
pub fn SitePage() -> impl IntoView {
    crate::state::set_title(T::SitesTitle);
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    move || view! { <SiteScreen id=id.get()/> }
}

/// The server's copy of the site (as last loaded or saved) and its revision.
#[derive(Clone, Copy)]
struct Stored {
    site: RwSignal<Option<Site>>,
    etag: RwSignal<Option<String>>,
}

#[component]
fn SiteScreen(id: String) -> impl IntoView {
    let app = use_app();
    let id = StoredValue::new(id);
    let details = LocalResource::new(move || {
        app.epoch.track();
        async move { api::site(&id.get_value()).await }
    });
    let stored = Stored {
        site: RwSignal::new(None),
        etag: RwSignal::new(None),
    };
    let name = RwSignal::new(String::new());
    let domains = RwSignal::new(String::new());
    // Two forms, one question before leaving: is anything in either unsaved?
    let settings_unsaved = RwSignal::new(false);
    let details_unsaved = RwSignal::new(false);
    guard_unsaved(Signal::derive(move || {
        settings_unsaved.get() || details_unsaved.get()
    }));
    // The loaded copy becomes the form's. "Load their version" replaces the
    // admin's edits; loading again after signing in again keeps them.
    let replace_edits = StoredValue::new(false);
    on_change(
        move || details.get(),
        move |answer| {
            if let Some(Ok(answer)) = answer {
                if details_unsaved.get_untracked() && !replace_edits.get_value() {
                    return;
                }
                replace_edits.set_value(false);
                name.set(answer.body.name.clone());
                domains.set(answer.body.domains.join("\n"));
                stored.etag.set(answer.etag);
                stored.site.set(Some(answer.body));
            }
        },
    );
    let missing = move || matches!(details.get(), Some(Err(e)) if e.status() == 404);
    let effective = LocalResource::new(move || {
        app.epoch.track();
        async move { api::effective(&id.get_value()).await }
    });

    let not_found = move || {
        view! {
            <h1 class="page-title">{app.t(SiteText::SiteNotFoundTitle)}</h1>
            <p role="alert">{move || crate::i18n::fill(app.t(SiteText::SiteNotFoundLead)(), &json!({"site": id.get_value()}))}</p>
            <p><A href="/admin/sites">{app.t(SiteText::BackToSites)}</A></p>
        }
    };
    let heading = move || {
        match (stored.site.get(), details.get()) {
        (Some(site), _) => view! { <h1 class="page-title">{site.name}</h1><p class="lead"><code>{site.id}</code></p> }.into_any(),
        (None, Some(Err(error))) => view! { <h1 class="page-title">{id.get_value()}</h1><p class="error" role="alert">{move || error.text(app.lang.get())}</p> }.into_any(),
        (None, _) => view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }.into_any(),
    }
    };
    view! {
        <p class="breadcrumb"><A href="/admin/sites" exact=true>"← "{app.t(SiteText::BackToSites)}</A></p>
        <Show when=move || !missing() fallback=not_found>
            {heading}
            <EffectiveCard effective/>
            <EmbedCard id=id.get_value()/>
            <CspCard id=id.get_value()/>
            <SiteChatSettings id=id.get_value() effective unsaved=settings_unsaved/>
            <Show when=move || stored.site.with(Option::is_some)>
                <SiteDetails id=id.get_value() stored name domains unsaved=details_unsaved
                    reload=Callback::new(move |()| {
                        replace_edits.set_value(true);
                        details.refetch();
                    })/>
            </Show>
        </Show>
    }
}

/// What applies to the site now, and why.
#[component]
fn EffectiveCard(effective: LocalResource<Result<Effective, ApiError>>) -> impl IntoView {
    let app = use_app();
    let summary = move || {
        effective.get().and_then(Result::ok).map(|e| {
            let lang = app.lang.get();
            let reason = T::for_reason(&e.reason.code)
                .map_or(e.reason.message.clone(), |t| t.get(lang).to_string());
            let summary = match (e.enabled, e.provider) {
                (true, Some(provider)) => format!(
                    "{}, {}",
                    provider.provider().name,
                    if e.source == "site" {
                        SiteText::FromSite.get(lang)
                    } else {
                        SiteText::FromInstance.get(lang)
                    }
                ),
                _ => SiteText::EffectiveNone.get(lang).to_string(),
            };
            let inactive = e.inactive.as_ref().map(|i| {
                T::for_reason(&i.code).map_or(i.message.clone(), |t| t.get(lang).to_string())
            });
            let audience = e.enabled.then(|| {
                if e.guest_users_allowed {
                    SiteText::GuestsToo.get(lang)
                } else {
                    SiteText::SignedInOnly.get(lang)
                }
            });
            view! {
                <p class="effective-summary"><strong>{summary}</strong></p>
                <p class="effective-reason">{reason}</p>
                {inactive.map(|text| view! { <p class="effective-inactive">{text}</p> })}
                {audience.map(|text| view! { <p class="help">{text}</p> })}
            }
        })
    };
    view! {
        <section class="card effective" aria-labelledby="effective-title">
            <h2 id="effective-title">{app.t(SiteText::EffectiveTitle)}</h2>
            {summary}
        </section>
    }
}

/// The tag to paste into the site's pages, and the demo page for it.
#[component]
fn EmbedCard(id: String) -> impl IntoView {
    let app = use_app();
    let origin = window().location().origin().unwrap_or_default();
    // `crossorigin`: the loader's script and its config request then share
    // one connection (a credentialed script fetch would need its own).
    let embed = format!(
        r#"<script async crossorigin="anonymous" src="{origin}/widget.js" data-site="{id}"></script>"#
    );
    let copied = RwSignal::new(false);
    let copy = {
        let embed = embed.clone();
        move |_| {
            let _ = window().navigator().clipboard().write_text(&embed);
            crate::components::flash(copied);
        }
    };
    view! {
        <section class="card" aria-labelledby="embed-title">
            <h2 id="embed-title">{app.t(SiteText::EmbedTitle)}</h2>
            <p class="help">{app.t(SiteText::EmbedHelp)}</p>
            <pre class="code"><code id="embed-code">{embed}</code></pre>
            <button type="button" on:click=copy>{app.t(T::Copy)}</button>
            <span class="notice ok" role="status">{move || copied.get().then(|| app.t(T::Copied)())}</span>
            <p>
                <a href=move || format!("/demo?site={id}&lang={}", app.lang.get().code()) target="_blank" rel="noopener">
                    {app.t(SiteText::TryOnDemo)}
                </a>
            </p>
        </section>
    }
}

/// The Content-Security-Policy the site's pages need for its chat.
#[component]
fn CspCard(id: String) -> impl IntoView {
    let app = use_app();
    let id = StoredValue::new(id);
    let csp = LocalResource::new(move || {
        app.epoch.track();
        async move { api::csp(&id.get_value()).await }
    });
    let policy = move || {
        csp.get().and_then(Result::ok).map(|c| {
            let note = move || {
                crate::i18n::csp_note(app.lang.get(), &c.note_code)
                    .map_or_else(|| c.note.clone(), str::to_string)
            };
            view! { <pre class="code"><code id="csp-policy">{c.policy.clone()}</code></pre><p class="help">{note}</p> }
        })
    };
    view! {
        <section class="card" aria-labelledby="csp-title">
            <h2 id="csp-title">{app.t(SiteText::CspTitle)}</h2>
            <p class="help">{app.t(SiteText::CspHelp)}</p>
            {policy}
        </section>
    }
}

/// The site's own Click to Chat settings; read-only under Always Inherit.
#[component]
fn SiteChatSettings(
    id: String,
    effective: LocalResource<Result<Effective, ApiError>>,
    /// Set while the form differs from what is saved.
    unsaved: RwSignal<bool>,
) -> impl IntoView {
    let app = use_app();
    let id = StoredValue::new(id);
    let loaded = LocalResource::new(move || {
        app.epoch.track();
        async move { api::site_settings(&id.get_value()).await }
    });
    let form = RwSignal::new(None::<ChatForm>);
    let saved = RwSignal::new(None::<ChatForm>);
    let etag = RwSignal::new(None::<String>);
    let warnings = RwSignal::new(Vec::<FieldWarning>::new());
    let errors = RwSignal::new(Vec::<FieldProblem>::new());
    let notice = RwSignal::new(None::<Notice>);
    // "Load their version" replaces the admin's edits; signing in again keeps them.
    let replace_edits = StoredValue::new(false);
    on_change(
        move || loaded.get(),
        move |answer| {
            if let Some(Ok(answer)) = answer {
                if form.get_untracked() != saved.get_untracked() && !replace_edits.get_value() {
                    return;
                }
                replace_edits.set_value(false);
                let loaded = ChatForm::from(&answer.body.settings);
                form.set(Some(loaded.clone()));
                saved.set(Some(loaded));
                etag.set(answer.etag);
                warnings.set(answer.body.warnings);
                errors.set(Vec::new());
            }
        },
    );
    let dirty = Signal::derive(move || form.get() != saved.get());
    Effect::new(move |_| unsaved.set(dirty.get()));
    let readonly = Signal::derive(move || {
        effective
            .get()
            .and_then(Result::ok)
            .is_some_and(|e| e.strategy == Strategy::AlwaysInherit)
    });
    let on_edit = Callback::new(move |()| {
        if notice.get_untracked() == Some(Notice::Saved) {
            notice.set(None);
        }
    });

    let save = Action::new_local(move |chat: &ChatForm| {
        let body = chat.body().into();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        let revision = etag.get_untracked();
        async move { api::save_site_settings(&csrf, &id.get_value(), revision.as_deref(), &body).await }
    });
    on_change(
        move || save.value().get(),
        move |result| {
            let state = SaveState {
                form,
                etag,
                warnings,
                errors,
                notice,
            };
            match result {
                Some(Ok(answer)) => {
                    state.saved(
                        &ChatForm::from(&answer.body.settings),
                        answer.etag,
                        answer.body.warnings,
                    );
                    saved.set(form.get_untracked());
                    effective.refetch();
                }
                Some(Err(error)) => state.failed(&error),
                None => {}
            }
        },
    );
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if save.pending().get_untracked() || app.session().is_none() {
            return;
        }
        if let Some(chat) = form.get_untracked() {
            notice.set(None);
            save.dispatch_local(chat);
        }
    };
    let pending = save.pending();
    view! {
        <h2 class="section-title">{app.t(SiteText::SiteC2cTitle)}</h2>
        <p class="notice readonly" role="note" hidden=move || !readonly.get()>{app.t(SiteText::ReadOnlyAlwaysInherit)}</p>
        <Show when=move || form.with(Option::is_some)>
            <form class="settings-form" id="site-settings" novalidate on:submit=submit>
                <ChatFields form errors warnings readonly on_edit enable_help=T::EnableSiteC2cHelp/>
                <SaveBar pending dirty notice on_reload=Callback::new(move |()| {
                    replace_edits.set_value(true);
                    loaded.refetch();
                }) disabled=readonly/>
            </form>
        </Show>
    }
}

/// The site's name and domains, and deleting the site.
#[component]
fn SiteDetails(
    id: String,
    stored: Stored,
    name: RwSignal<String>,
    domains: RwSignal<String>,
    /// Set while the name or domains differ from what is saved.
    unsaved: RwSignal<bool>,
    reload: Callback<()>,
) -> impl IntoView {
    let app = use_app();
    let id = StoredValue::new(id);
    let errors = RwSignal::new(Vec::<FieldProblem>::new());
    let notice = RwSignal::new(None::<Notice>);
    // Name and domains typed but not saved count as unsaved too.
    let dirty = Signal::derive(move || {
        stored.site.with(|s| match s {
            Some(site) => {
                name.with(|n| n.trim() != site.name)
                    || domains.with(|d| parse_domains(d) != site.domains)
            }
            None => false,
        })
    });
    Effect::new(move |_| unsaved.set(dirty.get()));

    let save = Action::new_local(move |body: &serde_json::Value| {
        let body = body.clone();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        let revision = stored.etag.get_untracked();
        async move { api::update_site(&csrf, &id.get_value(), revision.as_deref(), &body).await }
    });
    on_change(
        move || save.value().get(),
        move |result| match result {
            Some(Ok(Answer { body, etag })) => {
                stored.etag.set(etag);
                domains.set(body.domains.join("\n"));
                stored.site.set(Some(body));
                errors.set(Vec::new());
                notice.set(Some(Notice::Saved));
            }
            Some(Err(error)) if error.status() == 412 => notice.set(Some(Notice::Stale)),
            Some(Err(error)) if !error.fields().is_empty() => {
                errors.set(error.fields().to_vec());
                notice.set(Some(Notice::Invalid));
                crate::components::focus_first_invalid();
            }
            Some(Err(error)) => notice.set(Some(Notice::Failed(error))),
            None => {}
        },
    );
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if save.pending().get_untracked() || app.session().is_none() {
            return;
        }
        save.dispatch_local(json!({
            "name": name.get_untracked(),
            "domains": parse_domains(&domains.get_untracked()),
        }));
    };

    let confirm_open = RwSignal::new(false);
    let navigate = use_navigate();
    let delete = Action::new_local(move |(): &()| {
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { api::delete_site(&csrf, &id.get_value()).await }
    });
    on_change(
        move || delete.value().get(),
        move |result| match result {
            Some(Ok(())) => {
                // Nothing of a deleted site is "unsaved"; the router adds its base.
                unsaved.set(false);
                navigate("/sites", Default::default());
                stored.site.set(None);
            }
            Some(Err(error)) => notice.set(Some(Notice::Failed(error))),
            None => {}
        },
    );
    let site_name = Signal::derive(move || {
        stored.site.with(|s| {
            s.as_ref()
                .map_or_else(|| id.get_value(), |s| s.name.clone())
        })
    });

    let problem =
        move |field: &'static str| move || errors.with(|e| field_message(e, field, app.lang.get()));
    view! {
        <form class="card" novalidate on:submit=submit aria-labelledby="details-title">
            <h2 id="details-title">{app.t(SiteText::SiteDetails)}</h2>
            <div class="field">
                <label for="site-name">{app.t(T::SiteName)}</label>
                <input id="site-name" prop:value=name on:input:target=move |ev| name.set(ev.target().value())
                    aria-invalid=move || problem("name")().is_some().to_string() aria-describedby="site-name-error"/>
                <p id="site-name-error" class="field-error" role="alert">{problem("name")}</p>
            </div>
            <div class="field">
                <label for="site-domains">{app.t(T::SiteDomains)}</label>
                <textarea id="site-domains" rows="3" spellcheck="false" prop:value=domains
                    on:input:target=move |ev| domains.set(ev.target().value()) aria-describedby="site-domains-help site-domains-error"
                    aria-invalid=move || errors.with(|e| domains_error(e, app.lang.get()).is_some()).to_string()></textarea>
                <p id="site-domains-help" class="help">{app.t(T::SiteDomainsHelp)}</p>
                <p id="site-domains-error" class="field-error" role="alert">{move || errors.with(|e| domains_error(e, app.lang.get()))}</p>
            </div>
            <SaveBar pending=save.pending() dirty notice on_reload=reload/>
            <p>
                <button type="button" class="danger-outline" on:click=move |_| confirm_open.set(true)>{app.t(T::Delete)}</button>
            </p>
        </form>
        <ConfirmDelete open=confirm_open title=T::DeleteSiteTitle warning=T::DeleteSiteWarning subject=site_name
            on_confirm=Callback::new(move |()| { delete.dispatch_local(()); })/>
    }
}
