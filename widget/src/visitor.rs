//! The person on the page: signed in (an id) or a guest. Values are kept as
//! JavaScript strings.

use crate::js::{call, get, non_empty, text, JsValue};

#[derive(Clone)]
pub struct Visitor {
    pub id: Option<JsValue>,
    pub name: Option<JsValue>,
    pub email: Option<JsValue>,
}

pub const GUEST: Visitor = Visitor {
    id: None,
    name: None,
    email: None,
};

impl Visitor {
    /// From `data-user-id`, `data-user-name`, `data-user-email` on the tag.
    pub fn from_tag(tag: &JsValue) -> Self {
        let attribute = |name: &str| non_empty(call(tag, "getAttribute", &[text(name)]));
        Self {
            id: attribute("data-user-id"),
            name: attribute("data-user-name"),
            email: attribute("data-user-email"),
        }
    }

    /// From `Switchboard.identify({id, name, email})`.
    pub fn from_js(value: &JsValue) -> Self {
        Self {
            id: non_empty(get(value, "id")),
            name: non_empty(get(value, "name")),
            email: non_empty(get(value, "email")),
        }
    }

    pub fn signed_in(&self) -> bool {
        self.id.is_some()
    }
}
