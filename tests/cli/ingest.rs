//! Reading inputs: every file format, folders, standard input, JSON field
//! names, and what happens to records that cannot be read.
//!
//! The skip messages are a contract here: `FILE:LINE: reason` (or
//! `FILE: record N: reason` inside a JSON array), with the path exactly as
//! the user typed it, so that an editor or `grep` can jump to the record.

use serde_json::json;

use crate::util::{body, record, Prose, TestDir};

fn story(seed: u64) -> String {
    body(&Prose::new(seed).paragraphs(3, 50))
}

/// stderr lines that report `location`, delimited on both sides so that
/// `f.jsonl:3` matches neither `f.jsonl:30` nor `/abs/path/f.jsonl:3`.
fn reports<'a>(stderr: &'a str, location: &str) -> Vec<&'a str> {
    let needle = format!("{location}: ");
    let spaced = format!(" {needle}");
    stderr
        .lines()
        .filter(|l| l.starts_with(&needle) || l.contains(&spaced))
        .collect()
}

/// A JSONL file whose third line is broken, after a blank line that still
/// counts: good records on lines 1, 4 and 5.
fn feed_with_broken_line(dir: &TestDir) {
    let good =
        |id: &str, seed| record(id, "Outlet", "2025-01-01T00:00:00Z", &story(seed)).to_string();
    let lines = [
        good("r1", 1),
        String::new(),
        r#"{"id": "broken" "text": "a missing comma"}"#.to_string(),
        good("r4", 4),
        good("r5", 5),
    ];
    dir.write("sub/feed.jsonl", lines.join("\n") + "\n");
}

#[test]
fn broken_jsonl_line_is_reported_with_file_and_line_and_the_rest_is_read() {
    let dir = TestDir::new("broken-line");
    feed_with_broken_line(&dir);
    let run = dir.run(&["cluster", "sub/feed.jsonl", "--format", "jsonl"]);
    assert_eq!(
        run.code, 0,
        "one bad record does not fail the run: {}",
        run.stderr
    );
    let hits = reports(&run.stderr, "sub/feed.jsonl:3");
    assert_eq!(hits.len(), 1, "stderr:\n{}", run.stderr);
    assert!(
        hits[0].contains("invalid JSON"),
        "reason missing: {}",
        hits[0]
    );
    assert_eq!(run.lines().ids(), ["r1", "r4", "r5"]);
}

#[test]
fn broken_jsonl_line_fails_a_strict_run() {
    let dir = TestDir::new("broken-strict");
    feed_with_broken_line(&dir);
    let run = dir.run(&["cluster", "sub/feed.jsonl", "--format", "jsonl", "--strict"]);
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    assert_eq!(
        reports(&run.stderr, "sub/feed.jsonl:3").len(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn record_without_text_is_reported_with_file_and_line() {
    let dir = TestDir::new("no-text");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            record("a", "Outlet", "2025-01-01", &story(1)),
            json!({"id": "no-body", "title": "A headline and nothing else"}),
            record("c", "Outlet", "2025-01-01", &story(3)),
        ],
    );
    let run = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok();
    let hits = reports(&run.stderr, "feed.jsonl:2");
    assert_eq!(hits.len(), 1, "stderr:\n{}", run.stderr);
    assert!(hits[0].contains("no text field"), "{}", hits[0]);
    assert_eq!(run.lines().ids(), ["a", "c"]);

    let strict = dir.run(&["cluster", "feed.jsonl", "--strict"]);
    assert_eq!(strict.code, 2);
}

#[test]
fn record_without_text_in_a_json_array_is_named_by_its_number() {
    let dir = TestDir::new("array-no-text");
    let records = json!([{"id": "a", "text": story(1)}, {"id": "b", "body": null}]);
    dir.write("arr.json", records.to_string());
    let run = dir.run(&["cluster", "arr.json", "--format", "jsonl"]).ok();
    let hits = reports(&run.stderr, "arr.json: record 2");
    assert_eq!(hits.len(), 1, "stderr:\n{}", run.stderr);
    assert!(hits[0].contains("no text field"), "{}", hits[0]);
    assert_eq!(run.lines().ids(), ["a"]);
}

#[test]
fn missing_input_fails_the_run_and_names_the_path() {
    let dir = TestDir::new("missing");
    dir.write_jsonl("real.jsonl", &[json!({"id": "a", "text": story(1)})]);
    let run = dir.run(&["cluster", "real.jsonl", "nowhere/nope.jsonl"]);
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.contains("nowhere/nope.jsonl"),
        "stderr:\n{}",
        run.stderr
    );
}

/// Every supported extension in a nested tree, plus files that are not
/// articles and must be ignored. Folders are read in file-name order.
#[test]
fn folder_tree_reads_every_format_in_file_name_order() {
    let dir = TestDir::new("tree");
    dir.write(
        "root/a.txt",
        format!("Harbour Bridge Reopens After Repairs\n\n{}", story(1)),
    );
    dir.write(
        "root/nested/deeper/b.md",
        format!(
            "# Tunnel Works\n\nThe **county** &amp; the city&#8217;s board.\n\n{}",
            story(2)
        ),
    );
    dir.write(
        "root/c.json",
        json!({"id": "c-obj", "text": story(3)}).to_string(),
    );
    dir.write(
        "root/nested/d.json",
        json!([{"id": "d1", "text": story(4)}, {"id": "d2", "text": story(5)}]).to_string(),
    );
    dir.write_jsonl(
        "root/e.jsonl",
        &[
            json!({"id": "e1", "text": story(6)}),
            json!({"id": "e2", "text": story(7)}),
        ],
    );
    dir.write_jsonl(
        "root/nested/f.ndjson",
        &[
            json!({"id": "f1", "text": story(8)}),
            json!({"id": "f2", "text": story(9)}),
        ],
    );
    dir.write("root/notes.csv", "id,text\nx,not an article\n");
    dir.write(
        "root/nested/picture.png",
        [0x89, b'P', b'N', b'G', 0, 0, 0, 13],
    );

    let run = dir.run(&["cluster", "root", "--format", "jsonl"]).ok();
    assert_eq!(
        run.lines().ids(),
        [
            "root/a.txt",
            "c-obj",
            "e1",
            "e2",
            "d1",
            "d2",
            "root/nested/deeper/b.md",
            "f1",
            "f2"
        ],
        "stderr:\n{}",
        run.stderr
    );
}

/// Markup and HTML entities are not words: a Markdown page and its plain
/// text version are the same article. Text files take their first line as
/// the title.
#[test]
fn markdown_and_plain_text_of_one_story_are_identical_copies() {
    let paras = Prose::new(40).paragraphs(3, 50);
    let md = format!(
        "# Ferry Fares Rise\n\nThe **harbour** board&#8217;s vote &amp; the [county council](https://example.com/x) \
         decision&nbsp;stand.\n\n{}\n\n- first item here\n- second item here\n",
        body(&paras)
    );
    let txt = format!(
        "Ferry Fares Rise\n\nThe harbour board\u{2019}s vote & the county council decision stand.\n\n{}\n\n\
         first item here\nsecond item here\n",
        body(&paras)
    );
    let dir = TestDir::new("markdown");
    dir.write("story.md", md);
    dir.write("story_copy.txt", txt);
    let run = dir
        .run(&["cluster", "story.md", "story_copy.txt", "--format", "json"])
        .ok();
    let report = run.json();
    let groups = report["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{report}");
    let members = groups[0]["members"].as_array().expect("members");
    assert_eq!(members.len(), 2);
    for m in members {
        assert_eq!(m["title"], "Ferry Fares Rise", "{m}");
        if !m["relation"].is_null() {
            assert!(
                matches!(m["relation"].as_str(), Some("identical" | "near-identical")),
                "{m}"
            );
        }
    }
}

/// News exports often save JSON under `.txt`: the object's fields are
/// used, its id when it has one, else the file path.
#[test]
fn txt_file_holding_a_json_object_is_read_as_json() {
    let dir = TestDir::new("txt-json");
    dir.write(
        "named.txt",
        json!({"slug": "json-in-txt", "body_md": story(1), "published_at": "2025-01-01"})
            .to_string(),
    );
    dir.write("unnamed.txt", json!({"text": story(2)}).to_string());
    let run = dir
        .run(&["cluster", "named.txt", "unnamed.txt", "--format", "jsonl"])
        .ok();
    assert_eq!(run.lines().ids(), ["json-in-txt", "unnamed.txt"]);
}

#[test]
fn stdin_takes_jsonl_json_or_plain_text() {
    let dir = TestDir::new("stdin");
    dir.write_jsonl(
        "file.jsonl",
        &[json!({"id": "from-file", "text": story(3)})],
    );

    let jsonl = format!(
        "{}\n{}\n",
        json!({"id": "s1", "text": story(1)}),
        json!({"id": "s2", "text": story(2)})
    );
    let run = dir
        .run_stdin(
            &["cluster", "-", "file.jsonl", "--format", "jsonl"],
            jsonl.as_bytes(),
        )
        .ok();
    assert_eq!(run.lines().ids(), ["s1", "s2", "from-file"]);

    let array = json!([{"id": "s1", "text": story(1)}]).to_string();
    let run = dir
        .run_stdin(&["cluster", "-", "--format", "jsonl"], array.as_bytes())
        .ok();
    assert_eq!(run.lines().ids(), ["s1"]);

    let plain = format!("A Plain Headline\n\n{}", story(4));
    let run = dir
        .run_stdin(&["cluster", "-", "--format", "jsonl"], plain.as_bytes())
        .ok();
    assert_eq!(run.lines().ids(), ["-"]);
}

/// `slug`, `body_md`, `publisher` (also as `{"name": ...}`) and `published`
/// are guessed. The dates prove it: the later copy comes first in the
/// input, yet the earlier one is the original.
#[test]
fn common_export_field_names_are_guessed() {
    let text = story(7);
    let dir = TestDir::new("guess");
    dir.write_jsonl(
        "export.jsonl",
        &[
            json!({"slug": "copy-late", "body_md": text, "publisher": "Late Post", "published": "2025-05-02"}),
            json!({"slug": "orig-early", "body_md": text, "publisher": {"name": "Early Times"},
                   "published": "2025-05-01T08:00:00Z"}),
        ],
    );
    let report = dir
        .run(&["cluster", "export.jsonl", "--format", "json"])
        .ok()
        .json();
    let group = &report["groups"][0];
    assert_eq!(group["original_id"], "orig-early", "{report}");
    let members = group["members"].as_array().expect("members");
    let member = |id: &str| {
        members
            .iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {group}"))
    };
    assert_eq!(member("copy-late")["source"], "Late Post");
    assert_eq!(member("orig-early")["source"], "Early Times");
    assert_eq!(member("copy-late")["published_at"], "2025-05-02");
}

/// A named field replaces the guessed list: with `--text-field story` the
/// identical `text` fields are ignored, so the two records are no longer
/// copies.
#[test]
fn field_flags_replace_the_guesses() {
    let dir = TestDir::new("override");
    let same = story(1);
    dir.write_jsonl(
        "odd.jsonl",
        &[
            json!({"key": "k1", "story": story(2), "text": same}),
            json!({"key": "k2", "story": story(3), "text": same}),
        ],
    );
    let guessed = dir
        .run(&["cluster", "odd.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    // no id field guessed: the location stands in for it
    assert_eq!(guessed.ids(), ["odd.jsonl:1", "odd.jsonl:2"]);
    assert_eq!(
        guessed.group_of("odd.jsonl:1"),
        guessed.group_of("odd.jsonl:2")
    );

    let named = dir
        .run(&[
            "cluster",
            "odd.jsonl",
            "--format",
            "jsonl",
            "--id-field",
            "key",
            "--text-field",
            "story",
        ])
        .ok()
        .lines();
    assert_eq!(named.ids(), ["k1", "k2"]);
    named.assert_alone("k1");
    named.assert_alone("k2");

    let missing = dir
        .run(&["cluster", "odd.jsonl", "--text-field", "nothing_here"])
        .ok();
    let hits = reports(&missing.stderr, "odd.jsonl:1");
    assert!(
        hits.iter().any(|l| l.contains("nothing_here")),
        "stderr:\n{}",
        missing.stderr
    );
    assert!(
        missing.lines().0.is_empty(),
        "no record has that field: {}",
        missing.stdout
    );
}

/// An HTML page and the same story as plain text: the page's text (not its
/// tags, scripts or styles) is what is compared.
#[test]
fn an_html_page_is_read_as_its_text() {
    let dir = TestDir::new("html-page");
    let story = "Russia and Iran signed a memorandum on blockchain and artificial intelligence in Moscow on Friday, the Iranian news agency reported. The document covers cybersecurity, regulation and the joint work of technology parks in both countries.";
    dir.write(
        "in/page.html",
        format!(
            "<!doctype html><html><head><title>t</title><style>body {{ margin: 0 }}</style>\n<script>var tracking = 1;</script></head>\n<body><nav>Home</nav><p>{}</p>\n</body></html>\n",
            story.replace(", the", " &mdash; the")
        ),
    );
    dir.write("in/copy.txt", story.replace(", the", " \u{2014} the"));
    let lines = dir
        .run(&["cluster", "in", "--format", "jsonl"])
        .ok()
        .lines();
    lines.assert_group(&["in/copy.txt", "in/page.html"]);
}
