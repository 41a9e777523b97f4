//! The one textarea in which a site's domains are typed (new site, site page).

use crate::api::FieldProblem;

/// Domains typed one per line (or separated by commas or spaces).
pub fn parse_domains(text: &str) -> Vec<String> {
    text.split(|c: char| c == '\n' || c == ',' || c.is_whitespace())
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(String::from)
        .collect()
}

/// The first error on `domains` or any `domains[i]`, for the one textarea.
/// Conflicts keep the server's message: it names the domain and the site.
pub fn domains_error(problems: &[FieldProblem], lang: crate::i18n::Lang) -> Option<String> {
    let problem = problems
        .iter()
        .find(|p| p.field == "domains" || p.field.starts_with("domains["))?;
    Some(crate::i18n::field_text(lang, problem))
}
