//! `--html FILE`: one self-contained page. What a browser would do with it
//! is tested in `tests/browser`; here, the file itself: nothing fetched from
//! the network, the data block parses and holds the groups and their texts,
//! every text from the input is escaped, and a corpus without groups still
//! gives a whole page.

use serde_json::Value;

use crate::util::{body, corpus_dir, record, Prose, TestDir};

const DATA_OPEN: &str = "<script type=\"application/json\" id=\"reprint-data\">";

/// Runs `reprint cluster ARGS --html report.html` in `dir` and returns the page.
fn html(dir: &TestDir, args: &[&str]) -> String {
    let mut all = vec!["cluster", "-q", "--format", "json", "-o", "report.json"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--html", "report.html"]);
    dir.run(&all).ok();
    std::fs::read_to_string(dir.path().join("report.html")).expect("report.html is written")
}

/// The JSON data block, parsed.
fn data(page: &str) -> Value {
    let start = page.find(DATA_OPEN).expect("the page has a data block") + DATA_OPEN.len();
    let len = page[start..]
        .find("</script>")
        .expect("the data block is closed");
    let json = &page[start..start + len];
    assert!(
        !json.contains('<'),
        "no '<' in the data block, so nothing can close it early"
    );
    serde_json::from_str(json).unwrap_or_else(|e| panic!("the data block is not JSON: {e}"))
}

/// A page that is whole: one document, closed, with the script at the end.
fn assert_whole_page(page: &str) {
    assert!(page.starts_with("<!doctype html>"), "{}", &page[..80]);
    assert!(page.trim_end().ends_with("</html>"));
    assert_eq!(page.matches("<script").count(), 2, "the data and the app");
    assert_eq!(page.matches("</script>").count(), 2);
    assert!(page.contains("<meta charset=\"utf-8\">"));
}

/// Nothing in the page loads from the network: no `src`/`href`/`url()`
/// naming a remote address, no `@import`, and a policy forbidding requests.
fn assert_self_contained(page: &str) {
    let lower = page.to_ascii_lowercase();
    for attr in ["src=", "href=", "url(", "action=", "srcset="] {
        for quote in ["", "\"", "'"] {
            for remote in ["http:", "https:", "//"] {
                let needle = format!("{attr}{quote}{remote}");
                assert!(!lower.contains(&needle), "the page references {needle}");
            }
        }
    }
    assert!(!lower.contains("@import"));
    assert!(!lower.contains("<link"), "no linked stylesheets or icons");
    assert!(lower.contains("content-security-policy\" content=\"default-src 'none'"));
}

#[test]
fn seeds_give_a_self_contained_page_with_the_seed_group_and_its_texts() {
    let dir = TestDir::new("html-seeds");
    let seeds = corpus_dir().join("seeds");
    let page = html(&dir, &[seeds.to_str().unwrap()]);
    assert_whole_page(&page);
    assert_self_contained(&page);

    let data = data(&page);
    let groups = data["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "the seeds hold one group");
    let ids: Vec<&str> = groups[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    for seed in ["001_ccead0fa9a0ce5d9.txt", "002_60d291753dd6023b.txt"] {
        let id = ids
            .iter()
            .find(|id| id.ends_with(seed))
            .unwrap_or_else(|| panic!("{seed} is in the group: {ids:?}"));
        assert!(page.contains(id), "the page names {id}");
        let text = data["texts"][*id].as_str().expect("the member's text");
        let on_disk = std::fs::read_to_string(seeds.join(seed)).unwrap();
        assert_eq!(text.trim(), on_disk.trim(), "the text of {seed}, as read");
    }
    // only grouped articles carry their text
    assert_eq!(data["texts"].as_object().unwrap().len(), 2);
    // the copy's evidence: passages inside both texts
    let copy = groups[0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["parent"].is_string())
        .expect("a member with a parent");
    let passages = copy["passages"].as_array().expect("passages");
    assert!(!passages.is_empty());
    let chars = |id: &str| data["texts"][id].as_str().unwrap().chars().count() as u64;
    let parent = copy["parent"].as_str().unwrap();
    for p in passages {
        assert!(p["start"].as_u64() < p["end"].as_u64());
        assert!(p["end"].as_u64().unwrap() <= chars(copy["id"].as_str().unwrap()));
        assert!(p["parent_end"].as_u64().unwrap() <= chars(parent));
    }
    assert!(copy["additions"].as_array().is_some_and(|a| !a.is_empty()));
    // each member's date in seconds, for the timeline (the seeds are undated)
    assert_eq!(groups[0]["ts"].as_array().map(Vec::len), Some(2));
}

#[test]
fn the_whole_corpus_renders_with_every_group_of_the_json_report() {
    let dir = TestDir::new("html-corpus");
    let corpus = corpus_dir();
    let page = html(
        &dir,
        &[
            corpus.join("seeds").to_str().unwrap(),
            corpus.join("cases").to_str().unwrap(),
        ],
    );
    assert_whole_page(&page);
    assert_self_contained(&page);
    let data = data(&page);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    let group_ids = |v: &Value| -> Vec<String> {
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(group_ids(&data), group_ids(&report));
    assert_eq!(data["same_story"], report["same_story"]);
    // non-Latin texts survive the trip (Persian, Chinese, Cyrillic cases)
    for id in ["fa-orig", "zh-orig", "ru-orig"] {
        assert!(
            data["texts"][id].as_str().is_some_and(|t| !t.is_ascii()),
            "{id}"
        );
    }
    // dated members carry seconds for the timeline
    let dated = data["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["ts"].as_array().unwrap())
        .filter(|t| t.is_i64())
        .count();
    assert!(dated > 0);
}

#[test]
fn markup_from_the_input_is_escaped_everywhere() {
    let dir = TestDir::new("html-inject");
    let story = body(&Prose::new(70).paragraphs(6, 50));
    let evil = "<script>alert(1)</script>";
    let text = format!("{evil} {story} <img src=x onerror=alert(2)> <!--<script>");
    let mut original = record("orig", "<b>Evil</b> Gazette", "2025-01-01T08:00:00Z", &text);
    original["title"] = Value::from("</script><script>alert(3)</script>");
    let copy = record(
        "copy-<i>x</i>",
        "Copy & Paste",
        "2025-01-02T08:00:00Z",
        &format!("Reposted. {text} Subscribe!"),
    );
    dir.write_jsonl("feed.jsonl", &[original, copy]);
    // skipped records and warnings carry input too: a file name and an id
    dir.write("<script>alert(4)<b>.txt", b"\x00\x01binary\xff");
    dir.write(
        "dup.jsonl",
        "{\"id\":\"<i>dup</i>\",\"text\":\"one two three\"}\n{\"id\":\"<i>dup</i>\",\"text\":\"four five six\"}\n",
    );
    let page = html(&dir, &["."]);
    assert_whole_page(&page);
    assert_self_contained(&page);
    for raw in [
        "<script>alert",
        "<img",
        "<b>",
        "<i>",
        "</script><script>",
        "<!--",
    ] {
        assert!(!page.contains(raw), "{raw:?} is in the page unescaped");
    }
    assert!(
        page.contains("&lt;script&gt;alert(4)&lt;b&gt;.txt"),
        "skipped file name, escaped"
    );
    assert!(page.contains("&lt;i&gt;dup&lt;/i&gt;"), "warning, escaped");

    let data = data(&page);
    assert_eq!(data["groups"].as_array().map(Vec::len), Some(1));
    let members = data["groups"][0]["members"].as_array().unwrap();
    assert_eq!(members[0]["title"], "</script><script>alert(3)</script>");
    assert_eq!(members[0]["source"], "<b>Evil</b> Gazette");
    assert_eq!(members[1]["id"], "copy-<i>x</i>");
    assert_eq!(data["texts"]["orig"].as_str(), Some(text.as_str()));
}

#[test]
fn a_corpus_without_groups_still_gives_a_whole_page() {
    let dir = TestDir::new("html-empty");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            record(
                "a",
                "One",
                "2025-01-01",
                &body(&Prose::new(80).paragraphs(3, 40)),
            ),
            record(
                "b",
                "Two",
                "2025-01-02",
                &body(&Prose::new(81).paragraphs(3, 40)),
            ),
        ],
    );
    let page = html(&dir, &["feed.jsonl"]);
    assert_whole_page(&page);
    assert_self_contained(&page);
    let data = data(&page);
    assert_eq!(data["groups"], Value::Array(vec![]));
    assert_eq!(data["singletons"], serde_json::json!(["a", "b"]));
    assert!(page.contains("Skipped records (0)"));

    // and an input with no article at all
    dir.write("empty.jsonl", "");
    let page = html(&dir, &["empty.jsonl"]);
    assert_whole_page(&page);
    assert_eq!(data_groups(&page), 0);
}

fn data_groups(page: &str) -> usize {
    data(page)["groups"].as_array().map_or(0, Vec::len)
}

#[test]
fn without_evidence_the_page_has_groups_but_no_texts() {
    let dir = TestDir::new("html-no-evidence");
    let seeds = corpus_dir().join("seeds");
    let page = html(&dir, &[seeds.to_str().unwrap(), "--no-evidence"]);
    assert_whole_page(&page);
    let data = data(&page);
    assert_eq!(data["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(data["texts"], serde_json::json!({}));
}

#[test]
fn an_unwritable_html_path_fails_with_exit_2() {
    let dir = TestDir::new("html-unwritable");
    dir.write_jsonl(
        "feed.jsonl",
        &[record("a", "One", "2025-01-01", "Some words here.")],
    );
    let run = dir.run(&[
        "cluster",
        "-q",
        "feed.jsonl",
        "--html",
        "no/such/folder/report.html",
    ]);
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("no/such/folder/report.html"),
        "{}",
        run.stderr
    );
}
