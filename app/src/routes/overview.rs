//! The landing screen: what this instance is and whether its server answers.

use leptos::prelude::*;

use crate::api;

#[component]
pub fn Overview() -> impl IntoView {
    let health = LocalResource::new(api::health);
    view! {
        <h1 class="page-title">"Switchboard"</h1>
        <p class="lead">"Choose which live chat each of your websites loads, and for whom."</p>
        <section class="card" aria-labelledby="server-status">
            <h2 id="server-status">"Server"</h2>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Checking the server…"</p> }>
                {move || Suspend::new(async move {
                    match health.await {
                        Ok(h) => view! {
                            <p class="status-ok" role="status">
                                "Server is " {h.status} " (version " {h.version} ")"
                            </p>
                        }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
