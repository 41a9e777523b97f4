//! First run: create the first administrator (the server allows it once).

use leptos::prelude::*;

use crate::api;
use crate::components::credentials::{start_session, CredentialsForm};
use crate::i18n::T;

#[component]
pub fn Setup() -> impl IntoView {
    crate::state::set_title(T::SetupTitle);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None);
    let action = start_session(pending, error, |u, p| async move {
        api::create_first_admin(&u, &p).await
    });
    view! {
        <CredentialsForm title=T::SetupTitle lead=Some(T::SetupLead) submit=T::CreateAdmin action pending error new_password=true/>
    }
}
