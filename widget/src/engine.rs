//! Runs the recipes in [`crate::recipes`] (their language is described there)
//! against the page.

use crate::js::{
    apply, array, call, concat, encode_uri_component, get, is_set, non_empty, now, object,
    parse_int, push, set, text, JsValue,
};
use crate::recipes::{Recipe, RECIPES};
use crate::visitor::Visitor;

/// What `hook(n)` runs when a provider calls back.
pub const HOOK_IDENTIFY: u32 = 0;
pub const HOOK_ON_LOAD: u32 = 1;
/// The provider's script fired `error`.
pub const HOOK_SCRIPT_FAILED: u32 = 2;

pub struct Cx<'a> {
    pub recipe: &'static Recipe,
    pub account: &'a JsValue,
    /// The loader's JS helpers; `helpers.w` is the window.
    pub helpers: &'a JsValue,
    pub visitor: &'a Visitor,
}

/// The recipe for a provider; Zendesk's depends on the account's widget kind.
pub fn recipe(provider: &JsValue, account: &JsValue) -> Option<&'static Recipe> {
    let wanted = if *provider == text("zendesk") && get(account, "kind") == text("classic") {
        text("zendesk:classic")
    } else {
        provider.clone()
    };
    RECIPES.iter().find(|r| text(r.provider) == wanted)
}

/// A cursor over one value's text.
struct Reader<'t> {
    text: &'t [u8],
    at: usize,
}

impl<'t> Reader<'t> {
    fn peek(&self) -> u8 {
        self.text.get(self.at).copied().unwrap_or(0)
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == byte;
        if found {
            self.at += 1;
        }
        found
    }

    /// Bytes up to (not including) the first of `stops`, or the end.
    fn until(&mut self, stops: &[u8]) -> &'t str {
        let start = self.at;
        while self.at < self.text.len() && !stops.contains(&self.peek()) {
            self.at += 1;
        }
        let bytes = self.text.get(start..self.at).unwrap_or_default();
        // SAFETY: `text` is a `&str` (recipe text) and `stops` are ASCII, so
        // the slice starts and ends on character boundaries.
        unsafe { core::str::from_utf8_unchecked(bytes) }
    }
}

/// The pieces of `text` between `separator`s, like `str::split` without its
/// slicing panics.
fn pieces(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    core::iter::from_fn(move || {
        let current = rest?;
        match split(current, separator, false) {
            Some((piece, after)) => {
                rest = Some(after);
                Some(piece)
            }
            None => rest.take(),
        }
    })
}

/// `text` split around the first (or last) `separator`, without the slicing
/// panics (and their formatting code) of `str::split_once`.
fn split(text: &str, separator: u8, last: bool) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let at = if last {
        bytes.iter().rposition(|b| *b == separator)
    } else {
        bytes.iter().position(|b| *b == separator)
    }?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

impl Cx<'_> {
    fn window(&self) -> JsValue {
        get(self.helpers, "w")
    }

    fn field(&self, key: &str) -> Option<JsValue> {
        non_empty(get(self.account, key))
    }

    fn visitor_field(&self, name: &str) -> Option<JsValue> {
        match name {
            "id" => self.visitor.id.clone(),
            "name" => self.visitor.name.clone(),
            _ => self.visitor.email.clone(),
        }
    }

    /// Reads one value; `None` when something it needs is missing. Always
    /// consumes the value's text, so the caller can go on after it.
    fn value(&self, r: &mut Reader<'_>) -> Option<JsValue> {
        let kind = r.peek();
        r.at += 1;
        match kind {
            b'\'' => {
                let literal = text(r.until(b"'"));
                r.eat(b'\'');
                Some(literal)
            }
            b'{' => {
                let object = object();
                while !r.eat(b'}') && r.at < r.text.len() {
                    let key = r.until(b":");
                    r.eat(b':');
                    if let Some(value) = self.value(r) {
                        set(&object, key, &value);
                    }
                    r.eat(b',');
                }
                Some(object)
            }
            b'[' => {
                let list = array();
                let mut complete = true;
                while !r.eat(b']') && r.at < r.text.len() {
                    match self.value(r) {
                        Some(value) => push(&list, &value),
                        None => complete = false,
                    }
                    r.eat(b',');
                }
                complete.then_some(list)
            }
            b'T' => Some(JsValue::TRUE),
            b'D' => Some(now()),
            b'~' => {
                let helper = r.until(b":");
                r.eat(b':');
                let argument = r.until(b",]} ");
                Some(call(self.helpers, helper, &[text(argument)]))
            }
            b'@' => self.field(r.until(b",]} ")),
            b'#' => self.field(r.until(b",]} ")).map(|v| parse_int(&v)),
            b'$' => self.visitor_field(r.until(b",]} ")),
            _ => None,
        }
    }

    fn value_of(&self, source: &str) -> Option<JsValue> {
        self.value(&mut Reader {
            text: source.as_bytes(),
            at: 0,
        })
    }

    /// A script URL: `{field}` encoded, `{=field}` raw.
    fn url(&self, template: &str) -> Option<JsValue> {
        let mut url = text("");
        let mut r = Reader {
            text: template.as_bytes(),
            at: 0,
        };
        while r.at < r.text.len() {
            url = concat(&url, &text(r.until(b"{")));
            if r.eat(b'{') {
                let name = r.until(b"}");
                r.eat(b'}');
                let piece = match name.strip_prefix('=') {
                    Some(raw) => self.field(raw)?,
                    None => encode_uri_component(&self.field(name)?),
                };
                url = concat(&url, &piece);
            }
        }
        Some(url)
    }

    fn walk(&self, path: &str) -> JsValue {
        pieces(path, b'.').fold(self.window(), |at, key| get(&at, key))
    }

    /// The object holding the last key of `path`, and that key.
    fn parent<'p>(&self, path: &'p str) -> Option<(JsValue, &'p str)> {
        let (holder, key) = match split(path, b'.', true) {
            Some((holder, key)) => (self.walk(holder), key),
            None => (self.window(), path),
        };
        holder.is_object().then_some((holder, key))
    }

    fn hook(&self, code: u32) -> JsValue {
        call(self.helpers, "hook", &[JsValue::from_f64(code.into())])
    }

    /// Runs a recipe's operations; false if a script could not be added.
    pub fn run(&self, ops: &str) -> bool {
        pieces(ops, b';')
            .map(|op| self.op(op.trim_ascii()))
            .fold(true, |ok, done| ok & done)
    }

    fn op(&self, op: &str) -> bool {
        let op = match op.as_bytes().first() {
            Some(guard @ (b'?' | b'!')) => {
                let (condition, rest) =
                    split(op.get(1..).unwrap_or_default(), b' ', false).unwrap_or_default();
                if self.walk(condition).is_truthy() != (*guard == b'?') {
                    return true;
                }
                rest
            }
            _ => op,
        };
        let mut words = pieces(op, b' ');
        let verb = words.next().unwrap_or_default();
        let target = words.next().unwrap_or_default();
        match verb {
            "I" | "S" | "P" => {
                let Some(value) = self.value_of(words.next().unwrap_or_default()) else {
                    return true;
                };
                if verb == "P" {
                    call(&self.walk(target), "push", &[value]);
                } else if let Some((holder, key)) = self.parent(target) {
                    if verb == "S" || !is_set(&get(&holder, key)) {
                        set(&holder, key, &value);
                    }
                }
            }
            "C" => {
                let args = array();
                for word in words {
                    match self.value_of(word) {
                        Some(value) => push(&args, &value),
                        None => return true,
                    }
                }
                if let Some((holder, key)) = self.parent(target) {
                    apply(&holder, key, &args);
                }
            }
            "X" => {
                return self
                    .url(target)
                    .is_some_and(|src| self.add_script(&src, words))
            }
            "E" => {
                call(
                    &self.window(),
                    "addEventListener",
                    &[text(target), self.hook(HOOK_IDENTIFY)],
                );
            }
            "K" => {
                // Keeps a callback the page set: it runs first.
                let window = self.window();
                let chained = call(
                    self.helpers,
                    "chain",
                    &[
                        get(&window, target),
                        JsValue::from_f64(HOOK_IDENTIFY.into()),
                    ],
                );
                set(&window, target, &chained);
            }
            "Y" if self.visitor.signed_in() => {
                self.run(self.recipe.identify);
            }
            _ => {}
        }
        true
    }

    /// Adds `<script async src=…>` to `<head>` unless a script with that
    /// source is already on the page (the host embedded the provider itself).
    fn add_script<'w>(&self, src: &JsValue, attributes: impl Iterator<Item = &'w str>) -> bool {
        let document = get(&self.window(), "document");
        let scripts = get(&document, "scripts");
        let count = get(&scripts, "length").as_f64().unwrap_or(0.0);
        let mut index = 0.0;
        while index < count {
            if get(&call(&scripts, "item", &[JsValue::from_f64(index)]), "src") == *src {
                return true;
            }
            index += 1.0;
        }
        let script = call(&document, "createElement", &[text("script")]);
        if !script.is_object() {
            return false;
        }
        set(&script, "async", &JsValue::TRUE);
        // Under Trusted Types a plain string is refused here; the loader's
        // JS wraps it with its named policy when the page has one.
        set(
            &script,
            "src",
            &call(self.helpers, "url", core::slice::from_ref(src)),
        );
        if non_empty(get(&script, "src")).is_none() {
            return false;
        }
        for attribute in attributes {
            let (name, value) = split(attribute, b'=', false).unwrap_or((attribute, ""));
            call(&script, "setAttribute", &[text(name), text(value)]);
        }
        if !self.recipe.on_load.is_empty() {
            call(
                &script,
                "addEventListener",
                &[text("load"), self.hook(HOOK_ON_LOAD)],
            );
        }
        call(
            &script,
            "addEventListener",
            &[text("error"), self.hook(HOOK_SCRIPT_FAILED)],
        );
        let head = get(&document, "head");
        let parent = if head.is_object() {
            head
        } else {
            get(&document, "documentElement")
        };
        call(&parent, "appendChild", core::slice::from_ref(&script));
        // A page that refuses new elements (or a throwing appendChild) must
        // not leave the tag saying `loaded`.
        get(&script, "isConnected") == JsValue::TRUE
    }
}
