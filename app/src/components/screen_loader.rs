//! A screen whose code is a separate wasm chunk, fetched when it is first
//! opened. The route shows at once (with "Loading…") and fills in when the
//! chunk arrives: the router never waits for a chunk, so a slow one for a
//! screen the admin already left can never cover the current screen. If the
//! fetch fails (server stopped, connection lost, or the server was updated
//! and this page's build is gone), the screen says so and offers to try
//! again or to reload the page, instead of leaving the page blank.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

use crate::i18n::T;
use crate::state::use_app;

/// Fetches a screen's chunk (at no cost once it has succeeded).
pub type Fetch = fn() -> Pin<Box<dyn Future<Output = Result<(), SplitLoaderError>>>>;
/// Builds the screen from its fetched chunk.
pub type Build = fn() -> Pin<Box<dyn Future<Output = Result<AnyView, SplitLoaderError>>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Loading,
    Failed,
    Retrying,
    Ready,
}

#[component]
pub fn LazyScreen(fetch: Fetch, make: Build) -> impl IntoView {
    let app = use_app();
    let phase = RwSignal::new(Phase::Loading);
    // The built screen, taken out by the one render that `Ready` triggers.
    let screen = StoredValue::new_local(None::<AnyView>);
    // The screen is built under this component's owner (it needs the app's
    // context), and only while it is still shown.
    let owner = StoredValue::new(Owner::current().unwrap_or_default());
    let shown = StoredValue::new(true);
    on_cleanup(move || shown.set_value(false));
    let attempt = move |retry: bool| {
        phase.set(if retry {
            Phase::Retrying
        } else {
            Phase::Loading
        });
        owner.with_value(|owner| {
            owner.with(|| {
                leptos::task::spawn_local_scoped(async move {
                    let fetched = fetch().await;
                    // Left meanwhile: nothing of this screen is built.
                    if shown.try_get_value() != Some(true) {
                        return;
                    }
                    match async {
                        fetched?;
                        make().await
                    }
                    .await
                    {
                        Ok(view) => {
                            screen.set_value(Some(view));
                            phase.set(Phase::Ready);
                            if retry {
                                // The button is gone with the message.
                                crate::components::focus_later("#main");
                            }
                        }
                        Err(_) => phase.set(Phase::Failed),
                    }
                })
            })
        });
    };
    attempt(false);
    Effect::new(move |_| {
        if phase.get() == Phase::Failed {
            document().set_title(&format!(
                "{} – Switchboard",
                T::ScreenLoadFailedTitle.get(app.lang.get())
            ));
        }
    });
    move || {
        match phase.get() {
        Phase::Loading => {
            view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }.into_any()
        }
        Phase::Ready => screen
            .try_update_value(Option::take)
            .flatten()
            .unwrap_or_else(|| ().into_any()),
        Phase::Failed | Phase::Retrying => view! {
            <div class="page-status" role="alert">
                <p class="error">{app.t(T::ScreenLoadFailed)}</p>
                <button type="button" class="screen-retry"
                    aria-disabled=move || (phase.get() == Phase::Retrying).to_string()
                    on:click=move |_| {
                        if phase.get_untracked() == Phase::Failed {
                            attempt(true);
                        }
                    }>
                    {move || app.t(if phase.get() == Phase::Retrying { T::TryingAgain } else { T::TryAgain })()}
                </button>
                // After an update of the server, this page's build is gone:
                // only loading the page again gets the new one.
                " "<button type="button" class="screen-reload" on:click=move |_| { let _ = window().location().reload(); }>
                    {app.t(T::ReloadPage)}
                </button>
            </div>
        }
        .into_any(),
    }
    }
}
