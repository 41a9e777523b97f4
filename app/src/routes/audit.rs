//! The audit log, newest first, a page at a time.

use leptos::prelude::*;

use super::api_keys::when;
use crate::api::{self, AuditPage};
use crate::i18n::T;
use crate::state::use_app;

#[component]
pub fn Audit() -> impl IntoView {
    let app = use_app();
    crate::state::set_title(T::AuditTitle);
    let page = RwSignal::new(1usize);
    let data = RwSignal::new(None::<Result<AuditPage, String>>);
    Effect::new(move |_| {
        let wanted = page.get();
        leptos::task::spawn_local(async move {
            data.set(Some(api::audit(wanted).await.map_err(|e| e.message())));
        });
    });
    view! {
        <h1 class="page-title">{app.t(T::AuditTitle)}</h1>
        <p class="lead">{app.t(T::AuditLead)}</p>
        {move || match data.get() {
            None => view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }.into_any(),
            Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            Some(Ok(log)) if log.entries.is_empty() => view! { <p class="card empty">{app.t(T::NoEntries)}</p> }.into_any(),
            Some(Ok(log)) => {
                let (current, pages) = (log.page, log.pages.max(1));
                view! {
                    <div class="table-wrap card">
                        <table class="audit">
                            <thead><tr>
                                <th scope="col">{app.t(T::AuditWhen)}</th>
                                <th scope="col">{app.t(T::AuditWho)}</th>
                                <th scope="col">{app.t(T::AuditFrom)}</th>
                                <th scope="col">{app.t(T::AuditWhat)}</th>
                                <th scope="col">{app.t(T::AuditTarget)}</th>
                                <th scope="col">{app.t(T::AuditChanged)}</th>
                                <th scope="col">{app.t(T::AuditOutcome)}</th>
                            </tr></thead>
                            <tbody>
                                {log.entries.into_iter().map(|e| { let ok = e.outcome == "success"; view! {
                                    <tr data-entry=e.id>
                                        <td>{when(&e.at)}</td>
                                        <td>{e.actor.name}" "<span class="muted">"("{e.actor.kind}")"</span></td>
                                        <td>{e.ip.unwrap_or_default()}</td>
                                        <td><code>{e.action}</code></td>
                                        <td>{e.target.unwrap_or_default()}</td>
                                        <td>{e.changed.join(", ")}</td>
                                        <td class=if ok { "ok" } else { "error" }>
                                            {move || if ok { app.t(T::OutcomeSuccess)() } else { app.t(T::OutcomeFailure)() }}
                                        </td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <nav class="pager" aria-label=app.t(T::PageOf)>
                        <button type="button" disabled=current <= 1 on:click=move |_| page.set(current - 1)>{app.t(T::Previous)}</button>
                        <span class="page-count">{app.t(T::PageOf)}" "{current}" / "{pages}</span>
                        <button type="button" disabled=current >= pages on:click=move |_| page.set(current + 1)>{app.t(T::Next)}</button>
                    </nav>
                }
                .into_any()
            }
        }}
    }
}
