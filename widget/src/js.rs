//! The few JavaScript functions the loader uses, declared here rather than
//! taken from js-sys (which links a futures runtime and closure shims into
//! every module), and small helpers over them so recipes read like the
//! providers' snippets. Strings stay JavaScript strings: the loader never
//! allocates on the Rust side. None of these throws: a failing property
//! access or call is ignored.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Reflect, js_name = get, catch)]
    fn reflect_get(target: &JsValue, key: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Reflect, js_name = set, catch)]
    fn reflect_set(target: &JsValue, key: &JsValue, value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Reflect, js_name = apply, catch)]
    fn reflect_apply(
        function: &JsValue,
        this: &JsValue,
        args: &JsValue,
    ) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = encodeURIComponent)]
    pub fn encode_uri_component(text: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = parseInt)]
    pub fn parse_int(text: &JsValue, radix: u32) -> JsValue;
    /// `String(value)`
    #[wasm_bindgen(js_name = String)]
    pub fn to_text(value: &JsValue) -> JsValue;

    /// String methods, callable on primitive strings (`Reflect` is not).
    #[wasm_bindgen(js_name = String)]
    type JsText;
    #[wasm_bindgen(method, js_class = String)]
    fn trim(this: &JsText) -> JsValue;
    #[wasm_bindgen(method, js_class = String)]
    fn concat(this: &JsText, other: &JsValue) -> JsValue;

    #[wasm_bindgen(js_name = Array)]
    pub type JsArray;
    #[wasm_bindgen(constructor, js_class = Array)]
    pub fn new() -> JsArray;
    #[wasm_bindgen(method, js_class = Array)]
    pub fn push(this: &JsArray, value: &JsValue) -> u32;

    #[wasm_bindgen(js_name = Object)]
    type JsObject;
    #[wasm_bindgen(constructor, js_class = Object)]
    fn new() -> JsObject;

    #[wasm_bindgen(js_name = Date)]
    type JsDate;
    #[wasm_bindgen(constructor, js_class = Date)]
    fn new() -> JsDate;
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    get_by(target, &text(key))
}

pub fn get_by(target: &JsValue, key: &JsValue) -> JsValue {
    if !target.is_object() && !target.is_function() {
        return JsValue::UNDEFINED;
    }
    reflect_get(target, key).unwrap_or(JsValue::UNDEFINED)
}

pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    if target.is_object() || target.is_function() {
        let _ = reflect_set(target, &text(key), value);
    }
}

pub fn is_set(value: &JsValue) -> bool {
    !value.is_undefined() && !value.is_null()
}

/// A non-empty string (trimmed), or a number as text; otherwise `None`.
pub fn non_empty(value: JsValue) -> Option<JsValue> {
    let value = if value.as_f64().is_some() {
        to_text(&value)
    } else {
        value
    };
    if !value.is_string() {
        return None;
    }
    let trimmed = value.unchecked_ref::<JsText>().trim();
    trimmed.is_truthy().then_some(trimmed)
}

pub fn array() -> JsArray {
    JsArray::new()
}

pub fn object() -> JsValue {
    JsObject::new().into()
}

pub fn now() -> JsValue {
    JsDate::new().into()
}

/// `target[method](...args)` if it is a function.
pub fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let list = array();
    for arg in args {
        list.push(arg);
    }
    apply(target, method, &list)
}

pub fn apply(target: &JsValue, method: &str, args: &JsArray) -> JsValue {
    let function = get(target, method);
    if !function.is_function() {
        return JsValue::UNDEFINED;
    }
    reflect_apply(&function, target, args).unwrap_or(JsValue::UNDEFINED)
}

/// `a + b` for JS strings.
pub fn concat(a: &JsValue, b: &JsValue) -> JsValue {
    a.unchecked_ref::<JsText>().concat(b)
}

pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}
