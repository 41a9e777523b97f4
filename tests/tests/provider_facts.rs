//! The widget's recipes (what the loader does per provider) held against the
//! core catalog (what the admin app and the server say a provider is): a
//! missing recipe, a recipe naming a field that does not exist, a feature the
//! catalog advertises but the recipe does not do, or a script the provider's
//! CSP entry does not allow would otherwise show only on a visitor's page.

use std::collections::BTreeSet;

use switchboard_core::account::Account;
use switchboard_core::catalog::{catalog, Format, Provider, DERIVED_WIDGET_FIELDS};
use switchboard_core::csp::host_page_policy;
use switchboard_core::public_config::PublicConfig;
use switchboard_core::resolution::resolve;
use switchboard_core::settings::{InstanceChatSettings, Strategy};
use switchboard_widget::recipes::{Recipe, RECIPES};

const ORIGIN: &str = "https://switchboard.example";

/// The recipes for a provider: `zendesk`, and `zendesk:classic` for a kind.
fn recipes_of(provider: &Provider) -> Vec<&'static Recipe> {
    let id = provider.id.as_str();
    RECIPES
        .iter()
        .filter(|r| r.provider == id || r.provider.split(':').next() == Some(id))
        .collect()
}

/// Every value a recipe takes from the account: `@f`, `#f`, `{f}`, `{=f}`.
fn account_fields(recipe: &Recipe) -> BTreeSet<String> {
    let mut fields = BTreeSet::new();
    for text in [
        recipe.load,
        recipe.on_load,
        recipe.identify,
        recipe.open,
        recipe.reset,
    ] {
        let bytes: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < bytes.len() {
            let field_start = match bytes[i] {
                '@' | '#' => Some(i + 1),
                '{' if bytes.get(i + 1) == Some(&'=') => Some(i + 2),
                // `{key:value}` is an object; `{field}` in a URL is a field.
                '{' if !text[text.char_indices().nth(i).map_or(0, |(b, _)| b)..]
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .contains(':') =>
                {
                    Some(i + 1)
                }
                _ => None,
            };
            if let Some(start) = field_start {
                let name: String = bytes[start..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                if !name.is_empty() {
                    fields.insert(name);
                }
            }
            i += 1;
        }
    }
    fields
}

/// The account every field's catalog example gives (the first choice for choices).
fn example_account(provider: &Provider, kind: Option<&str>) -> Account {
    let pairs: Vec<(&str, &str)> = provider
        .fields
        .iter()
        .map(|f| match (&f.format, f.key, kind) {
            (Format::Choice { .. }, "kind", Some(kind)) => (f.key, kind),
            _ => (f.key, f.example),
        })
        .collect();
    Account::from_pairs(pairs)
}

/// The account as the widget receives it (public config: no secrets, plus
/// what the server derives).
fn widget_account(provider: &Provider, account: Account) -> Account {
    let settings = InstanceChatSettings {
        enabled: true,
        site_settings_strategy: Strategy::AlwaysInherit,
        provider: Some(provider.id),
        account,
        guest_users_allowed: true,
    };
    PublicConfig::new("shop", &resolve(&settings, None)).account
}

/// The script URLs a recipe loads (`X url …`), with the account filled in.
fn script_urls(recipe: &Recipe, account: &Account) -> Vec<String> {
    recipe
        .load
        .split(';')
        .filter_map(|op| {
            let op = op.trim_start_matches(['?', '!']);
            let op = op.split_once(' ').map_or(op, |(guard, rest)| {
                if guard.starts_with('$') || guard.contains('.') {
                    rest
                } else {
                    op
                }
            });
            op.strip_prefix("X ")
        })
        .map(|rest| {
            let template = rest.split(' ').next().unwrap_or_default();
            let mut url = template.to_string();
            for (key, value) in account.iter() {
                url = url
                    .replace(&format!("{{={key}}}"), value)
                    .replace(&format!("{{{key}}}"), value);
            }
            // Relative: Switchboard's own script, resolved against widget.js.
            if url.contains("://") {
                url
            } else {
                format!("{ORIGIN}/{url}")
            }
        })
        .collect()
}

fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    format!("{scheme}://{host}")
}

/// A CSP source list allows `origin` exactly or through a `*.` wildcard.
fn allows(sources: &[String], origin: &str) -> bool {
    sources.iter().any(|source| {
        source == origin
            || source.split_once("://*.").is_some_and(|(scheme, domain)| {
                origin
                    .strip_prefix(&format!("{scheme}://"))
                    .is_some_and(|host| host.ends_with(&format!(".{domain}")))
            })
    })
}

#[test]
fn every_provider_has_a_recipe_and_every_recipe_a_provider() {
    for provider in catalog() {
        assert!(
            !recipes_of(provider).is_empty(),
            "{} has no recipe in widget/src/recipes.rs",
            provider.id.as_str()
        );
    }
    for recipe in RECIPES {
        let id = recipe.provider.split(':').next().unwrap_or_default();
        assert!(
            catalog().iter().any(|p| p.id.as_str() == id),
            "recipe {} has no provider in the catalog",
            recipe.provider
        );
    }
}

#[test]
fn every_field_a_recipe_names_exists_in_the_catalog() {
    for provider in catalog() {
        for recipe in recipes_of(provider) {
            for field in account_fields(recipe) {
                let derived = DERIVED_WIDGET_FIELDS
                    .iter()
                    .any(|(p, f)| *p == provider.id && *f == field);
                let own = provider.field(&field);
                assert!(
                    derived || own.is_some(),
                    "recipe {} uses {field:?}, which {} does not have",
                    recipe.provider,
                    provider.id.as_str()
                );
                assert!(
                    !own.is_some_and(|f| f.secret),
                    "recipe {} uses the secret {field:?}: the widget never gets it",
                    recipe.provider
                );
            }
        }
    }
}

#[test]
fn a_provider_with_several_kinds_has_a_recipe_for_each() {
    for provider in catalog() {
        let Some(kind) = provider.field("kind") else {
            continue;
        };
        let Format::Choice { choices } = &kind.format else {
            panic!("{}'s kind is not a choice", provider.id.as_str());
        };
        for choice in *choices {
            let id = provider.id.as_str();
            let named = format!("{id}:{}", choice.value);
            let found = RECIPES.iter().any(|r| r.provider == named)
                || (Some(choice.value) == kind.default && RECIPES.iter().any(|r| r.provider == id));
            assert!(found, "{id} of kind {} has no recipe", choice.value);
        }
    }
}

#[test]
fn the_features_the_catalog_advertises_are_the_ones_the_recipes_do() {
    for provider in catalog() {
        let recipes = recipes_of(provider);
        let any = |part: fn(&Recipe) -> &str| recipes.iter().any(|r| !part(r).is_empty());
        let id = provider.id.as_str();
        assert_eq!(
            provider.features.identify,
            any(|r| r.identify),
            "{id}: identify"
        );
        assert_eq!(provider.features.open, any(|r| r.open), "{id}: open");
        assert_eq!(provider.features.reset, any(|r| r.reset), "{id}: reset");
        // A provider that leaves something out for some of its kinds says so.
        let partial = recipes
            .iter()
            .any(|r| r.identify.is_empty() || r.open.is_empty() || r.reset.is_empty());
        if recipes.len() > 1 && partial {
            assert!(
                provider.features.note.is_some(),
                "{id}: some kinds lack a feature, and the catalog has no note saying so"
            );
        }
    }
}

#[test]
fn every_script_a_recipe_loads_is_allowed_by_its_providers_csp() {
    for provider in catalog() {
        let kinds: Vec<Option<&str>> = match provider.field("kind").map(|f| &f.format) {
            Some(Format::Choice { choices }) => choices.iter().map(|c| Some(c.value)).collect(),
            _ => vec![None],
        };
        let regions: Vec<Option<&str>> = match provider.field("region").map(|f| &f.format) {
            Some(Format::Choice { choices }) => choices.iter().map(|c| Some(c.value)).collect(),
            _ => vec![None],
        };
        for kind in &kinds {
            for region in &regions {
                let mut account = example_account(provider, *kind);
                if let Some(region) = region {
                    account = account.with_derived("region", region);
                }
                let policy = host_page_policy(Some(provider.id), &account, ORIGIN);
                let scripts = policy
                    .directives
                    .get("script-src")
                    .cloned()
                    .unwrap_or_default();
                let widget = widget_account(provider, account);
                for recipe in recipes_of(provider) {
                    for url in script_urls(recipe, &widget) {
                        assert!(
                            !url.contains('{'),
                            "{}: {url} has a field the widget is not given",
                            recipe.provider
                        );
                        let origin = origin_of(&url);
                        assert!(
                            allows(&scripts, &origin),
                            "{} (kind {kind:?}, region {region:?}) loads {url}, but its CSP script-src is {scripts:?}",
                            recipe.provider
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_helpers_of_this_test_see_what_they_must() {
    // The field finder tells `{field}` in a URL from `{key:value}` objects.
    let recipe = Recipe {
        provider: "x",
        load: "S a @one;S b #two;X https://{=three}/{four}.js",
        on_load: "C x.run {websiteToken:@five,baseUrl:'x'}",
        identify: "",
        open: "",
        reset: "",
    };
    assert_eq!(
        account_fields(&recipe).into_iter().collect::<Vec<_>>(),
        ["five", "four", "one", "three", "two"]
    );
    assert!(allows(
        &["https://*.zopim.com".to_string()],
        "https://v2.zopim.com"
    ));
    assert!(!allows(
        &["https://*.zopim.com".to_string()],
        "https://zopim.com.evil"
    ));
    assert_eq!(
        origin_of("https://embed.tawk.to/a/b?x=1"),
        "https://embed.tawk.to"
    );
}
