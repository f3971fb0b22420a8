//! One news article as read from an input, before any analysis.

use std::fmt;

use serde::Serialize;

/// Dense internal id of an article in a corpus: its position in input order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct DocId(pub u32);

impl DocId {
    /// The position as an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a record came from: a file (or `-`) and a 1-based line or record
/// number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// File path as given (or `-` for standard input).
    pub file: String,
    /// 1-based line for line-oriented formats, 0 when the whole file is one
    /// article.
    pub line: u64,
    /// 1-based record number inside a JSON array, when that is what `line`
    /// cannot tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.record) {
            (_, Some(r)) => write!(f, "{}: record {}", self.file, r),
            (0, None) => write!(f, "{}", self.file),
            (l, None) => write!(f, "{}:{}", self.file, l),
        }
    }
}

/// An article with the fields reprint uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    /// External id: the record's id field, else its URL, else its location.
    pub id: String,
    /// Headline, when known.
    pub title: Option<String>,
    /// Body text as given (markdown, HTML entities and all).
    pub text: String,
    /// Publication time as given.
    pub published_at: Option<String>,
    /// Publication time in seconds since the Unix epoch, when parseable.
    #[serde(skip)]
    pub published_ts: Option<i64>,
    /// Publisher or site.
    pub source: Option<String>,
    /// URL of the article.
    pub url: Option<String>,
    /// Canonical source or URL the export names, when present.
    pub canonical: Option<String>,
    /// Where the record was read.
    pub location: Location,
}

impl Article {
    /// The key that groups articles of one outlet, used to learn that
    /// outlet's boilerplate: the `source` field, else the URL's host.
    pub fn outlet_key(&self) -> Option<String> {
        if let Some(s) = self
            .source
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            return Some(s.to_lowercase());
        }
        self.url
            .as_deref()
            .and_then(url_host)
            .map(|h| h.to_string())
    }
}

#[cfg(test)]
impl Article {
    /// An article of an id and a text alone, read from line 1 of a file.
    pub(crate) fn of_text(id: &str, text: &str) -> Article {
        Article {
            id: id.into(),
            title: None,
            text: text.into(),
            published_at: None,
            published_ts: None,
            source: None,
            url: None,
            canonical: None,
            location: Location {
                file: "f".into(),
                line: 1,
                record: None,
            },
        }
    }
}

/// The host of an http(s) URL, without a leading `www.`.
pub fn url_host(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    let host = host.split(':').next()?;
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// Parses the date formats common in news exports into Unix seconds:
/// RFC 3339, `YYYY-MM-DD HH:MM:SS[+zz:zz]`, a bare date, RFC 2822 (RSS).
/// Times without a zone are taken as UTC.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp());
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.timestamp());
        }
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.timestamp());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_common_exports() {
        let a = parse_timestamp("2026-05-28 20:05:32+00:00").unwrap();
        let b = parse_timestamp("2026-05-28T20:05:32Z").unwrap();
        let c = parse_timestamp("2026-05-28 20:05:32").unwrap();
        let d = parse_timestamp("Thu, 28 May 2026 20:05:32 +0000").unwrap();
        assert!(a == b && b == c && c == d);
        assert!(parse_timestamp("2026-05-28").is_some());
        assert!(parse_timestamp("2026-05-28 20:05:32.542799+00:00").is_some());
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("https://www.example.com/a/b?x"),
            Some("example.com")
        );
        assert_eq!(url_host("http://news.site:8080"), Some("news.site"));
        assert_eq!(url_host("ftp://x"), None);
    }
}
