//! `reprint serve` end to end: the real binary on a free loopback port,
//! spoken to over HTTP/1.1 by a small std-only client; every response is
//! checked against `openapi.json`.

mod http;
mod openapi;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::{body, corpus_dir, Prose, TestDir};
use http::{encode, Server};
use openapi::{assert_documented, openapi, served_routes};

const SEED_000: &str = "seeds/000_c4dc295e8e3c2857.txt";
const SEED_001: &str = "seeds/001_ccead0fa9a0ce5d9.txt";
const SEED_002: &str = "seeds/002_60d291753dd6023b.txt";
const SEED_003: &str = "seeds/003_0fbf59b2bd68eeed.txt";

// ---- set-up ---------------------------------------------------------------

/// An index of seeds 000, 001 and 003 in `dir`.
fn seed_index(dir: &TestDir) -> PathBuf {
    let index = dir.path().join("seeds.db");
    let index_s = index.to_str().unwrap();
    dir.run(&["index", "create", index_s]).ok();
    let seeds = corpus_dir();
    let files: Vec<String> = [SEED_000, SEED_001, SEED_003]
        .iter()
        .map(|s| seeds.join(s).to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["index", "add", index_s];
    args.extend(files.iter().map(String::as_str));
    dir.run(&args).ok();
    index
}

fn seed_id(name: &str) -> String {
    corpus_dir().join(name).to_str().unwrap().to_string()
}

fn seed_text(name: &str) -> String {
    std::fs::read_to_string(corpus_dir().join(name)).unwrap()
}

// ---- tests ----------------------------------------------------------------

#[test]
fn serve_check_add_group_health() {
    let dir = TestDir::new("serve-main");
    let index = seed_index(&dir);
    let server = Server::start(&index, &[]);

    let r = server.get("/v1/health");
    assert_eq!(r.status, 200);
    assert_documented("GET", "/v1/health", &r);
    assert_eq!(r.json()["articles"], 3);
    assert_eq!(r.json()["read_only"], false);

    // the check equals `reprint check --index --format json` on the same article
    let id2 = seed_id(SEED_002);
    let cli = dir
        .run(&[
            "check",
            "--index",
            index.to_str().unwrap(),
            &id2,
            "--format",
            "json",
        ])
        .ok()
        .json();
    let text2 = seed_text(SEED_002);
    let title = text2.lines().next().unwrap();
    let r = server.post_json(
        "/v1/check",
        &json!({"id": id2, "title": title, "text": text2}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_documented("POST", "/v1/check", &r);
    let got = r.json();
    assert_eq!(got, cli[0], "the API answers what the CLI prints");
    assert_eq!(got["is_reprint"], true);
    let top = &got["matches"][0];
    assert_eq!(top["id"], seed_id(SEED_001));
    assert!(!top["passages"].as_array().unwrap().is_empty());
    let group = top["group"].as_str().unwrap().to_string();

    // plain text and a list work too; `limit` bounds the matches
    let r = server.call(
        "POST",
        "/v1/check?limit=1",
        &[("Content-Type", "text/plain; charset=utf-8")],
        text2.as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_documented("POST", "/v1/check", &r);
    assert_eq!(r.json()["id"], "pasted");
    assert_eq!(r.json()["matches"].as_array().unwrap().len(), 1);
    let r = server.post_json(
        "/v1/check",
        &json!([{"text": text2}, {"text": "Nothing like any stored story at all."}]),
    );
    assert_eq!(r.status, 200);
    assert_documented("POST", "/v1/check", &r);
    assert_eq!(r.json()[0]["is_reprint"], true);
    assert_eq!(r.json()[1]["is_reprint"], false);

    // a stored article, its id (with slashes) percent-encoded or not
    let id1 = seed_id(SEED_001);
    for path in [
        format!("/v1/articles/{}", encode(&id1)),
        format!("/v1/articles/{id1}"),
    ] {
        let r = server.get(&path);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        assert_documented("GET", "/v1/articles/{id}", &r);
        assert_eq!(r.json()["id"], id1.as_str());
        assert_eq!(r.json()["text"], seed_text(SEED_001).as_str());
        assert_eq!(r.json()["group"], group.as_str());
    }

    let r = server.get(&format!("/v1/groups/{group}"));
    assert_eq!(r.status, 200);
    assert_documented("GET", "/v1/groups/{id}", &r);
    assert_eq!(r.json()["size"], 1);

    // add 002: it joins 001's group, with passages against its parent
    let r = server.post_json(
        "/v1/articles",
        &json!({"id": id2, "title": title, "text": text2}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_documented("POST", "/v1/articles", &r);
    let added = r.json();
    assert_eq!(added["added"], 1);
    assert_eq!(added["articles"][0]["id"], id2.as_str());
    assert_eq!(added["articles"][0]["group"], group.as_str());

    let r = server.get(&format!("/v1/groups/{group}"));
    assert_documented("GET", "/v1/groups/{id}", &r);
    let g = r.json();
    assert_eq!(g["size"], 2);
    let members = g["members"].as_array().unwrap();
    let ids: Vec<&str> = members.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&id1.as_str()) && ids.contains(&id2.as_str()));
    let copy = members.iter().find(|m| !m["parent"].is_null()).unwrap();
    assert!(!copy["passages"].as_array().unwrap().is_empty());
    let r = server.get(&format!("/v1/groups/{group}?passages=false&members=1"));
    assert_documented("GET", "/v1/groups/{id}", &r);
    assert_eq!(r.json()["truncated"], true);
    assert!(r.json()["members"][0].get("passages").is_none());

    // the same again is not added twice
    let r = server.post_json("/v1/articles", &json!([{"id": id2, "text": text2}]));
    assert_documented("POST", "/v1/articles", &r);
    assert_eq!(r.json()["added"], 0);
    assert_eq!(r.json()["already_present"], json!([id2]));

    let r = server.get("/v1/stats");
    assert_eq!(r.status, 200);
    assert_documented("GET", "/v1/stats", &r);
    assert_eq!(r.json()["articles"], 4);
    assert_eq!(r.json()["groups"], 1);

    // the page and its parts
    let r = server.get("/");
    assert_eq!(r.status, 200);
    assert_documented("GET", "/", &r);
    let csp = r.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"));
    assert!(r.text().contains("<textarea"));
    for (path, kind) in [
        ("/assets/page.css", "text/css"),
        ("/assets/page.js", "text/javascript"),
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").unwrap().starts_with(kind));
        assert_documented("GET", path, &r);
    }

    // one access log line per request: method, path, status, milliseconds
    let check = |l: &String| l.starts_with("POST /v1/check 200 ") && l.ends_with(" ms");
    let stats = |l: &String| l.starts_with("GET /v1/stats 200 ");
    let log = server.log_until(|lines| lines.iter().any(check) && lines.iter().any(stats));
    assert!(log.iter().any(check), "{log:?}");
    assert!(log.iter().any(stats), "{log:?}");
}

#[test]
fn serve_errors_are_json() {
    let dir = TestDir::new("serve-errors");
    let index = seed_index(&dir);
    let token = dir.write("token", "s3cret-token\n");
    let server = Server::start(
        &index,
        &["--max-body", "2K", "--token-file", token.to_str().unwrap()],
    );

    // oversized body: 413 with the limit named
    let big = json!({"text": "word ".repeat(2000)}).to_string();
    let r = server.call(
        "POST",
        "/v1/check",
        &[("Content-Type", "application/json")],
        big.as_bytes(),
    );
    let m = r.assert_error(413);
    assert!(m.contains("2048 bytes"), "{m}");
    assert_documented("POST", "/v1/check", &r);

    let bad = [
        ("POST", "/v1/check", "application/json", "{\"text\": ", 400),
        ("POST", "/v1/check", "application/json", "[]", 422),
        (
            "POST",
            "/v1/check",
            "application/json",
            "{\"text\": \" \"}",
            422,
        ),
        (
            "POST",
            "/v1/check",
            "application/json",
            "{\"title\": \"x\"}",
            422,
        ),
        ("POST", "/v1/check", "application/json", "42", 422),
        ("POST", "/v1/check", "application/xml", "<a/>", 415),
        (
            "POST",
            "/v1/check?limit=lots",
            "application/json",
            "{\"text\":\"a\"}",
            400,
        ),
    ];
    for (method, path, content_type, body, status) in bad {
        let r = server.call(
            method,
            path,
            &[("Content-Type", content_type)],
            body.as_bytes(),
        );
        r.assert_error(status);
        assert_documented(method, path.split('?').next().unwrap(), &r);
    }
    let r = server.call("POST", "/v1/check", &[], b"{\"text\": \xff}");
    r.assert_error(400);

    // unknown ids, malformed group ids, unknown routes, wrong methods
    for (path, template) in [
        ("/v1/articles/no-such-article", "/v1/articles/{id}"),
        ("/v1/articles/..%2F..%2Fetc%2Fpasswd", "/v1/articles/{id}"),
        ("/v1/groups/g999", "/v1/groups/{id}"),
        ("/v1/groups/g0", "/v1/groups/{id}"),
        ("/v1/groups/..%2Fseeds.db", "/v1/groups/{id}"),
    ] {
        let r = server.get(path);
        r.assert_error(404);
        assert_documented("GET", template, &r);
    }
    server.get("/v1/articles/%FF%FE").assert_error(400);
    server.get("/v1/groups/g1?members=many").assert_error(400);
    server.get("/no/such/route").assert_error(404);
    server.get("/seeds.db").assert_error(404);
    server
        .call("DELETE", "/v1/health", &[], b"")
        .assert_error(405);
    server.call("GET", "/v1/check", &[], b"").assert_error(405);

    // writes need the token
    let article = json!({"id": "new-1", "text": "A new story about the harbour ferry schedule."});
    let r = server.post_json("/v1/articles", &article);
    let m = r.assert_error(401);
    assert!(m.contains("Bearer"), "{m}");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert_documented("POST", "/v1/articles", &r);
    // refused before the body is read: a body over the limit is still a 401
    let r = server.call(
        "POST",
        "/v1/articles",
        &[("Content-Type", "application/json")],
        big.as_bytes(),
    );
    r.assert_error(401);
    let wrong = server.call(
        "POST",
        "/v1/articles",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", "Bearer s3cret-tokeX"),
        ],
        article.to_string().as_bytes(),
    );
    wrong.assert_error(401);
    let auth = [
        ("Content-Type", "application/json"),
        ("Authorization", "Bearer s3cret-token"),
    ];
    let no_id = json!([{"text": "A story without an id."}]).to_string();
    let r = server.call("POST", "/v1/articles", &auth, no_id.as_bytes());
    assert!(r.assert_error(422).contains("record 1: no id"));
    assert_documented("POST", "/v1/articles", &r);
    let r = server.call(
        "POST",
        "/v1/articles",
        &auth,
        article.to_string().as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_documented("POST", "/v1/articles", &r);
    assert_eq!(r.json()["added"], 1);
    assert_eq!(server.get("/v1/health").json()["articles"], 4);
    drop(server);

    // a read-only server refuses writes, whoever asks
    let server = Server::start(&index, &["--read-only"]);
    let r = server.post_json("/v1/articles", &article);
    assert!(r.assert_error(403).contains("read-only"));
    assert_documented("POST", "/v1/articles", &r);
    assert_eq!(server.get("/v1/health").json()["read_only"], true);
}

#[test]
fn serve_openapi_documents_every_route() {
    let spec = openapi();
    let routes = served_routes();
    assert!(routes.len() >= 10, "routes found: {routes:?}");
    for (method, path) in &routes {
        assert!(
            spec["paths"][path][method].is_object(),
            "{} {path} is served but not in openapi.json",
            method.to_uppercase()
        );
    }
    // and nothing documented that is not served
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            assert!(
                routes.iter().any(|(m, p)| m == method && p == path),
                "{method} {path} is documented but not served"
            );
        }
    }
    let dir = TestDir::new("serve-openapi");
    let index = seed_index(&dir);
    let server = Server::start(&index, &["--read-only"]);
    let r = server.get("/v1/openapi.json");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        spec,
        "the server serves the repository's openapi.json"
    );
}

#[test]
fn serve_refuses_bad_set_ups() {
    let dir = TestDir::new("serve-setup");
    let r = dir.run(&["serve", "--index", "missing.db", "--addr", "127.0.0.1:0"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no such index"), "{}", r.stderr);
    let index = seed_index(&dir);
    dir.write("empty-token", "\n");
    let r = dir.run(&[
        "serve",
        "--index",
        index.to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
        "--token-file",
        "empty-token",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("token"), "{}", r.stderr);
    let r = dir.run(&["serve", "--index", "seeds.db", "--max-body", "0"]);
    assert_eq!(r.code, 2);
    let r = dir.run(&["serve", "--index", "seeds.db", "--addr", "not-an-address"]);
    assert_eq!(r.code, 2);
}

#[test]
fn serve_checks_go_on_while_a_batch_is_added() {
    let dir = TestDir::new("serve-concurrent");
    let index = seed_index(&dir);
    let server = Arc::new(Server::start(&index, &[]));
    let mut prose = Prose::new(8);
    let batch: Vec<Value> = (0..1500)
        .map(|i| {
            json!({"id": format!("batch-{i}"), "source": format!("outlet{}", i % 7),
                   "text": body(&prose.paragraphs(3, 40))})
        })
        .collect();
    let add = {
        let server = Arc::clone(&server);
        std::thread::spawn(move || {
            let started = Instant::now();
            let r = server.post_json("/v1/articles", &Value::Array(batch));
            (r, started.elapsed())
        })
    };
    let text2 = seed_text(SEED_002);
    let mut answered = 0;
    let started = Instant::now();
    let mut during = Vec::new();
    while !add.is_finished() || answered == 0 {
        let r = server.call(
            "POST",
            "/v1/check",
            &[("Content-Type", "text/plain")],
            text2.as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.json()["matches"][0]["id"], seed_id(SEED_001));
        answered += 1;
        during.push(started.elapsed());
    }
    let (r, took) = add.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["added"], 1500);
    let before_add_ended = during.iter().filter(|t| **t < took).count();
    assert!(
        before_add_ended >= 1,
        "a check was answered while the add ran ({answered} checks, add took {took:?})"
    );
    eprintln!(
        "{before_add_ended} checks answered during a {:.1} s add of 1,500 articles",
        took.as_secs_f64()
    );
    assert_eq!(server.get("/v1/health").json()["articles"], 1503);
}

#[test]
fn serve_deadline_and_busy_answer_503() {
    let dir = TestDir::new("serve-limits");
    let index = seed_index(&dir);
    let text2 = seed_text(SEED_002);

    // a deadline far shorter than the check: one text can be checked
    // within the timer's first millisecond, three hundred cannot
    let many = Value::Array((0..300).map(|_| json!({ "text": text2 })).collect());
    let server = Server::start(&index, &["--read-only", "--timeout", "0.000001"]);
    let r = server.post_json("/v1/check", &many);
    let m = r.assert_error(503);
    assert!(m.contains("--timeout"), "{m}");
    assert_documented("POST", "/v1/check", &r);
    drop(server);

    // one index operation at a time and none waiting: while a long check
    // runs, other requests are turned away at once
    let server = Arc::new(Server::start(
        &index,
        &["--read-only", "--max-concurrency", "1", "--max-queue", "0"],
    ));
    let mut accepted = false;
    for _attempt in 0..5 {
        let long = {
            let server = Arc::clone(&server);
            let many = many.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let r = server.post_json("/v1/check", &many);
                (r.status, started.elapsed())
            })
        };
        // let the long check take the one turn first
        std::thread::sleep(Duration::from_millis(100));
        let mut busy = 0;
        let mut tries = 0;
        while !long.is_finished() {
            let r = server.get("/v1/health");
            tries += 1;
            if r.status == 503 {
                assert!(r.assert_error(503).contains("busy"));
                assert_documented("GET", "/v1/health", &r);
                busy += 1;
            } else {
                assert_eq!(r.status, 200);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let (status, took) = long.join().unwrap();
        if status == 503 {
            // the long check came second after all: try again
            continue;
        }
        assert_eq!(status, 200);
        if took > Duration::from_millis(500) {
            assert!(
                busy > 0,
                "{tries} requests during a {took:?} check, none turned away"
            );
        }
        accepted = true;
        break;
    }
    assert!(accepted, "the long check was never let in");
    assert_eq!(server.get("/v1/health").status, 200, "free again");
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let dir = TestDir::new("serve-sigterm");
    let index = seed_index(&dir);
    let mut server = Server::start(&index, &["--read-only"]);
    assert_eq!(
        server
            .call(
                "POST",
                "/v1/check",
                &[("Content-Type", "text/plain")],
                seed_text(SEED_002).as_bytes()
            )
            .status,
        200
    );
    let pid = server.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
    // the reader's WAL files are gone: the index is left as it was found
    for side in ["seeds.db-wal", "seeds.db-shm"] {
        assert!(!dir.path().join(side).exists(), "{side} left behind");
    }
}
