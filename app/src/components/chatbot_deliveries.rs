//! A bot's webhook delivery log: each delivery's time, event, status,
//! attempts, last response code and duration, with "send again".

use leptos::prelude::*;

use crate::api::chatbots::{self, Delivery};
use crate::components::{on_change, when};
use crate::i18n::{fill, B};
use crate::state::use_app;

fn status_text(status: &str) -> B {
    match status {
        "delivered" => B::StatusDelivered,
        "failed" => B::StatusFailed,
        "cancelled" => B::StatusCancelled,
        _ => B::StatusPending,
    }
}

#[component]
pub fn DeliveryLog(id: String) -> impl IntoView {
    let app = use_app();
    let id = StoredValue::new(id);
    let log = LocalResource::new(move || {
        app.epoch.track();
        async move { chatbots::deliveries(&id.get_value()).await }
    });
    let error = RwSignal::new(None::<crate::api::ApiError>);
    let resend = Action::new_local(move |delivery: &String| {
        let delivery = delivery.clone();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { chatbots::resend(&csrf, &id.get_value(), &delivery).await }
    });
    on_change(
        move || resend.value().get(),
        move |done| match done {
            Some(Ok(_)) => {
                error.set(None);
                log.refetch();
            }
            Some(Err(e)) => error.set(Some(e)),
            None => {}
        },
    );
    let row = move |d: Delivery| {
        let last = d.attempts.last().cloned();
        let code = last
            .as_ref()
            .and_then(|a| a.response_status)
            .map(|s| s.to_string())
            .unwrap_or_else(|| "–".into());
        let duration = last
            .as_ref()
            .map(|a| format!("{} ms", a.duration_ms))
            .unwrap_or_else(|| "–".into());
        let problem = last.and_then(|a| a.error).or(d.reason.clone());
        let attempts = d.attempts.len();
        let status = d.status.clone();
        let delivery = d.id.clone();
        view! {
            <tr data-delivery=d.id.clone() data-status=d.status.clone()>
                <td>{when(&d.created_at)}</td>
                <td><code>{d.event.clone()}</code></td>
                <td class="status">{move || status_text(&status).get(app.lang.get())}
                    {d.next_attempt_at.as_deref().map(|at| { let at = when(at); view! { <span class="help">{move || fill(app.t(B::NextAttempt)(), &serde_json::json!({"at": at.clone()}))}</span> } })}
                </td>
                <td class="attempts">{attempts}</td>
                <td class="response">{code}</td>
                <td>{duration}</td>
                <td class="detail">{problem}</td>
                <td class="row-actions">
                    <button type="button" class="link-button resend" on:click=move |_| { resend.dispatch_local(delivery.clone()); }>{app.t(B::SendAgain)}</button>
                </td>
            </tr>
        }
    };
    view! {
        <section class="card deliveries" aria-labelledby="deliveries-title">
            <h2 id="deliveries-title">{app.t(B::DeliveriesTitle)}</h2>
            <p class="help">{app.t(B::DeliveriesLead)}</p>
            <button type="button" class="refresh" on:click=move |_| log.refetch()>{app.t(B::Refresh)}</button>
            <p class="error" role="alert">{move || error.get().map(|e| e.text(app.lang.get()))}</p>
            <Transition fallback=move || view! { <p class="page-status" role="status">{app.t(crate::i18n::T::Loading)}</p> }>
            {move || Suspend::new(async move { match log.await {
                Err(e) => view! { <p class="error" role="alert">{move || e.text(app.lang.get())}</p> }.into_any(),
                Ok(log) => view! {
                    {log.webhook_disabled.clone().map(|why| view! { <p class="notice error webhook-disabled" role="alert">{app.t(B::WebhookDisabled)}" "{why}</p> })}
                    {if log.deliveries.is_empty() {
                        view! { <p class="empty">{app.t(B::NoDeliveries)}</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-wrap">
                                <table>
                                    <thead><tr>
                                        <th scope="col">{app.t(B::DeliveryTime)}</th>
                                        <th scope="col">{app.t(B::DeliveryEvent)}</th>
                                        <th scope="col">{app.t(B::DeliveryStatus)}</th>
                                        <th scope="col">{app.t(B::DeliveryAttempts)}</th>
                                        <th scope="col">{app.t(B::DeliveryResponse)}</th>
                                        <th scope="col">{app.t(B::DeliveryDuration)}</th>
                                        <th scope="col">{app.t(B::DeliveryDetail)}</th>
                                        <th scope="col"><span class="visually-hidden">{app.t(crate::i18n::T::Actions)}</span></th>
                                    </tr></thead>
                                    <tbody>{log.deliveries.into_iter().map(row).collect_view()}</tbody>
                                </table>
                            </div>
                        }.into_any()
                    }}
                }.into_any(),
            }})}
            </Transition>
        </section>
    }
}
