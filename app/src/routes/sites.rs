//! Sites: the list, adding one, deleting one.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::json;

use crate::api::{self, FieldProblem};
use crate::components::confirm::ConfirmDelete;
use crate::components::domains::{domains_error, parse_domains};
use crate::components::field_message;
use crate::components::on_change;
use crate::i18n::{SitesText, T};
use crate::state::use_app;

#[component]
pub fn Sites() -> impl IntoView {
    let app = use_app();
    crate::state::set_title(T::SitesTitle);
    let sites = LocalResource::new(move || {
        app.epoch.track();
        api::sites()
    });

    let to_delete = RwSignal::new(String::new());
    // The dialog names the site as the admin knows it.
    let to_delete_name = RwSignal::new(String::new());
    let confirm_open = RwSignal::new(false);
    let delete = Action::new_local(move |id: &String| {
        let id = id.clone();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { api::delete_site(&csrf, &id).await }
    });
    on_change(
        move || delete.value().get(),
        move |result| {
            if let Some(result) = result {
                if result.is_ok() {
                    // Its row is gone: the screen, not another row's button, gets the focus.
                    crate::components::focus_later("#main");
                }
                sites.refetch();
            }
        },
    );
    let delete_error = move || {
        delete.value().with(|r| match r {
            Some(Err(error)) => Some(error.text(app.lang.get())),
            _ => None,
        })
    };

    view! {
        <h1 class="page-title">{app.t(T::SitesTitle)}</h1>
        <p class="lead">{app.t(SitesText::SitesLead)}</p>
        <p class="error" role="alert">{delete_error}</p>
        // After adding or deleting, the list shown stays until the new one is in.
        <Transition fallback=move || view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }>
        {move || Suspend::new(async move { match sites.await {
            Err(error) => view! { <p class="error" role="alert">{move || error.text(app.lang.get())}</p> }.into_any(),
            Ok(list) if list.is_empty() => view! { <p class="card empty">{app.t(SitesText::NoSites)}</p> }.into_any(),
            Ok(list) => view! {
                <div class="table-wrap card">
                    <table class="sites">
                        <thead>
                            <tr>
                                <th scope="col">{app.t(T::SiteName)}</th>
                                <th scope="col">{app.t(SitesText::SiteId)}</th>
                                <th scope="col">{app.t(T::SiteDomains)}</th>
                                <th scope="col"><span class="visually-hidden">{app.t(T::Actions)}</span></th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|site| {
                                    let id = site.id.clone();
                                    let name = site.name.clone();
                                    let shown = site.name.clone();
                                    view! {
                                        <tr data-site=site.id.clone()>
                                            <td><A href=format!("/admin/sites/{}", site.id)>{site.name.clone()}</A></td>
                                            <td><code>{site.id.clone()}</code></td>
                                            <td>{site.domains.join(", ")}</td>
                                            <td class="row-actions">
                                                <button
                                                    type="button"
                                                    class="danger-outline"
                                                    on:click=move |_| { to_delete.set(id.clone()); to_delete_name.set(shown.clone()); confirm_open.set(true); }
                                                >
                                                    {app.t(T::Delete)}
                                                    <span class="visually-hidden">" "{name}</span>
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        }})}
        </Transition>
        <AddSite on_added=Callback::new(move |()| sites.refetch())/>
        <ConfirmDelete open=confirm_open title=T::DeleteSiteTitle warning=T::DeleteSiteWarning subject=to_delete_name
            on_confirm=Callback::new(move |()| { delete.dispatch_local(to_delete.get_untracked()); })/>
    }
}

#[component]
fn AddSite(on_added: Callback<()>) -> impl IntoView {
    let app = use_app();
    let id = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let domains = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldProblem>::new());
    let added = RwSignal::new(false);
    let problem =
        move |field: &'static str| move || errors.with(|e| field_message(e, field, app.lang.get()));
    let create = Action::new_local(move |body: &serde_json::Value| {
        let body = body.clone();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { api::create_site(&csrf, &body).await }
    });
    on_change(
        move || create.value().get(),
        move |result| match result {
            Some(Ok(_)) => {
                errors.set(Vec::new());
                id.set(String::new());
                name.set(String::new());
                domains.set(String::new());
                added.set(true);
                on_added.run(());
            }
            Some(Err(error)) => {
                errors.set(if error.fields().is_empty() {
                    vec![FieldProblem {
                        field: "id".into(),
                        code: "other".into(),
                        message: error.text(app.lang.get_untracked()),
                        params: serde_json::Value::Null,
                    }]
                } else {
                    error.fields().to_vec()
                });
                crate::components::focus_first_invalid();
            }
            None => {}
        },
    );
    let pending = create.pending();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if pending.get_untracked() || app.session().is_none() {
            return;
        }
        added.set(false);
        create.dispatch_local(json!({
            "id": id.get_untracked().trim(),
            "name": name.get_untracked(),
            "domains": parse_domains(&domains.get_untracked()),
        }));
    };
    view! {
        <form class="card add-site" novalidate on:submit=submit>
            <h2>{app.t(SitesText::AddSite)}</h2>
            <div class="field">
                <label for="new-site-name">{app.t(T::SiteName)}</label>
                <input id="new-site-name" prop:value=name on:input:target=move |ev| name.set(ev.target().value())
                    aria-invalid=move || problem("name")().is_some().to_string() aria-describedby="new-site-name-error"/>
                <p id="new-site-name-error" class="field-error" role="alert">{problem("name")}</p>
            </div>
            <div class="field">
                <label for="new-site-id">{app.t(SitesText::SiteId)}</label>
                <input id="new-site-id" spellcheck="false" autocomplete="off" placeholder="marketing-jp" prop:value=id
                    on:input:target=move |ev| id.set(ev.target().value())
                    aria-invalid=move || problem("id")().is_some().to_string() aria-describedby="new-site-id-help new-site-id-error"/>
                <p id="new-site-id-help" class="help">{app.t(SitesText::SiteIdHelp)}</p>
                <p id="new-site-id-error" class="field-error" role="alert">{problem("id")}</p>
            </div>
            <div class="field">
                <label for="new-site-domains">{app.t(T::SiteDomains)}</label>
                <textarea id="new-site-domains" rows="3" spellcheck="false" placeholder="www.example.com" prop:value=domains
                    on:input:target=move |ev| domains.set(ev.target().value())
                    aria-invalid=move || errors.with(|e| domains_error(e, app.lang.get()).is_some()).to_string()
                    aria-describedby="new-site-domains-help new-site-domains-error"></textarea>
                <p id="new-site-domains-help" class="help">{app.t(T::SiteDomainsHelp)}</p>
                <p id="new-site-domains-error" class="field-error" role="alert">{move || errors.with(|e| domains_error(e, app.lang.get()))}</p>
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" aria-disabled=move || pending.get().to_string()>{app.t(SitesText::AddSite)}</button>
                <p class="notice ok" role="status">{move || added.get().then(|| app.t(SitesText::SiteAdded)())}</p>
            </div>
        </form>
    }
}
