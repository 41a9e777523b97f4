//! The embed loader. `widget.js` (`loader.js`, with this module inside) asks
//! for the site's config while it compiles this module, calls [`start`] with
//! the `<script>` element that loaded it, and hands the config answer to
//! [`configure`]. Values cross as handles ([`js`]); the exports have
//! one-letter names, which `loader.js` uses.
//!
//! Here: read the tag (site, visitor), decide (enabled? guest allowed?), and
//! run the provider's recipe ([`recipes`]). The tag's `data-switchboard-state`
//! says how far it got: `loading`, `loaded`, `off` (no chat for this site),
//! `guest` (chat only for signed-in visitors), `error`.
//!
//! Size matters more than anything here (it runs on every page view of every
//! site): no closures, no futures, no formatting, no typed DOM bindings; on
//! wasm32 it is `no_std` with a panic handler that only aborts.

#![cfg_attr(target_arch = "wasm32", no_std)]

mod engine;
mod js;
pub mod recipes;
mod visitor;

use core::cell::RefCell;

use engine::{Cx, HOOK_IDENTIFY, HOOK_ON_LOAD, HOOK_SCRIPT_FAILED};
use js::{call, get, text, JsValue};
use visitor::{Visitor, GUEST};

/// No unwinding and no message: formatting a panic would pull `core::fmt`
/// into the loader, and nobody is there to read it. Code here avoids panics.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without atomics is single-threaded.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::LeakingAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::LeakingAllocator::new()) };

/// Attribute the loader sets on its own `<script>` tag to say how far it got.
pub const STATE_ATTRIBUTE: &str = "data-switchboard-state";

/// What the server said applies to this site.
struct Config {
    provider: JsValue,
    account: JsValue,
    guests_allowed: bool,
}

struct State {
    tag: JsValue,
    helpers: JsValue,
    config: Option<Config>,
    visitor: Visitor,
    /// The provider's script is on the page.
    loaded: bool,
}

/// The loader's state. Not a `thread_local!` (its access can panic); every
/// access goes through `try_borrow*` and clones what it needs out, so calls
/// back from provider scripts never find it borrowed.
struct Global(RefCell<State>);

// SAFETY: wasm32-unknown-unknown without atomics has one thread.
unsafe impl Sync for Global {}

static STATE: Global = Global(RefCell::new(State {
    tag: JsValue::UNDEFINED,
    helpers: JsValue::UNDEFINED,
    config: None,
    visitor: GUEST,
    loaded: false,
}));

fn read<T>(f: impl FnOnce(&State) -> Option<T>) -> Option<T> {
    STATE.0.try_borrow().ok().and_then(|state| f(&state))
}

fn write(f: impl FnOnce(&mut State)) {
    if let Ok(mut state) = STATE.0.try_borrow_mut() {
        f(&mut state);
    }
}

fn mark(state: &str) {
    if let Some(tag) = read(|s| Some(s.tag.clone())) {
        call(&tag, "setAttribute", &[text(STATE_ATTRIBUTE), text(state)]);
    }
}

/// One console warning per page, shared with the wrapper.
fn warn(message: &str) {
    if let Some(helpers) = read(|s| Some(s.helpers.clone())) {
        call(&helpers, "warn", &[text(message)]);
    }
}

/// The tag says `error` and why (`data-switchboard-reason`), and one
/// console warning names the reason (README, "The embed", lists them): a
/// sentence per reason would cost every page view its bytes.
fn fail(reason: &str) {
    if let Some(tag) = read(|s| Some(s.tag.clone())) {
        call(
            &tag,
            "setAttribute",
            &[text("data-switchboard-reason"), text(reason)],
        );
    }
    warn(reason);
    mark("error");
}

/// Called once with the tag that loaded us and the wrapper's helpers (which
/// has already asked for the site's config, in parallel with our download).
#[cfg_attr(target_arch = "wasm32", export_name = "s")]
pub extern "C" fn start(tag: u32, helpers: u32) {
    let (tag, helpers) = (JsValue::from_handle(tag), JsValue::from_handle(helpers));
    let visitor = Visitor::from_tag(&tag);
    write(|s| {
        s.tag = tag;
        s.helpers = helpers;
        s.visitor = visitor;
    });
    mark("loading");
}

/// The answer to the config request: HTTP `status` (0 if the request
/// failed, 1 if the body was not JSON) and the parsed body, if any.
#[cfg_attr(target_arch = "wasm32", export_name = "c")]
pub extern "C" fn configure(status: u32, body: u32) {
    let body = JsValue::from_handle(body);
    let problem = match status {
        200 if body.is_object() => None,
        // 1: the body was not JSON; 200: not an object.
        1 | 200 => Some("not_json"),
        0 => Some("unreachable"),
        404 => Some("unknown_site"),
        _ => Some("server_error"),
    };
    if let Some(reason) = problem {
        fail(reason);
        return;
    }
    if get(&body, "enabled") != JsValue::TRUE {
        mark("off");
        return;
    }
    let account = get(&body, "account");
    match js::non_empty(get(&body, "provider")) {
        Some(provider) if account.is_object() => {
            let guests_allowed = get(&body, "guest_users_allowed") == JsValue::TRUE;
            write(|s| {
                s.config = Some(Config {
                    provider,
                    account,
                    guests_allowed,
                })
            });
            decide();
        }
        _ => fail("no_provider"),
    }
}

/// Runs `f` with the configured provider's recipe and the current state.
fn with_recipe(only_loaded: bool, f: impl FnOnce(&Cx, &JsValue, bool)) {
    let current = read(|s| {
        let config = s.config.as_ref().filter(|_| s.loaded || !only_loaded)?;
        Some((
            config.provider.clone(),
            config.account.clone(),
            s.helpers.clone(),
            s.visitor.clone(),
            config.guests_allowed,
        ))
    });
    if let Some((provider, account, helpers, visitor, guests_allowed)) = current {
        match engine::recipe(&provider, &account) {
            Some(recipe) => f(
                &Cx {
                    recipe,
                    account: &account,
                    helpers: &helpers,
                    visitor: &visitor,
                },
                &provider,
                guests_allowed,
            ),
            None => fail("unknown_provider"),
        }
    }
}

/// Loads the provider if the config and the visitor allow it (once).
fn decide() {
    if read(|s| Some(s.loaded)).unwrap_or(true) {
        return;
    }
    with_recipe(false, |cx, provider, guests_allowed| {
        if !cx.visitor.signed_in() && !guests_allowed {
            mark("guest");
        } else if cx.run(cx.recipe.load) {
            write(|s| s.loaded = true);
            cx.run("Y");
            if let Some(tag) = read(|s| Some(s.tag.clone())) {
                call(
                    &tag,
                    "setAttribute",
                    &[text("data-switchboard-provider"), provider.clone()],
                );
            }
            mark("loaded");
        } else {
            fail("script_blocked");
        }
    });
}

/// A provider called back (its script loaded, it said it is ready).
#[cfg_attr(target_arch = "wasm32", export_name = "h")]
pub extern "C" fn hook(code: u32) {
    if code == HOOK_SCRIPT_FAILED {
        fail("script_failed");
        return;
    }
    with_recipe(true, |cx, _, _| {
        cx.run(match code {
            HOOK_ON_LOAD => cx.recipe.on_load,
            HOOK_IDENTIFY => "Y",
            _ => "",
        });
    });
}

/// `Switchboard.identify({id, name, email})`: the visitor signed in (or
/// changed). Loads the chat now if it is only for signed-in visitors.
#[cfg_attr(target_arch = "wasm32", export_name = "i")]
pub extern "C" fn identify(visitor: u32) {
    let visitor = Visitor::from_js(&JsValue::from_handle(visitor));
    write(|s| s.visitor = visitor);
    hook(HOOK_IDENTIFY);
    decide();
}

/// `Switchboard.open()`: opens the chat window where the provider allows it.
#[cfg_attr(target_arch = "wasm32", export_name = "o")]
pub extern "C" fn open() {
    with_recipe(true, |cx, _, _| {
        cx.run(cx.recipe.open);
    });
}

/// `Switchboard.reset()`: on logout, clears the provider's visitor session
/// where the provider allows it; the visitor is a guest again.
#[cfg_attr(target_arch = "wasm32", export_name = "r")]
pub extern "C" fn reset() {
    with_recipe(true, |cx, _, _| {
        cx.run(cx.recipe.reset);
    });
    write(|s| s.visitor = GUEST);
}
