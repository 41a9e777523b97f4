//! Signing in.

use leptos::prelude::*;

use crate::api;
use crate::components::credentials::{start_session, CredentialsForm};
use crate::i18n::T;

#[component]
pub fn Login() -> impl IntoView {
    crate::state::set_title(T::LoginTitle);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None);
    let action = start_session(
        pending,
        error,
        |u, p| async move { api::sign_in(&u, &p).await },
    );
    view! { <CredentialsForm title=T::LoginTitle lead=None submit=T::SignIn action pending error new_password=false/> }
}
