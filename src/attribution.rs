//! Lines that credit a source: "Source: X", "This article originally
//! appeared on X", "Read the full story at X", reposting breadcrumbs
//! ("BTCC / BTCC Square / Cryptopolitan /"), and an export's canonical URL
//! on another site.

use std::sync::OnceLock;

use regex::Regex;

use crate::article::{url_host, Article};

/// Index in [`patterns`] of the "Source: X" line.
const CREDIT_LINE: usize = 0;

fn patterns() -> &'static [Regex] {
    static P: OnceLock<Vec<Regex>> = OnceLock::new();
    P.get_or_init(|| {
        [
            // "Source: Reuters", in the languages the product serves
            r"(?im)^\s*(?:\*\*)?(?:source|sources|credit|via|courtesy of|источник|джерело|منبع|المصدر|来源|來源|quelle|fuente|fonte|source d'origine)(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(.{2,80}?)\s*$",
            // "This article originally appeared on X", "first published by X"
            r"(?i)\b(?:originally|first)\s+(?:appeared|published|posted|ran)\s+(?:on|in|at|by)\s+([^.,;:\n]{2,60})",
            r"(?i)\b(?:re(?:printed|published|posted))\s+(?:with\s+permission\s+)?(?:from|of)\s+([^.,;:\n]{2,60})",
            r"(?i)\bread\s+the\s+(?:full|original)\s+(?:story|article)\s+(?:at|on)\s+([^.,;:\n]{2,60})",
        ]
        .iter()
        .map(|p| Regex::new(p).expect("attribution patterns are valid"))
        .collect()
    })
}

/// Every source a text credits, in order of preference, with the byte
/// offset in `plain` where the credit was found. The caller drops credits
/// found in the outlet's boilerplate: a legal footer saying "reposted from
/// third-party sources" credits no one.
pub fn credit_candidates(plain: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    // the credit-line pattern needs a colon, which few texts hold: most
    // skip that pass (the costliest, having no literal to search for)
    let colon = memchr::memchr(b':', plain.as_bytes()).is_some() || plain.contains('：');
    for (i, p) in patterns().iter().enumerate() {
        if i == CREDIT_LINE && !colon {
            continue;
        }
        for c in p.captures_iter(plain) {
            let m = c.get(1).expect("every pattern has a group");
            let name = clean_name(m.as_str());
            if looks_like_name(&name) {
                out.push((m.start(), name));
            }
        }
    }
    if let Some(name) = breadcrumb_source(plain) {
        out.push((0, name));
    }
    out
}

/// The host of an export's canonical URL when it is another site's.
pub fn canonical_credit(article: &Article) -> Option<String> {
    let canonical = article.canonical.as_deref().and_then(url_host)?;
    let own = article.url.as_deref().and_then(url_host);
    (own != Some(canonical)).then(|| canonical.to_string())
}

/// The first credit in `plain` outside boilerplate, else the canonical
/// URL's host.
pub fn credited_source(
    article: &Article,
    plain: &str,
    in_boilerplate: impl Fn(usize) -> bool,
) -> Option<String> {
    credit_candidates(plain)
        .into_iter()
        .find(|(offset, _)| !in_boilerplate(*offset))
        .map(|(_, name)| name)
        .or_else(|| canonical_credit(article))
}

/// The last element of a breadcrumb on the first line ("A / B / C /"),
/// which reposting sites use for the original outlet, when the article
/// names it again elsewhere ("as reported by Cryptopolitan"): a site's own
/// breadcrumb ends in a section ("Markets & Regulation") instead.
fn breadcrumb_source(plain: &str) -> Option<String> {
    let line = plain.lines().map(str::trim).find(|l| !l.is_empty())?;
    for sep in [" / ", " › ", " » ", " > "] {
        // first the cheap test most first lines fail, then the parts
        if line.matches(sep.trim()).count() < 2 {
            continue;
        }
        let parts: Vec<&str> = line
            .split(sep.trim())
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let short = parts.iter().all(|p| p.split_whitespace().count() <= 4);
        if parts.len() >= 2 && short {
            let name = parts.last().map(|s| clean_name(s))?;
            // lower-casing the whole text only for a breadcrumb
            let rest = plain
                .trim_start()
                .get(line.len()..)
                .unwrap_or("")
                .to_lowercase();
            return rest.contains(&name.to_lowercase()).then_some(name);
        }
    }
    None
}

/// A publication's name or domain: short, and capitalised unless it is a
/// domain or a script without case.
fn looks_like_name(s: &str) -> bool {
    let words = s.split_whitespace().count();
    let first = s.chars().next();
    (1..=6).contains(&words)
        && (s.contains('.')
            || first.is_some_and(|c| c.is_uppercase() || c.is_numeric() || !c.is_lowercase()))
}

fn clean_name(s: &str) -> String {
    s.trim()
        .trim_matches(|c: char| {
            c == '*' || c == '_' || c == '"' || c == '\'' || c == '.' || c.is_whitespace()
        })
        .trim_start_matches("the ")
        .to_string()
}

/// A name or host reduced for comparison: "The Reuters" / "reuters.com" →
/// "reuters".
pub fn name_key(s: &str) -> String {
    let s = s.trim().to_lowercase();
    let s = url_host(&s).map(str::to_string).unwrap_or(s);
    let s = s.strip_prefix("www.").unwrap_or(&s);
    let s = match s.rsplit_once('.') {
        Some((head, tld)) if !head.is_empty() && tld.len() <= 4 && !tld.contains(' ') => head,
        _ => s,
    };
    let s = s.strip_prefix("the ").unwrap_or(s);
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// True when a credit names an outlet (same key, or one key containing the
/// other when both are at least 4 characters).
pub fn names_match(credit: &str, outlet: &str) -> bool {
    let (a, b) = (name_key(credit), name_key(outlet));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b || (a.len() >= 4 && b.len() >= 4 && (a.contains(&b) || b.contains(&a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art() -> Article {
        Article::of_text("x", "")
    }

    #[test]
    fn credit_lines() {
        let a = art();
        let no = |_| false;
        assert_eq!(
            credited_source(&a, "Body.\nSource: Reuters\n", no).as_deref(),
            Some("Reuters")
        );
        assert_eq!(
            credited_source(&a, "Body.\nИсточник: ТАСС", no).as_deref(),
            Some("ТАСС")
        );
        assert_eq!(
            credited_source(
                &a,
                "This article originally appeared on The Conversation.",
                no
            )
            .as_deref(),
            Some("The Conversation")
        );
        assert_eq!(
            credited_source(
                &a,
                "BTCC / BTCC Square / Cryptopolitan /\nTitle, as reported by Cryptopolitan.",
                no
            )
            .as_deref(),
            Some("Cryptopolitan")
        );
        assert_eq!(
            credited_source(&a, "Site / News / Markets /\nTitle, and text.", no),
            None
        );
        assert_eq!(
            credited_source(&a, "正文。\n来源：新华社", no).as_deref(),
            Some("新华社")
        );
        assert_eq!(credited_source(&a, "Nothing here.\nAt all.", no), None);
        assert_eq!(
            credited_source(
                &a,
                "Articles reposted from third-party sources and more.",
                no
            ),
            None
        );
        assert_eq!(
            credited_source(&a, "Body.\nSource: Reuters\n", |_| true),
            None
        );
    }

    #[test]
    fn canonical_on_another_site() {
        let mut a = art();
        a.url = Some("https://wpnews.pro/news/x".into());
        a.canonical = Some("https://cryptobriefing.com/y".into());
        assert_eq!(
            credited_source(&a, "text", |_| false).as_deref(),
            Some("cryptobriefing.com")
        );
    }

    #[test]
    fn matching_names() {
        assert!(names_match("Reuters", "reuters.com"));
        assert!(names_match("cryptobriefing.com", "Crypto Briefing"));
        assert!(!names_match("AP", "Reuters"));
    }
}
