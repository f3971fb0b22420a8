//! The routes, their handlers and the layers around them.
//!
//! Every route is listed once in [`router`], one `.route(PATH, METHOD(...))`
//! per line: the CLI tests read this list to check that `openapi.json`
//! documents every route served.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};
use tower_http::catch_panic::CatchPanicLayer;

use super::{internal, read_only, ApiError, RequestLog, Shared};
use crate::article::{Article, Location};
use crate::ingest::FieldNames;
use crate::report::ArticleLine;

type Api<T> = Result<T, ApiError>;

const PAGE: &str = include_str!("page.html");
const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");
const OPENAPI: &str = include_str!("../../openapi.json");

/// The page's policy: its own script, style and API only; no frames, no
/// forms posting elsewhere, nothing from the network.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// Most matches a check may ask for.
const MAX_LIMIT: usize = 100;
/// Members a group lookup returns unless asked otherwise, and at most.
const GROUP_MEMBERS: usize = 200;
const MAX_GROUP_MEMBERS: usize = 10_000;
/// Articles one check request may hold.
const MAX_CHECK_ARTICLES: usize = 1_000;

/// The application: routes, then (inside out) the body limit, the write
/// guard, the deadline, panics as JSON 500s, and the access log with
/// common headers.
pub(crate) fn router(state: Arc<Shared>) -> Router {
    let max_body = state.config.max_body;
    Router::new()
        .route("/", get(page))
        .route("/assets/page.css", get(css))
        .route("/assets/page.js", get(js))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/health", get(health))
        .route("/v1/stats", get(stats))
        .route("/v1/check", post(check))
        .route("/v1/articles", post(add))
        .route("/v1/articles/{*id}", get(article))
        .route("/v1/groups/{id}", get(group))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), writes))
        .layer(middleware::from_fn_with_state(state.clone(), deadline))
        .layer(CatchPanicLayer::custom(|_| internal().into_response()))
        .layer(middleware::from_fn_with_state(state.clone(), envelope))
        .with_state(state)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(json!({ "error": self.message }))).into_response();
        if self.bearer {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

// ---- layers ---------------------------------------------------------------

/// Access log line and the headers every response carries.
async fn envelope(State(state): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let path: String = req.uri().path().chars().take(300).collect();
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    if let Some(log) = &state.config.log {
        log(&RequestLog {
            method,
            path,
            status: response.status().as_u16(),
            millis: started.elapsed().as_secs_f64() * 1000.0,
        });
    }
    response
}

/// Every request gets an answer within its deadline: adds the write
/// timeout, the rest the read timeout (reading the body included).
async fn deadline(State(state): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let write = req.method() == Method::POST && req.uri().path() == "/v1/articles";
    let limit = if write {
        state.config.write_timeout
    } else {
        state.config.timeout
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "no answer within {} s (the server's {}); try again later",
                limit.as_secs_f64(),
                if write {
                    "--write-timeout"
                } else {
                    "--timeout"
                }
            ),
        )
        .into_response(),
    }
}

/// A write is refused (read-only server, missing or wrong token) before its
/// body is read.
async fn writes(State(state): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && req.uri().path() == "/v1/articles" {
        if state.config.read_only {
            return read_only().into_response();
        }
        if let Err(e) = authorize(state.config.token.as_deref(), req.headers()) {
            return e.into_response();
        }
    }
    next.run(req).await
}

async fn not_found(method: Method, uri: axum::http::Uri) -> ApiError {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no such route: {method} {path} (the API is described at /v1/openapi.json)"),
    )
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    let path: String = uri.path().chars().take(200).collect();
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {path}"),
    )
}

// ---- page -----------------------------------------------------------------

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn page() -> Response {
    let mut r = asset("text/html; charset=utf-8", PAGE);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

async fn openapi() -> Response {
    asset("application/json", OPENAPI)
}

// ---- reads ----------------------------------------------------------------

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    read_only: bool,
    articles: u64,
    uptime_s: u64,
}

async fn health(State(state): State<Arc<Shared>>) -> Api<Json<Health>> {
    let articles = state.read(|index| index.article_count()).await?;
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        read_only: state.config.read_only,
        articles,
        uptime_s: state.started.elapsed().as_secs(),
    }))
}

async fn stats(State(state): State<Arc<Shared>>) -> Api<Response> {
    let stats = state.read(|index| index.stats(false)).await?;
    Ok(Json(stats).into_response())
}

async fn article(
    State(state): State<Arc<Shared>>,
    id: Result<Path<String>, PathRejection>,
) -> Api<Response> {
    let Path(id) = id.map_err(|_| bad_path())?;
    let key = id.clone();
    match state.read(move |index| index.article(&key)).await? {
        Some(a) => Ok(Json(a).into_response()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no article with id {:?} in the index", short(&id)),
        )),
    }
}

async fn group(
    State(state): State<Arc<Shared>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Api<Response> {
    let Path(id) = id.map_err(|_| bad_path())?;
    let q = Query::parse(query.as_deref());
    let members = q
        .usize("members")?
        .unwrap_or(GROUP_MEMBERS)
        .clamp(1, MAX_GROUP_MEMBERS);
    let passages = q.bool("passages")?.unwrap_or(true);
    let key = id.clone();
    let found = state
        .read(move |index| {
            index.set_evidence(passages);
            let r = index.group(&key, members);
            index.set_evidence(true);
            r
        })
        .await?;
    match found {
        Some(g) => Ok(Json(g).into_response()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "no group {:?} in the index (group ids look like g12)",
                short(&id)
            ),
        )),
    }
}

// ---- check ----------------------------------------------------------------

async fn check(
    State(state): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Api<Response> {
    let body = body.map_err(|e| body_error(&e, state.config.max_body))?;
    let q = Query::parse(query.as_deref());
    let limit = q
        .usize("limit")?
        .unwrap_or(state.config.limit)
        .clamp(1, MAX_LIMIT);
    let (articles, many) = read_articles(&headers, &body, "pasted", false)?;
    if articles.len() > MAX_CHECK_ARTICLES {
        return Err(unprocessable(format!(
            "{} articles in one check; at most {MAX_CHECK_ARTICLES}",
            articles.len()
        )));
    }
    let mut results = state
        .read(move |index| index.check(&articles, limit))
        .await?;
    if many {
        Ok(Json(results).into_response())
    } else {
        let one = results.pop().ok_or_else(internal)?;
        Ok(Json(one).into_response())
    }
}

// ---- add ------------------------------------------------------------------

#[derive(Serialize)]
struct Added {
    added: usize,
    already_present: Vec<String>,
    batches: usize,
    refingerprinted: usize,
    candidate_pairs: usize,
    copy_pairs: usize,
    regrouped: usize,
    articles: Vec<ArticleLine>,
}

async fn add(
    State(state): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Api<Response> {
    if state.config.read_only {
        return Err(read_only());
    }
    authorize(state.config.token.as_deref(), &headers)?;
    let body = body.map_err(|e| body_error(&e, state.config.max_body))?;
    let (articles, _) = read_articles(&headers, &body, "request", true)?;
    let batch = state.config.batch_size;
    let out = state
        .write(move |index| {
            let ids: Vec<String> = articles.iter().map(|a| a.id.clone()).collect();
            let summary = index.add(articles, batch, |_, _, _| {})?;
            let mut seen = std::collections::HashSet::new();
            let unique: Vec<&str> = ids
                .iter()
                .map(String::as_str)
                .filter(|id| seen.insert(*id))
                .collect();
            let lines = index.placements(&unique)?;
            Ok(Added {
                added: summary.added,
                already_present: summary.already_present.into_iter().map(|p| p.0).collect(),
                batches: summary.batches,
                refingerprinted: summary.refingerprinted,
                candidate_pairs: summary.candidate_pairs,
                copy_pairs: summary.copy_pairs,
                regrouped: summary.regrouped,
                articles: lines.into_iter().flatten().collect(),
            })
        })
        .await?;
    Ok(Json(out).into_response())
}

/// Writes need `Authorization: Bearer TOKEN` when the server has a token.
fn authorize(token: Option<&str>, headers: &HeaderMap) -> Api<()> {
    let Some(token) = token else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    match given {
        Some(g) if same(g.as_bytes(), token.as_bytes()) => Ok(()),
        _ => Err(ApiError {
            bearer: true,
            ..ApiError::new(
                StatusCode::UNAUTHORIZED,
                "adding articles needs the server's token: send `Authorization: Bearer TOKEN`",
            )
        }),
    }
}

/// Byte strings compared in time that depends on their lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---- request bodies -------------------------------------------------------

/// The articles of a request body: JSON (one object, or an array of
/// objects), JSON lines (`application/x-ndjson`), or plain text (one
/// article's text). Fields are named as in input files (`text`/`body`,
/// `title`, `id`, `source`, `published_at`/`date`, `url`, ...). Returns
/// them and whether the body held a list. With `need_id`, every record
/// must carry an id.
fn read_articles(
    headers: &HeaderMap,
    body: &[u8],
    name: &str,
    need_id: bool,
) -> Api<(Vec<Article>, bool)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = std::str::from_utf8(body).map_err(|e| {
        bad_request(format!(
            "the body is not UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    let location = |record: Option<u64>| Location {
        file: name.to_string(),
        line: 0,
        record,
    };
    let (values, many): (Vec<Value>, bool) = match content_type.as_str() {
        "text/plain" => {
            if need_id {
                return Err(unsupported(
                    "articles to add are JSON objects with an id (application/json)",
                ));
            }
            let article = Article {
                id: name.to_string(),
                title: None,
                text: text.to_string(),
                published_at: None,
                published_ts: None,
                source: None,
                url: None,
                canonical: None,
                location: location(None),
            };
            return checked(vec![article]).map(|a| (a, false));
        }
        "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" => {
            let mut values = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                values.push(
                    serde_json::from_str(line)
                        .map_err(|e| bad_request(format!("line {} is not JSON: {e}", i + 1)))?,
                );
            }
            (values, true)
        }
        "application/json" | "" => {
            match serde_json::from_str(text).map_err(|e| bad_request(format!("bad JSON: {e}")))? {
                Value::Array(values) => (values, true),
                value => (vec![value], false),
            }
        }
        other => {
            return Err(unsupported(format!(
                "cannot read a body of type {:?}: send application/json, application/x-ndjson \
                 or text/plain",
                short(other)
            )))
        }
    };
    if values.is_empty() {
        return Err(unprocessable("no article in the request"));
    }
    let fields = FieldNames::default();
    let mut articles = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let record = many.then_some(i as u64 + 1);
        let place = if many {
            format!("record {}: ", i + 1)
        } else {
            String::new()
        };
        if need_id && !has_id(value, &fields) {
            return Err(unprocessable(format!(
                "{place}no id (one of {}): every article added needs one",
                fields.id.join(", ")
            )));
        }
        let article = fields
            .to_article(value, location(record))
            .map_err(|e| unprocessable(format!("{place}{}", problem(&e))))?;
        articles.push(article);
    }
    checked(articles).map(|a| (a, many))
}

/// Articles without words are refused.
fn checked(articles: Vec<Article>) -> Api<Vec<Article>> {
    for (i, a) in articles.iter().enumerate() {
        if a.text.trim().is_empty() {
            let place = if articles.len() > 1 {
                format!("record {}: ", i + 1)
            } else {
                String::new()
            };
            return Err(unprocessable(format!("{place}the article's text is empty")));
        }
    }
    Ok(articles)
}

fn has_id(value: &Value, fields: &FieldNames) -> bool {
    fields.id.iter().any(|n| match value.get(n) {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Number(_)) => true,
        _ => false,
    })
}

/// A record problem in the API's words (the CLI's mention a flag).
fn problem(e: &crate::ingest::RecordProblem) -> String {
    match e {
        crate::ingest::RecordProblem::NoText(names) => {
            format!("no text field (one of {})", names.join(", "))
        }
        other => other.to_string(),
    }
}

// ---- errors and small parts -----------------------------------------------

fn body_error(e: &BytesRejection, max_body: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than this server's limit of {max_body} bytes \
                 (--max-body): send fewer articles per request"
            ),
        )
    } else {
        bad_request("could not read the request body")
    }
}

fn bad_path() -> ApiError {
    bad_request("the id in the path is not valid percent-encoded UTF-8")
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn unsupported(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
}

/// At most 200 characters of something a request sent, for a message.
fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

/// `key=value` pairs of a query string (numbers and booleans only, so no
/// percent-decoding is needed).
struct Query<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Query<'a> {
    fn parse(q: Option<&'a str>) -> Query<'a> {
        Query(
            q.unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| p.split_once('=').unwrap_or((p, "")))
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().rev().find(|(k, _)| *k == key).map(|p| p.1)
    }

    fn usize(&self, key: &str) -> Api<Option<usize>> {
        self.get(key)
            .map(|v| {
                v.parse().map_err(|_| {
                    bad_request(format!("{key} must be a whole number, not {:?}", short(v)))
                })
            })
            .transpose()
    }

    fn bool(&self, key: &str) -> Api<Option<bool>> {
        self.get(key)
            .map(|v| match v {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(bad_request(format!(
                    "{key} must be true or false, not {:?}",
                    short(v)
                ))),
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_equality() {
        assert!(same(b"secret", b"secret"));
        assert!(!same(b"secret", b"secreT"));
        assert!(!same(b"secret", b"secret2"));
        assert!(same(b"", b""));
    }

    #[test]
    fn queries() {
        let q = Query::parse(Some("limit=5&passages=false&x"));
        assert_eq!(q.usize("limit").unwrap(), Some(5));
        assert_eq!(q.bool("passages").unwrap(), Some(false));
        assert_eq!(q.usize("members").unwrap(), None);
        assert!(Query::parse(Some("limit=-1")).usize("limit").is_err());
        assert!(Query::parse(Some("passages=maybe"))
            .bool("passages")
            .is_err());
    }

    fn json_headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
    }

    #[test]
    fn bodies() {
        let h = json_headers("application/json");
        let (a, many) = read_articles(&h, br#"{"text":"a b c","title":"T"}"#, "pasted", false)
            .expect("one object");
        assert!(!many);
        assert_eq!(a[0].id, "pasted");
        assert_eq!(a[0].title.as_deref(), Some("T"));
        let (a, many) = read_articles(
            &h,
            br#"[{"id":"x","text":"a"},{"id":"y","body":"b"}]"#,
            "r",
            true,
        )
        .expect("an array");
        assert!(many);
        assert_eq!(a[1].id, "y");
        let e = read_articles(&h, br#"[{"text":"a"}]"#, "r", true).unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.contains("record 1: no id"), "{}", e.message);
        let e = read_articles(&h, b"{", "r", false).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(e.message.starts_with("bad JSON"));
        let e = read_articles(&h, br#"{"text":"  "}"#, "r", false).unwrap_err();
        assert!(e.message.contains("empty"));
        let e = read_articles(&h, b"[]", "r", false).unwrap_err();
        assert!(e.message.contains("no article"));
        let e = read_articles(&h, b"\xff", "r", false).unwrap_err();
        assert!(e.message.contains("UTF-8"));
        let (a, _) = read_articles(
            &json_headers("text/plain; charset=utf-8"),
            b"words",
            "p",
            false,
        )
        .expect("text");
        assert_eq!(a[0].text, "words");
        let (a, many) = read_articles(
            &json_headers("application/x-ndjson"),
            b"{\"id\":\"a\",\"text\":\"x\"}\n\n{\"id\":\"b\",\"text\":\"y\"}\n",
            "r",
            true,
        )
        .expect("lines");
        assert!(many);
        assert_eq!(a.len(), 2);
        let e = read_articles(&json_headers("application/xml"), b"<a/>", "r", false).unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}
