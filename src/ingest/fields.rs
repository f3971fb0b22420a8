//! Which JSON field holds what: guessed from common exports, overridable.

use serde_json::{Map, Value};

use crate::article::{parse_timestamp, Article, Location};

/// Names of the JSON fields to read, in order of preference.
#[derive(Debug, Clone)]
pub struct FieldNames {
    /// Article id.
    pub id: Vec<String>,
    /// Body text.
    pub text: Vec<String>,
    /// Headline.
    pub title: Vec<String>,
    /// Publication time.
    pub published: Vec<String>,
    /// Publisher or site.
    pub source: Vec<String>,
    /// Article URL.
    pub url: Vec<String>,
    /// Canonical source or URL.
    pub canonical: Vec<String>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            id: names(&["id", "slug", "guid", "uuid", "url"]),
            text: names(&[
                "text",
                "body",
                "body_md",
                "content",
                "article",
                "body_text",
                "markdown",
            ]),
            title: names(&["title", "headline"]),
            published: names(&[
                "published_at",
                "date",
                "published",
                "pubDate",
                "pub_date",
                "datetime",
                "timestamp",
            ]),
            source: names(&["source", "publisher", "site", "outlet", "domain"]),
            url: names(&["url", "link", "href"]),
            canonical: names(&["canonical_source", "canonical_url", "canonical"]),
        }
    }
}

/// Why a JSON value could not become an article.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordProblem {
    /// The value is not an object.
    NotObject(&'static str),
    /// None of the text fields holds a string.
    NoText(Vec<String>),
}

impl std::fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordProblem::NotObject(kind) => write!(f, "expected a JSON object, found {kind}"),
            RecordProblem::NoText(names) => write!(
                f,
                "no text field (looked for {}; name yours with --text-field)",
                names.join(", ")
            ),
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        // a publisher given as {"name": ...}
        Value::Object(m) => m.get("name").and_then(scalar),
        _ => None,
    }
}

fn first(obj: &Map<String, Value>, names: &[String]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| obj.get(n))
        .find_map(scalar)
        .filter(|s| !s.trim().is_empty())
}

impl FieldNames {
    /// Builds an article from one JSON object found at `location`.
    pub fn to_article(&self, value: &Value, location: Location) -> Result<Article, RecordProblem> {
        let (obj, name) = self.text_field(value)?;
        let text = obj[name].as_str().unwrap_or_default().to_string();
        Ok(self.with_text(obj, text, location))
    }

    /// [`FieldNames::to_article`], the text moved out of `value` rather
    /// than copied (a reader owns each value it parses).
    pub fn into_article(
        &self,
        mut value: Value,
        location: Location,
    ) -> Result<Article, RecordProblem> {
        let (obj, name) = self.text_field(&value)?;
        // every other field is read first: one field may serve two roles
        let mut article = self.with_text(obj, String::new(), location);
        if let Some(Value::String(text)) = value.get_mut(name) {
            article.text = std::mem::take(text);
        }
        Ok(article)
    }

    /// The object, and the name of its first text field holding a string.
    fn text_field<'v, 's>(
        &'s self,
        value: &'v Value,
    ) -> Result<(&'v Map<String, Value>, &'s str), RecordProblem> {
        let obj = match value {
            Value::Object(m) => m,
            other => return Err(RecordProblem::NotObject(kind_of(other))),
        };
        let name = self
            .text
            .iter()
            .find(|n| obj.get(*n).is_some_and(Value::is_string))
            .ok_or_else(|| RecordProblem::NoText(self.text.clone()))?;
        Ok((obj, name))
    }

    fn with_text(&self, obj: &Map<String, Value>, text: String, location: Location) -> Article {
        let url = first(obj, &self.url);
        let id = first(obj, &self.id).unwrap_or_else(|| location.to_string());
        let published_at = first(obj, &self.published);
        let published_ts = published_at.as_deref().and_then(parse_timestamp);
        Article {
            id,
            title: first(obj, &self.title),
            text,
            published_at,
            published_ts,
            source: first(obj, &self.source),
            url,
            canonical: first(obj, &self.canonical),
            location,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn loc() -> Location {
        Location {
            file: "f.jsonl".into(),
            line: 3,
            record: None,
        }
    }

    #[test]
    fn guesses_common_names() {
        let v = json!({"slug": "a-b", "body_md": "# T\n\nbody", "publisher": {"name": "Pub"},
                       "published": "2025-01-02", "canonical_url": "https://x.org/a"});
        let a = FieldNames::default().to_article(&v, loc()).unwrap();
        assert_eq!(a.id, "a-b");
        assert_eq!(a.source.as_deref(), Some("Pub"));
        assert!(a.published_ts.is_some());
        assert_eq!(a.canonical.as_deref(), Some("https://x.org/a"));
    }

    #[test]
    fn id_falls_back_to_location() {
        let v = json!({"text": "x"});
        let a = FieldNames::default().to_article(&v, loc()).unwrap();
        assert_eq!(a.id, "f.jsonl:3");
    }

    #[test]
    fn a_moved_text_gives_the_article_a_copied_one_does() {
        // the title field is also the text field: it is read before the
        // text is moved out
        let fields = FieldNames {
            text: vec!["title".into()],
            ..FieldNames::default()
        };
        for v in [
            json!({"id": 7, "title": "Both roles", "text": "unused", "source": {"name": "P"}}),
            json!({"text": 1, "title": ["no"], "body": "x"}),
            json!("a string"),
        ] {
            for f in [&fields, &FieldNames::default()] {
                assert_eq!(
                    f.into_article(v.clone(), loc()),
                    f.to_article(&v, loc()),
                    "{v}"
                );
            }
        }
        let a = fields
            .into_article(json!({"title": "Both roles"}), loc())
            .unwrap();
        assert_eq!(
            (a.title.as_deref(), a.text.as_str()),
            (Some("Both roles"), "Both roles")
        );
    }

    #[test]
    fn missing_text_is_a_problem() {
        let v = json!({"title": "x"});
        let e = FieldNames::default().to_article(&v, loc()).unwrap_err();
        assert!(e.to_string().contains("no text field"));
        assert!(FieldNames::default()
            .to_article(&json!([1]), loc())
            .is_err());
    }
}
