//! The loader's own binding to JavaScript, without wasm-bindgen: values live
//! in a table in `loader.js` and cross as `u32` handles; six imports (module
//! `j`) do everything the recipes need. wasm-bindgen's glue was 4 KB of the
//! loader's JavaScript, most of it general machinery we never used.
//!
//! Handles 0 to 3 are always `undefined`, `null`, `true` and `false` (the
//! table gives those values no other handle), so those comparisons need no
//! call. None of these throws: a failing property access or call gives
//! `undefined` (the table's side catches). Strings stay JavaScript strings:
//! the loader never allocates on the Rust side.

/// What `o` does, by number (`OPS` in `loader.js`, in this order).
#[derive(Clone, Copy)]
#[repr(u32)]
enum Op {
    /// `Reflect.get(x, y)` on an object or function.
    Get,
    /// `Reflect.set(x, y, z)` on an object or function.
    Set,
    /// `Reflect.apply(x, y, z)` if `x` is a function.
    Apply,
    /// `String(x)`
    Text,
    /// `x.trim()` on a string.
    Trim,
    /// `x + y`, both strings.
    Concat,
    /// `encodeURIComponent(x)`
    EncodeUriComponent,
    /// `parseInt(x, 10)`
    ParseInt,
    /// `[]`
    Array,
    /// `x[x.length] = y` on an array.
    Push,
    /// `{}`
    Object,
    /// `new Date()`
    Now,
    /// `x === y`
    Same,
    /// `x` again, in a handle of its own.
    Copy,
}

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "j")]
    extern "C" {
        /// An [`super::Op`] on up to three values; its result.
        pub fn o(op: u32, x: u32, y: u32, z: u32) -> u32;
        /// What `x` is: 1 an object (not null, not a function), 2 a string,
        /// 4 truthy.
        pub fn k(x: u32) -> u32;
        /// `x` if it is a number, else NaN.
        pub fn f(x: u32) -> f64;
        /// A number.
        pub fn n(x: f64) -> u32;
        /// A string from `len` bytes of ASCII at `ptr` in the module's memory.
        pub fn t(ptr: *const u8, len: usize) -> u32;
        /// Frees a handle (not 0 to 3, which stay).
        pub fn d(x: u32);
    }
}

/// Natively (the recipes' tests) there is no JavaScript: every value is
/// `undefined`.
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::missing_safety_doc)]
mod imports {
    pub unsafe fn o(_: u32, _: u32, _: u32, _: u32) -> u32 {
        0
    }
    pub unsafe fn k(_: u32) -> u32 {
        0
    }
    pub unsafe fn f(_: u32) -> f64 {
        f64::NAN
    }
    pub unsafe fn n(_: f64) -> u32 {
        0
    }
    pub unsafe fn t(_: *const u8, _: usize) -> u32 {
        0
    }
    pub unsafe fn d(_: u32) {}
}

const OBJECT: u32 = 1;
const STRING: u32 = 2;
const TRUTHY: u32 = 4;

/// A JavaScript value, owned: its handle is freed when it is dropped.
pub struct JsValue(u32);

impl JsValue {
    pub const UNDEFINED: JsValue = JsValue(0);
    pub const TRUE: JsValue = JsValue(TRUE);

    /// Takes over a handle the loader's JavaScript passed in.
    pub fn from_handle(handle: u32) -> Self {
        Self(handle)
    }

    pub fn from_f64(value: f64) -> Self {
        // SAFETY: a plain import; it cannot touch our memory.
        Self(unsafe { imports::n(value) })
    }

    pub fn from_str(value: &str) -> Self {
        // SAFETY: the import reads `len` bytes at `ptr`, all of `value`.
        Self(unsafe { imports::t(value.as_ptr(), value.len()) })
    }

    fn kind(&self) -> u32 {
        // SAFETY: a plain import.
        unsafe { imports::k(self.0) }
    }

    pub fn is_object(&self) -> bool {
        self.kind() & OBJECT != 0
    }

    pub fn is_string(&self) -> bool {
        self.kind() & STRING != 0
    }

    pub fn is_truthy(&self) -> bool {
        self.kind() & TRUTHY != 0
    }

    pub fn is_undefined(&self) -> bool {
        self.0 == 0
    }

    pub fn is_null(&self) -> bool {
        self.0 == 1
    }

    pub fn as_f64(&self) -> Option<f64> {
        // SAFETY: a plain import.
        let value = unsafe { imports::f(self.0) };
        (!value.is_nan()).then_some(value)
    }
}

impl Drop for JsValue {
    fn drop(&mut self) {
        // SAFETY: a plain import; the handle is ours and not used again. The
        // import ignores handles 0 to 3: one call at each of the many places
        // a value is dropped is smaller than a test there.
        unsafe { imports::d(self.0) }
    }
}

/// (`undefined`, `null` and the booleans come back in their own handles.)
impl Clone for JsValue {
    fn clone(&self) -> Self {
        op1(Op::Copy, self)
    }
}

impl PartialEq for JsValue {
    fn eq(&self, other: &Self) -> bool {
        op(Op::Same, self.0, other.0, NONE).0 == TRUE
    }
}

/// The handles of `undefined` (for an op's unused operands) and `true`.
const NONE: u32 = 0;
const TRUE: u32 = 2;

/// Operands are handles, so no temporary `JsValue` is dropped for them.
fn op(op: Op, x: u32, y: u32, z: u32) -> JsValue {
    // SAFETY: a plain import; the handles are valid while borrowed.
    JsValue(unsafe { imports::o(op as u32, x, y, z) })
}

fn op1(which: Op, x: &JsValue) -> JsValue {
    op(which, x.0, NONE, NONE)
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    get_by(target, &text(key))
}

pub fn get_by(target: &JsValue, key: &JsValue) -> JsValue {
    op(Op::Get, target.0, key.0, NONE)
}

pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    op(Op::Set, target.0, text(key).0, value.0);
}

pub fn is_set(value: &JsValue) -> bool {
    !value.is_undefined() && !value.is_null()
}

/// A non-empty string (trimmed), or a number as text; otherwise `None`.
pub fn non_empty(value: JsValue) -> Option<JsValue> {
    let value = if value.as_f64().is_some() {
        op1(Op::Text, &value)
    } else {
        value
    };
    if !value.is_string() {
        return None;
    }
    let trimmed = op1(Op::Trim, &value);
    trimmed.is_truthy().then_some(trimmed)
}

pub fn encode_uri_component(value: &JsValue) -> JsValue {
    op1(Op::EncodeUriComponent, value)
}

/// `parseInt(value, 10)`
pub fn parse_int(value: &JsValue) -> JsValue {
    op1(Op::ParseInt, value)
}

pub fn array() -> JsValue {
    op(Op::Array, NONE, NONE, NONE)
}

pub fn push(list: &JsValue, value: &JsValue) {
    op(Op::Push, list.0, value.0, NONE);
}

pub fn object() -> JsValue {
    op(Op::Object, NONE, NONE, NONE)
}

pub fn now() -> JsValue {
    op(Op::Now, NONE, NONE, NONE)
}

/// `target[method](...args)` if it is a function.
pub fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let list = array();
    for arg in args {
        push(&list, arg);
    }
    apply(target, method, &list)
}

pub fn apply(target: &JsValue, method: &str, args: &JsValue) -> JsValue {
    op(Op::Apply, get(target, method).0, target.0, args.0)
}

/// `a + b` for JS strings.
pub fn concat(a: &JsValue, b: &JsValue) -> JsValue {
    op(Op::Concat, a.0, b.0, NONE)
}

pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}
