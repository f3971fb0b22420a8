//! Output formats: the `jsonl` and `csv` columns, the `json` report's
//! sections, the `table` for people, and `-o FILE`.
//!
//! All on one small feed: an original, a verbatim copy and a truncated copy
//! of it, and two unrelated stories, interleaved so that input order and
//! group order differ.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{body, record, str_field, Lines, Prose, TestDir};

const IDS: [&str; 5] = ["orig", "unrelated-1", "copy", "trunc", "unrelated-2"];

const JSONL_KEYS: [&str; 9] = [
    "id",
    "group",
    "original_id",
    "is_original",
    "relation",
    "parent",
    "jaccard",
    "containment",
    "contained_by",
];

fn feed(dir: &TestDir, with_broken_line: bool) {
    let story = Prose::new(50).paragraphs(10, 50);
    let mut lines = vec![
        record(
            "orig",
            "First Outlet",
            "2025-01-01T08:00:00Z",
            &body(&story),
        )
        .to_string(),
        record(
            "unrelated-1",
            "First Outlet",
            "2025-01-01T09:00:00Z",
            &body(&Prose::new(51).paragraphs(5, 50)),
        )
        .to_string(),
        record(
            "copy",
            "Second Outlet",
            "2025-01-02T08:00:00Z",
            &body(&story),
        )
        .to_string(),
        record(
            "trunc",
            "Third Outlet",
            "2025-01-03T08:00:00Z",
            &body(&story[..3]),
        )
        .to_string(),
        record(
            "unrelated-2",
            "Third Outlet",
            "2025-01-03T09:00:00Z",
            &body(&Prose::new(52).paragraphs(5, 50)),
        )
        .to_string(),
    ];
    if with_broken_line {
        lines.insert(2, "{not json".to_string());
    }
    dir.write("feed.jsonl", lines.join("\n") + "\n");
}

fn fraction(v: &Value) -> bool {
    v.as_f64().is_some_and(|x| (0.0..=1.0).contains(&x))
}

#[test]
fn jsonl_has_one_line_per_article_in_input_order_with_the_documented_keys() {
    let dir = TestDir::new("jsonl");
    feed(&dir, false);
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    assert_eq!(lines.ids(), IDS);
    let want: BTreeSet<&str> = JSONL_KEYS.into_iter().collect();
    for l in &lines.0 {
        let keys: BTreeSet<&str> = l
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        // evidence (passages, additions) is present only where there is some
        let optional: BTreeSet<&str> = ["passages", "additions"].into_iter().collect();
        assert!(want.is_subset(&keys), "{l}");
        assert!(keys.difference(&want).all(|k| optional.contains(k)), "{l}");
    }
    lines.assert_group(&["orig", "copy", "trunc"]);
    lines.assert_alone("unrelated-1");
    lines.assert_alone("unrelated-2");

    // the original has no parent and no figures; each copy has all of them
    let orig = lines.get("orig");
    assert_eq!(orig["is_original"], true);
    for key in [
        "relation",
        "parent",
        "jaccard",
        "containment",
        "contained_by",
    ] {
        assert!(orig[key].is_null(), "original's {key}: {orig}");
    }
    for id in ["copy", "trunc"] {
        let l = lines.get(id);
        assert_eq!(l["is_original"], false, "{l}");
        assert_eq!(l["original_id"], "orig", "{l}");
        assert!(l["relation"].is_string() && l["parent"].is_string(), "{l}");
        for key in ["jaccard", "containment", "contained_by"] {
            assert!(fraction(&l[key]), "{id}'s {key} not in [0, 1]: {l}");
        }
    }

    // group ids count up in order of each group's first article
    let mut seen = Vec::new();
    for l in &lines.0 {
        let g = str_field(l, "group");
        if !seen.contains(&g) {
            seen.push(g);
            assert_eq!(g, format!("g{}", seen.len()), "{l}");
        }
    }
}

/// Piped output (as in every test) defaults to jsonl.
#[test]
fn jsonl_is_the_default_when_not_on_a_terminal() {
    let dir = TestDir::new("default-format");
    feed(&dir, false);
    let run = dir.run(&["cluster", "feed.jsonl"]).ok();
    assert_eq!(run.lines().ids(), IDS);
}

#[test]
fn json_report_has_params_stats_groups_singletons_and_skipped() {
    let dir = TestDir::new("json");
    feed(&dir, true);
    let args = ["--shingle-size", "4", "--num-perm", "64", "--seed", "42"];
    let run = dir
        .run(&[&["cluster", "feed.jsonl", "--format", "json"][..], &args].concat())
        .ok();
    let r = run.json();

    // the parameters that produced the fingerprints, as given
    let p = &r["params"];
    assert_eq!(p["shingle_size"], 4, "{p}");
    assert_eq!(p["num_perm"], 64, "{p}");
    assert_eq!(p["seed"], 42, "{p}");
    let (bands, rows) = (
        p["bands"].as_u64().expect("bands"),
        p["rows"].as_u64().expect("rows"),
    );
    assert!(bands >= 1 && rows >= 1 && bands * rows <= 64, "{p}");
    assert!(p["hash"].as_str().is_some_and(|h| !h.is_empty()), "{p}");
    assert!(p["normalizer_version"].is_u64(), "{p}");

    let groups = r["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{r}");
    let g = &groups[0];
    assert_eq!(g["original_id"], "orig");
    let members: Vec<&str> = g["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| str_field(m, "id"))
        .collect();
    assert_eq!(members[0], "orig", "original first");
    assert_eq!(
        BTreeSet::from_iter(members),
        BTreeSet::from(["orig", "copy", "trunc"])
    );
    let singletons: BTreeSet<&str> = r["singletons"]
        .as_array()
        .expect("singletons")
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(singletons, BTreeSet::from(["unrelated-1", "unrelated-2"]));

    let skipped = r["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1, "{r}");
    assert_eq!(skipped[0]["location"]["file"], "feed.jsonl");
    assert_eq!(skipped[0]["location"]["line"], 3);
    assert!(
        str_field(&skipped[0], "reason").contains("JSON"),
        "{}",
        skipped[0]
    );

    let s = &r["stats"];
    assert_eq!(s["articles"], 5, "{s}");
    assert_eq!(s["skipped"], 1, "{s}");
    assert_eq!(s["groups"], 1, "{s}");
    assert_eq!(s["grouped_articles"], 3, "{s}");
    assert_eq!(s["singletons"], 2, "{s}");
}

/// The json groups and the jsonl lines are two views of one result.
#[test]
fn json_and_jsonl_agree() {
    let dir = TestDir::new("json-jsonl");
    feed(&dir, false);
    let r = dir
        .run(&["cluster", "feed.jsonl", "--format", "json"])
        .ok()
        .json();
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    for g in r["groups"].as_array().expect("groups") {
        for m in g["members"].as_array().expect("members") {
            let l = lines.get(str_field(m, "id"));
            assert_eq!(l["group"], g["id"], "{l}");
            assert_eq!(l["original_id"], g["original_id"], "{l}");
            for key in [
                "is_original",
                "relation",
                "parent",
                "jaccard",
                "containment",
                "contained_by",
            ] {
                assert_eq!(l[key], m[key], "{key} of {l}");
            }
        }
    }
}

#[test]
fn csv_has_the_jsonl_columns_and_one_row_per_article() {
    let dir = TestDir::new("csv");
    feed(&dir, false);
    let run = dir.run(&["cluster", "feed.jsonl", "--format", "csv"]).ok();
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();

    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("csv header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, JSONL_KEYS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("csv row")).collect();
    assert_eq!(rows.len(), IDS.len(), "{}", run.stdout);
    for (row, line) in rows.iter().zip(&lines.0) {
        assert_eq!(&row[0], str_field(line, "id"));
        assert_eq!(&row[1], str_field(line, "group"));
        assert_eq!(&row[2], line["original_id"].as_str().unwrap_or(""));
        assert_eq!(
            &row[3],
            if line["is_original"] == true {
                "true"
            } else {
                "false"
            }
        );
        assert_eq!(&row[4], line["relation"].as_str().unwrap_or(""));
    }
}

#[test]
fn table_shows_each_group_with_its_members() {
    let dir = TestDir::new("table");
    feed(&dir, false);
    let run = dir
        .run(&["cluster", "feed.jsonl", "--format", "table"])
        .ok();
    for id in ["orig", "copy", "trunc"] {
        assert!(
            run.stdout.contains(id),
            "{id} missing from the table:\n{}",
            run.stdout
        );
    }
    assert!(
        !run.stdout.contains('\x1b'),
        "no colour outside a terminal:\n{}",
        run.stdout
    );
    let coloured = dir
        .run(&[
            "cluster",
            "feed.jsonl",
            "--format",
            "table",
            "--color",
            "always",
        ])
        .ok();
    assert!(
        coloured.stdout.contains('\x1b'),
        "--color always:\n{}",
        coloured.stdout
    );
}

#[test]
fn output_flag_writes_the_report_to_a_file() {
    let dir = TestDir::new("output");
    feed(&dir, false);
    let piped = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok();
    let run = dir
        .run(&[
            "cluster",
            "feed.jsonl",
            "--format",
            "jsonl",
            "-o",
            "report.jsonl",
        ])
        .ok();
    assert!(
        run.stdout.is_empty(),
        "the report goes to the file only:\n{}",
        run.stdout
    );
    let written =
        std::fs::read_to_string(dir.path().join("report.jsonl")).expect("-o wrote the file");
    assert_eq!(written, piped.stdout);
    assert_eq!(Lines::parse(&written).ids(), IDS);

    dir.run(&[
        "cluster",
        "feed.jsonl",
        "--format",
        "json",
        "--output",
        "report.json",
    ])
    .ok();
    let text =
        std::fs::read_to_string(dir.path().join("report.json")).expect("--output wrote the file");
    let report: Value = serde_json::from_str(&text).expect("the file is JSON");
    assert_eq!(report["stats"]["articles"], 5);
}
