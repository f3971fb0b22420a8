//! Clustering verdicts on generated articles: truncated copies, excerpts
//! quoted inside another story, and one outlet's header and footer around
//! different stories.
//!
//! The prose is generated (see `util::Prose`) so that the figures are known
//! by construction: a shared paragraph is shared verbatim, and nothing else
//! is shared by accident.

use crate::util::{body, record, Prose, TestDir};

/// A 12-paragraph story (~60 words a paragraph) and a copy of its first 3
/// paragraphs: Jaccard is about 0.25, so only containment finds it.
#[test]
fn truncated_copy_is_a_reprint_of_the_original() {
    let paras = Prose::new(1).paragraphs(12, 60);
    let dir = TestDir::new("truncated");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            record(
                "orig",
                "Tidewater Register",
                "2025-03-04T09:15:00Z",
                &body(&paras),
            ),
            record(
                "copy",
                "Coastal Daily",
                "2025-03-04T15:40:00Z",
                &body(&paras[..3]),
            ),
        ],
    );
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    lines.assert_group(&["orig", "copy"]);
    let copy = lines.get("copy");
    assert_eq!(copy["relation"], "reprint", "{copy}");
    assert_eq!(copy["parent"], "orig");
    assert_eq!(copy["original_id"], "orig");
    assert_eq!(lines.get("orig")["is_original"], true);
}

/// Three consecutive paragraphs of a 12-paragraph story quoted in the
/// middle of an unrelated 15-paragraph story: whole-text figures are low,
/// only the shared passage links them.
#[test]
fn excerpt_inside_an_unrelated_story_is_partial() {
    let source = Prose::new(2).paragraphs(12, 60);
    let mut quoting = Prose::new(3).paragraphs(15, 60);
    let middle = quoting.split_off(7);
    quoting.extend_from_slice(&source[6..9]);
    quoting.extend(middle);
    assert_eq!(quoting.len(), 18);

    let dir = TestDir::new("excerpt");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            record(
                "source",
                "Valley Press Service",
                "2025-06-10T18:20:00Z",
                &body(&source),
            ),
            record(
                "quoting",
                "Lindale Weekly",
                "2025-06-17T12:00:00Z",
                &body(&quoting),
            ),
        ],
    );
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    lines.assert_group(&["source", "quoting"]);
    let q = lines.get("quoting");
    assert_eq!(q["relation"], "partial", "{q}");
    assert_eq!(q["parent"], "source");
    assert_eq!(q["original_id"], "source");
}

/// The original is the earliest, even when its copy comes first in the
/// input.
#[test]
fn original_is_the_earliest_whatever_the_input_order() {
    let paras = Prose::new(4).paragraphs(6, 50);
    let dir = TestDir::new("order");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            record(
                "later",
                "Second Outlet",
                "2025-02-02T08:00:00Z",
                &body(&paras),
            ),
            record(
                "earlier",
                "First Outlet",
                "2025-02-01T08:00:00Z",
                &body(&paras),
            ),
        ],
    );
    let lines = dir.run(&["cluster", "feed.jsonl"]).ok().lines();
    lines.assert_group(&["later", "earlier"]);
    for id in ["later", "earlier"] {
        assert_eq!(lines.get(id)["original_id"], "earlier", "{id}");
    }
    assert_eq!(lines.get("earlier")["is_original"], true);
    assert_eq!(lines.get("later")["is_original"], false);
}

const WRAPPER_OUTLET: &str = "Metro Wire Hub";

/// One outlet's page chrome: a breadcrumb and five fixed lines above the
/// story (~70 words), twelve below it (~150 words, the size of a legal
/// footer), one sentence per line as scraped pages have them. About twice
/// the words of each story it wraps.
fn wrap(story: &[String]) -> String {
    let mut chrome = Prose::new(99);
    let header: Vec<String> = (0..5).map(|_| chrome.sentence()).collect();
    let footer: Vec<String> = (0..12).map(|_| chrome.sentence()).collect();
    format!(
        "{WRAPPER_OUTLET} / News / Markets /\n{}\n\n{}\n\n{}",
        header.join("\n"),
        body(story),
        footer.join("\n")
    )
}

fn wrapped_stories() -> Vec<serde_json::Value> {
    (0..4)
        .map(|i| {
            let story = Prose::new(10 + i).paragraphs(2, 55);
            let id = format!("wrapped-{i}");
            let date = format!("2025-04-0{}T10:00:00Z", i + 1);
            record(&id, WRAPPER_OUTLET, &date, &wrap(&story))
        })
        .collect()
}

/// Four different stories in one outlet's long header and footer: the
/// chrome outweighs each story, yet no two are copies.
#[test]
fn one_outlets_chrome_around_different_stories_makes_no_group() {
    let dir = TestDir::new("wrapper");
    dir.write_jsonl("feed.jsonl", &wrapped_stories());
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    assert_eq!(lines.0.len(), 4);
    for i in 0..4 {
        lines.assert_alone(&format!("wrapped-{i}"));
    }
}

/// The same chrome around a real repost: learning the chrome must not
/// erase the copy along with it.
#[test]
fn one_outlets_chrome_does_not_hide_a_real_repost() {
    let story = Prose::new(20).paragraphs(8, 50);
    let mut records = wrapped_stories();
    records.push(record(
        "repost-orig",
        "Harbour Ledger",
        "2025-04-03T14:30:00Z",
        &body(&story),
    ));
    records.push(record(
        "repost",
        WRAPPER_OUTLET,
        "2025-04-04T02:00:00Z",
        &wrap(&story),
    ));
    let dir = TestDir::new("wrapper-copy");
    dir.write_jsonl("feed.jsonl", &records);
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    lines.assert_group(&["repost-orig", "repost"]);
    let rel = lines.relation("repost");
    assert!(
        matches!(rel, Some("reprint" | "near-identical")),
        "relation {rel:?}"
    );
    assert_eq!(lines.get("repost")["original_id"], "repost-orig");
    for i in 0..4 {
        lines.assert_alone(&format!("wrapped-{i}"));
    }
}

/// A roundup quoting two unrelated stories in full, each story with a copy
/// of its own: the roundup joins one story's group, and the two stories
/// stay apart (a plain union of verified pairs would chain them).
#[test]
fn a_roundup_does_not_chain_the_stories_it_quotes() {
    let first = Prose::new(21).paragraphs(5, 60);
    let second = Prose::new(22).paragraphs(5, 60);
    let mut roundup = vec!["Here is what you need to know this morning.".to_string()];
    roundup.extend_from_slice(&first);
    roundup.push("In other news.".to_string());
    roundup.extend_from_slice(&second);
    let dir = TestDir::new("roundup");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            record("first", "Wire A", "2025-05-01T08:00:00Z", &body(&first)),
            record(
                "first-copy",
                "Paper A",
                "2025-05-01T10:00:00Z",
                &body(&first),
            ),
            record("second", "Wire B", "2025-05-01T09:00:00Z", &body(&second)),
            record(
                "second-copy",
                "Paper B",
                "2025-05-01T11:00:00Z",
                &body(&second),
            ),
            record(
                "roundup",
                "Briefing",
                "2025-05-01T12:00:00Z",
                &body(&roundup),
            ),
        ],
    );
    for threads in ["1", "2"] {
        let lines = dir
            .run(&["cluster", "feed.jsonl", "--format", "jsonl", "-j", threads])
            .ok()
            .lines();
        assert_ne!(lines.group_of("first"), lines.group_of("second"));
        assert_eq!(lines.group_of("first"), lines.group_of("first-copy"));
        assert_eq!(lines.group_of("second"), lines.group_of("second-copy"));
        let joined = lines.group_of("roundup");
        assert!(joined == lines.group_of("first") || joined == lines.group_of("second"));
    }
}
