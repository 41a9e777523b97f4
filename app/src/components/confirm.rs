//! A confirmation for irreversible actions: a modal `<dialog>` (focus stays
//! inside, Escape cancels) that says it cannot be undone.

use leptos::html::Dialog;
use leptos::prelude::*;

use crate::i18n::T;
use crate::state::use_app;

/// Opens while `open` holds; `on_confirm` runs on the destructive button.
#[component]
pub fn ConfirmDelete(
    open: RwSignal<bool>,
    title: T,
    warning: T,
    /// What is being deleted, shown in the dialog.
    #[prop(into)]
    subject: Signal<String>,
    on_confirm: Callback<()>,
    /// The destructive button's label (default "Delete permanently").
    #[prop(optional)]
    confirm: Option<T>,
) -> impl IntoView {
    let app = use_app();
    let dialog = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            if open.get() {
                if !dialog.open() {
                    let _ = dialog.show_modal();
                }
            } else if dialog.open() {
                dialog.close();
            }
        }
    });
    // One id per dialog: a screen may hold several (the key screen has two).
    // (Numbered by the title's place in the text table: formatting `T` with
    // Debug would put every variant's name into the wasm.)
    let title_id = format!(
        "confirm-title-{}",
        T::ALL.iter().position(|t| *t == title).unwrap_or_default()
    );
    let labelled_by = title_id.clone();
    view! {
        <dialog node_ref=dialog class="confirm" aria-labelledby=labelled_by on:close=move |_| open.set(false)>
            <h2 id=title_id>{app.t(title)}</h2>
            <p class="confirm-subject"><strong>{move || subject.get()}</strong></p>
            <p>{app.t(warning)}</p>
            <div class="confirm-actions">
                <button type="button" class="cancel" autofocus on:click=move |_| open.set(false)>{app.t(T::Cancel)}</button>
                <button type="button" class="danger" on:click=move |_| { open.set(false); on_confirm.run(()); }>{app.t(confirm.unwrap_or(T::DeletePermanently))}</button>
            </div>
        </dialog>
    }
}
