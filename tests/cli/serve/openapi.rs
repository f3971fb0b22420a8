//! `openapi.json`: a small validator for the responses the tests get, and
//! the routes `src/serve/routes.rs` serves.

use std::path::Path;

use serde_json::Value;

use super::http::Response;

pub fn openapi() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("openapi.json")).expect("JSON")
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            let target = &spec["components"]["schemas"][name];
            assert!(target.is_object(), "unresolved {r}");
            resolve(spec, target)
        }
        None => schema,
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "string" => v.is_string(),
        "integer" => v.is_u64() || v.is_i64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

/// Where `value` breaks `schema` (required fields, types, enums, items).
fn violations(spec: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = options.iter().any(|o| {
            let mut v = Vec::new();
            violations(spec, o, value, at, &mut v);
            v.is_empty()
        });
        if !fits {
            out.push(format!("{at}: fits none of oneOf"));
        }
        return;
    }
    match schema.get("type") {
        Some(Value::String(t)) if !type_ok(t, value) => {
            out.push(format!("{at}: expected {t}, got {value}"));
            return;
        }
        Some(Value::Array(ts)) if !ts.iter().any(|t| type_ok(t.as_str().unwrap(), value)) => {
            out.push(format!("{at}: expected one of {ts:?}, got {value}"));
            return;
        }
        _ => {}
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            out.push(format!("{at}: {value} not in {allowed:?}"));
        }
    }
    if let Some(obj) = value.as_object() {
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let r = r.as_str().unwrap();
            if !obj.contains_key(r) {
                out.push(format!("{at}: required field {r:?} missing"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, v) in obj {
                match props.get(k) {
                    Some(s) => violations(spec, s, v, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}: field {k:?} is not documented")),
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            violations(spec, items, v, &format!("{at}[{i}]"), out);
        }
    }
}

/// Asserts that the answer to `method template` is documented: its status
/// and, for JSON, its body's fields and types.
pub fn assert_documented(method: &str, template: &str, r: &Response) {
    let spec = openapi();
    let op = &spec["paths"][template][method.to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {template} is not in openapi.json");
    let status = r.status.to_string();
    let response = &op["responses"][&status];
    assert!(
        response.is_object(),
        "{method} {template}: status {status} is not documented ({})",
        r.text()
    );
    let content = r.header("content-type").unwrap_or("").to_string();
    let media = content.split(';').next().unwrap().trim();
    let schema = &response["content"][media]["schema"];
    assert!(
        schema.is_object(),
        "{method} {template} {status}: content type {media:?} is not documented"
    );
    if media == "application/json" {
        let mut out = Vec::new();
        violations(&spec, schema, &r.json(), "$", &mut out);
        assert!(
            out.is_empty(),
            "{method} {template} {status} breaks openapi.json:\n{}",
            out.join("\n")
        );
    }
}

/// The routes `src/serve/routes.rs` serves: (method, OpenAPI path).
pub fn served_routes() -> Vec<(String, String)> {
    let src =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/serve/routes.rs"))
            .expect("routes.rs");
    let mut out = Vec::new();
    for line in src.lines() {
        let Some(rest) = line.trim().strip_prefix(".route(\"") else {
            continue;
        };
        let (path, rest) = rest.split_once('"').unwrap();
        let rest = rest.trim_start_matches(',').trim();
        let method = rest.split('(').next().unwrap().to_string();
        out.push((method, path.replace("{*", "{")));
    }
    out
}
