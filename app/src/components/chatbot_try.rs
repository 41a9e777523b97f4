//! "Try it": talk to the bot from its screen. The model's answer streams in;
//! what a webhook receiver or bot program replies through the bot API
//! appears as it comes (read every second and a half for a minute after
//! each message).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::api::chatbots::{self, TryEvent};
use crate::i18n::{fill, B};
use crate::state::use_app;

#[derive(Debug, Clone, PartialEq)]
struct Line {
    author: &'static str,
    text: String,
}

/// How long to look for replies after a message.
const LISTEN_MS: f64 = 60_000.0;
const POLL_MS: i32 = 1500;

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[component]
pub fn TryBox(
    id: String,
    /// Whether a webhook receiver or bot program may answer (then replies are read).
    #[prop(into)]
    listens: Signal<bool>,
    /// Called with the bot's tokens today after a model answer.
    on_tokens: Callback<u64>,
) -> impl IntoView {
    let app = use_app();
    let id = StoredValue::new(id);
    let lines = RwSignal::new(Vec::<Line>::new());
    let conversation = RwSignal::new(None::<String>);
    let cursor = RwSignal::new(String::from("0"));
    let message = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<crate::api::ApiError>);
    // A new conversation stops the reading of the old one's replies.
    let generation = StoredValue::new(0u32);
    let listen_until = StoredValue::new(0.0f64);

    let listen = move || {
        listen_until.set_value(js_sys::Date::now() + LISTEN_MS);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            while js_sys::Date::now() < listen_until.get_value() && generation.get_value() == mine {
                sleep(POLL_MS).await;
                let Some(current) = conversation.get_untracked() else {
                    return;
                };
                let after = cursor.get_untracked();
                match chatbots::conversation(&id.get_value(), &current, &after).await {
                    Ok(page) if generation.get_value() == mine => {
                        let replies: Vec<Line> = page
                            .messages
                            .iter()
                            .filter(|m| m.author.as_deref() == Some("bot"))
                            .filter_map(|m| m.text.clone())
                            .map(|text| Line {
                                author: "bot",
                                text,
                            })
                            .collect();
                        if !replies.is_empty() {
                            lines.update(|l| l.extend(replies));
                        }
                        cursor.set(page.cursor);
                    }
                    _ => return,
                }
            }
        });
    };

    let send = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = message.get_untracked();
        if busy.get_untracked() || text.trim().is_empty() {
            return;
        }
        let Some(session) = app.session() else {
            return;
        };
        busy.set(true);
        error.set(None);
        message.set(String::new());
        lines.update(|l| {
            l.push(Line {
                author: "you",
                text: text.clone(),
            })
        });
        leptos::task::spawn_local(async move {
            let current = conversation.get_untracked();
            let outcome = chatbots::try_message(
                &session.csrf_token,
                &id.get_value(),
                current.as_deref(),
                &text,
                move |event| match event {
                    TryEvent::Conversation { id, message, model } => {
                        conversation.set(Some(id));
                        cursor.set(message);
                        if model {
                            lines.update(|l| {
                                l.push(Line {
                                    author: "model",
                                    text: String::new(),
                                })
                            });
                        }
                    }
                    TryEvent::Delta(piece) => lines.update(|l| {
                        if let Some(last) = l.last_mut() {
                            last.text.push_str(&piece);
                        }
                    }),
                    TryEvent::Done { tokens_today } => on_tokens.run(tokens_today),
                    TryEvent::Failed(e) => error.set(Some(e)),
                },
            )
            .await;
            if let Err(e) = outcome {
                // The message was stored even so: the conversation goes on.
                if let Some(id) = e.params().get("conversation").and_then(|c| c.as_str()) {
                    conversation.set(Some(id.to_string()));
                }
                error.set(Some(e));
            }
            // A model line that never got text is not an answer.
            lines.update(|l| {
                if l.last()
                    .is_some_and(|line| line.author == "model" && line.text.is_empty())
                {
                    l.pop();
                }
            });
            busy.set(false);
            if listens.get_untracked() && conversation.get_untracked().is_some() {
                listen();
            }
        });
    };
    let start_over = move |_| {
        generation.update_value(|g| *g += 1);
        conversation.set(None);
        cursor.set("0".into());
        lines.set(Vec::new());
        error.set(None);
        crate::components::focus_later("#try-message");
    };
    let author = move |author: &'static str| match author {
        "you" => app.t(B::TryYou)(),
        "model" => app.t(B::TryModel)(),
        _ => app.t(B::TryBot)(),
    };
    view! {
        <section class="card try-box" aria-labelledby="try-title">
            <h2 id="try-title">{app.t(B::TryTitle)}</h2>
            <p class="help">{app.t(B::TryLead)}</p>
            <ol class="transcript" aria-live="polite">
                {move || lines.get().into_iter().map(|line| view! {
                    <li class=format!("line {}", line.author)>
                        <span class="author">{author(line.author)}</span>
                        <span class="text">{line.text}</span>
                    </li>
                }).collect_view()}
            </ol>
            <p class="error" role="alert">{move || error.get().map(|e| e.text(app.lang.get()))}</p>
            <form class="try-form" on:submit=send>
                <label for="try-message">{app.t(B::TryMessage)}</label>
                <textarea id="try-message" rows="2" prop:value=message on:input:target=move |ev| message.set(ev.target().value())></textarea>
                <div class="form-actions">
                    <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>
                        {move || if busy.get() { app.t(B::TrySending)() } else { app.t(B::TrySend)() }}
                    </button>
                    <button type="button" class="new-conversation" on:click=start_over>{app.t(B::TryNew)}</button>
                    <span class="help">{move || conversation.get().map(|c| fill(app.t(B::TryConversation)(), &serde_json::json!({"id": c})))}</span>
                </div>
            </form>
        </section>
    }
}
