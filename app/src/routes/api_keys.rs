//! Integrations → API access keys: list, add (the key shown once), rename,
//! regenerate, delete.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::json;

use crate::api::{self, ApiKey, FieldProblem};
use crate::components::confirm::ConfirmDelete;
use crate::components::field_message;
use crate::components::{flash, on_change, when};
use crate::i18n::{KeysText, T};
use crate::state::use_app;

#[derive(Clone, Copy, PartialEq)]
enum Pending {
    Regenerate,
    Delete,
}

#[component]
pub fn ApiKeys() -> impl IntoView {
    let app = use_app();
    crate::state::set_title(KeysText::KeysTitle);
    // Again after signing in again, if the session had ended.
    let keys = LocalResource::new(move || {
        app.epoch.track();
        api::api_keys()
    });
    let reload = move || keys.refetch();

    // The whole key, right after creating or regenerating it.
    // (id, name, key)
    let revealed = RwSignal::new(None::<(String, String, String)>);
    let copied = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let chosen = RwSignal::new((String::new(), String::new()));
    let confirm_regenerate = RwSignal::new(false);
    let confirm_delete = RwSignal::new(false);
    let renaming = RwSignal::new(None::<String>);
    let rename_to = RwSignal::new(String::new());
    // The row whose Rename was pressed last: Escape returns the focus there.
    let last_renamed = RwSignal::new(String::new());

    // Regenerating or deleting the chosen key.
    let change = Action::new_local(move |(what, id, name): &(Pending, String, String)| {
        let (what, id, name) = (*what, id.clone(), name.clone());
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move {
            let result = match what {
                Pending::Regenerate => {
                    api::change_api_key(&csrf, &id, &json!({"regenerate": true}))
                        .await
                        .map(Some)
                }
                Pending::Delete => api::delete_api_key(&csrf, &id).await.map(|()| None),
            };
            (id, name, result)
        }
    });
    on_change(
        move || change.value().get(),
        move |done| {
            let Some((id, name, result)) = done else {
                return;
            };
            match result {
                // Regenerated: the new key, shown this once.
                Ok(Some(key)) => {
                    revealed.set(key.key.map(|whole| (key.id, name, whole)));
                    copied.set(false);
                    error.set(None);
                }
                Ok(None) => {
                    // Its row is gone: the screen, not another row's button, gets the focus.
                    crate::components::focus_later("#main");
                    // A deleted key is not shown as the new one any longer.
                    if revealed
                        .with_untracked(|r| r.as_ref().is_some_and(|(shown, _, _)| *shown == id))
                    {
                        revealed.set(None);
                    }
                    error.set(None);
                }
                Err(e) => error.set(Some(e.text(app.lang.get_untracked()))),
            }
            reload();
        },
    );
    let act = move |what: Pending| {
        if app.session().is_some() {
            let (id, name) = chosen.get_untracked();
            change.dispatch_local((what, id, name));
        }
    };
    let renamed = Action::new_local(move |(id, name): &(String, String)| {
        let (id, name) = (id.clone(), name.clone());
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { api::change_api_key(&csrf, &id, &json!({"name": name})).await }
    });
    on_change(
        move || renamed.value().get(),
        move |done| {
            match done {
                Some(Ok(_)) => {
                    renaming.set(None);
                    error.set(None);
                }
                Some(Err(e)) => error.set(Some(e.fields().first().map_or_else(
                    || e.text(app.lang.get_untracked()),
                    |f| crate::i18n::field_text(app.lang.get_untracked(), f),
                ))),
                None => return,
            }
            reload();
        },
    );
    let rename = move |id: String| {
        if app.session().is_some() {
            renamed.dispatch_local((id, rename_to.get_untracked()));
        }
    };

    view! {
        <h1 class="page-title">{app.t(KeysText::KeysTitle)}</h1>
        <p class="lead">{app.t(KeysText::KeysLead)}</p>
        {move || revealed.get().map(|(_, name, key)| view! {
            <section class="card new-key" role="alert" aria-labelledby="new-key-title">
                <h2 id="new-key-title">{app.t(KeysText::NewKeyTitle)}": "{name}</h2>
                <p class="warning-text">{app.t(KeysText::NewKeyWarning)}</p>
                <pre class="code"><code id="new-key">{key.clone()}</code></pre>
                <button type="button" on:click=move |_| { let _ = window().navigator().clipboard().write_text(&key); flash(copied); }>{app.t(T::Copy)}</button>
                " " <button type="button" on:click=move |_| { revealed.set(None); crate::components::focus_later("#new-key-name"); }>{app.t(T::Done)}</button>
                " " <span class="notice ok" role="status">{move || copied.get().then(|| app.t(T::Copied)())}</span>
            </section>
        })}
        <p class="error" role="alert">{move || error.get()}</p>
        // After a change, the list shown stays until the new one is in.
        <Transition fallback=move || view! { <p class="page-status" role="status">{app.t(T::Loading)}</p> }>
        {move || Suspend::new(async move { match keys.await {
            Err(error) => view! { <p class="error" role="alert">{move || error.text(app.lang.get())}</p> }.into_any(),
            Ok(list) if list.is_empty() => view! { <p class="card empty">{app.t(KeysText::NoKeys)}</p> }.into_any(),
            Ok(list) => view! {
                <div class="table-wrap card">
                    <table>
                        <thead><tr>
                            <th scope="col">{app.t(KeysText::KeyName)}</th>
                            <th scope="col">{app.t(KeysText::KeyPrefix)}</th>
                            <th scope="col">{app.t(KeysText::KeyCreated)}</th>
                            <th scope="col">{app.t(KeysText::KeyLastUsed)}</th>
                            <th scope="col"><span class="visually-hidden">{app.t(T::Actions)}</span></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|key| {
                                let (id, name) = (key.id.clone(), key.name.clone());
                                let (rename_id, edit_id, regen, delete) = (id.clone(), id.clone(), (id.clone(), name.clone()), (id.clone(), name.clone()));
                                let shown_name = name.clone();
                                let origin_id = id.clone();
                                view! {
                                    <tr data-key=id.clone()>
                                        <td>{move || if renaming.get().as_deref() == Some(rename_id.as_str()) {
                                            let id = rename_id.clone();
                                            // The field gets the focus; Escape leaves it unchanged.
                                            let field = NodeRef::<leptos::html::Input>::new();
                                            Effect::new(move |_| {
                                                if let Some(input) = field.get() {
                                                    let _ = input.focus();
                                                    input.select();
                                                }
                                            });
                                            view! {
                                                <form class="inline" on:submit=move |ev: SubmitEvent| { ev.prevent_default(); rename(id.clone()); }>
                                                    <label class="visually-hidden" for="rename">{app.t(KeysText::KeyName)}</label>
                                                    <input id="rename" node_ref=field prop:value=rename_to on:input:target=move |ev| rename_to.set(ev.target().value())
                                                        on:keydown=move |ev| if ev.key() == "Escape" { renaming.set(None); crate::components::focus_later(".rename-origin"); }/>
                                                    <button type="submit" class="primary">{app.t(T::Save)}</button>
                                                    <button type="button" on:click=move |_| renaming.set(None)>{app.t(T::Cancel)}</button>
                                                </form>
                                            }.into_any()
                                        } else {
                                            view! { <span class="key-name">{shown_name.clone()}</span> }.into_any()
                                        }}</td>
                                        <td><code>{key.prefix.clone()}"…"</code></td>
                                        <td>{when(&key.created_at)}</td>
                                        <td>{key.last_used_at.as_deref().map(when).unwrap_or_else(|| app.t(KeysText::KeyNeverUsed)().to_string())}</td>
                                        <td class="row-actions">
                                            <button type="button" class=move || if last_renamed.with(|l| *l == origin_id) { "link-button rename rename-origin" } else { "link-button rename" }
                                                on:click=move |_| { rename_to.set(name.clone()); last_renamed.set(edit_id.clone()); renaming.set(Some(edit_id.clone())); }>{app.t(KeysText::Rename)}</button>
                                            <button type="button" class="link-button regenerate" on:click=move |_| { chosen.set(regen.clone()); confirm_regenerate.set(true); }>{app.t(T::Regenerate)}</button>
                                            <button type="button" class="danger-outline delete" on:click=move |_| { chosen.set(delete.clone()); confirm_delete.set(true); }>{app.t(T::Delete)}</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }.into_any(),
        }})}
        </Transition>
        <AddKey on_created=Callback::new(move |key: ApiKey| {
            revealed.set(key.key.map(|k| (key.id, key.name, k)));
            copied.set(false);
            reload();
        })/>
        <ConfirmDelete open=confirm_regenerate title=T::RegenerateTitle warning=T::RegenerateWarning confirm=T::RegenerateConfirm
            subject=Signal::derive(move || chosen.get().1) on_confirm=Callback::new(move |()| act(Pending::Regenerate))/>
        <ConfirmDelete open=confirm_delete title=T::DeleteKeyTitle warning=T::DeleteKeyWarning
            subject=Signal::derive(move || chosen.get().1) on_confirm=Callback::new(move |()| act(Pending::Delete))/>
    }
}

#[component]
fn AddKey(on_created: Callback<ApiKey>) -> impl IntoView {
    let app = use_app();
    let name = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldProblem>::new());
    let create = Action::new_local(move |wanted: &String| {
        let wanted = wanted.clone();
        let csrf = app.session().map(|s| s.csrf_token).unwrap_or_default();
        async move { api::create_api_key(&csrf, &wanted).await }
    });
    let pending = create.pending();
    on_change(
        move || create.value().get(),
        move |done| match done {
            Some(Ok(key)) => {
                errors.set(Vec::new());
                name.set(String::new());
                on_created.run(key);
            }
            Some(Err(error)) => {
                errors.set(error.fields().to_vec());
                crate::components::focus_first_invalid();
            }
            None => {}
        },
    );
    let problem = move || errors.with(|e| field_message(e, "name", app.lang.get()));
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // The button stays focusable while busy (a disabled one drops the
        // keyboard focus to <body>), so a second press is ignored here.
        if app.session().is_none() || pending.get_untracked() {
            return;
        }
        create.dispatch(name.get_untracked());
    };
    view! {
        <form class="card add-key" novalidate on:submit=submit>
            <h2>{app.t(KeysText::AddKey)}</h2>
            <div class="field">
                <label for="new-key-name">{app.t(KeysText::KeyName)}</label>
                <input id="new-key-name" prop:value=name on:input:target=move |ev| name.set(ev.target().value())
                    aria-invalid=move || problem().is_some().to_string() aria-describedby="new-key-name-help new-key-name-error"/>
                <p id="new-key-name-help" class="help">{app.t(KeysText::KeyNameHelp)}</p>
                <p id="new-key-name-error" class="field-error" role="alert">{problem}</p>
            </div>
            <button type="submit" class="primary" aria-disabled=move || pending.get().to_string()>{app.t(KeysText::AddKey)}</button>
        </form>
    }
}
