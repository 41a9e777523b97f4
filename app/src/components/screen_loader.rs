//! A screen whose code is a separate wasm chunk, fetched when it is first
//! opened. If the fetch fails (server stopped, connection lost), the screen
//! says so and offers to try again, instead of leaving the page blank.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

use crate::i18n::T;
use crate::state::use_app;

/// Fetches a screen's chunk (once it has succeeded, at no cost) and builds
/// the screen.
pub type ScreenLoad = fn() -> Pin<Box<dyn Future<Output = Result<AnyView, SplitLoaderError>>>>;

/// The screen, or the message with "Try again" if its chunk cannot be had.
pub async fn load_screen(load: ScreenLoad) -> AnyView {
    match load().await {
        Ok(screen) => screen,
        Err(_) => view! { <ScreenLoadFailed load/> }.into_any(),
    }
}

#[component]
fn ScreenLoadFailed(load: ScreenLoad) -> impl IntoView {
    let app = use_app();
    // The screen, once a retry has fetched it: taken out by the one render
    // that `loaded` triggers.
    let screen = StoredValue::new_local(None::<AnyView>);
    let loaded = Trigger::new();
    let pending = RwSignal::new(false);
    let owner = StoredValue::new(Owner::current().unwrap_or_default());
    let retry = move |_| {
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        // The screen is built inside the future: under this component's
        // owner (which has the app state, and outlives the message that the
        // screen replaces), not the click handler's.
        owner.with_value(|owner| {
            owner.with(|| {
                leptos::task::spawn_local_scoped(async move {
                    if let Ok(view) = load().await {
                        screen.set_value(Some(view));
                        loaded.notify();
                    }
                    pending.set(false);
                })
            })
        });
    };
    move || {
        loaded.track();
        match screen.try_update_value(Option::take).flatten() {
            Some(view) => view,
            None => view! {
                <div class="page-status" role="alert">
                    <p class="error">{app.t(T::ScreenLoadFailed)}</p>
                    <button type="button" class="screen-retry" on:click=retry
                        aria-disabled=move || pending.get().to_string()>
                        {move || app.t(if pending.get() { T::TryingAgain } else { T::TryAgain })()}
                    </button>
                </div>
            }
            .into_any(),
        }
    }
}
