//! The embed loader. `widget.js` (wasm-bindgen's no-modules glue wrapped by
//! `cargo xtask build`) instantiates this module and calls [`run`] with the
//! `<script>` element that loaded it.
//!
//! Size matters more than anything here (it runs on every page view of every
//! site), so the code avoids formatting, panics and `dyn_into`.

use wasm_bindgen::prelude::*;
use web_sys::HtmlScriptElement;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
// SAFETY: wasm32-unknown-unknown without atomics is single-threaded.
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::LeakingAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::LeakingAllocator::new()) };

/// Attribute the loader sets on its own `<script>` tag to say how far it got.
pub const STATE_ATTRIBUTE: &str = "data-switchboard-state";

/// Entry point, called once per loaded `<script>` tag. `script` is `None` when
/// the glue could not find its tag (it then has nothing to mark).
#[wasm_bindgen]
pub fn run(script: Option<HtmlScriptElement>) {
    if let Some(script) = script {
        // Marking cannot fail for an element we were handed; ignore the
        // Result rather than pull in panic machinery.
        let _ = script.set_attribute(STATE_ATTRIBUTE, "ready");
    }
    web_sys::console::info_1(&JsValue::from_str("Switchboard widget ready"));
}
