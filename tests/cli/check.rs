//! `reprint check --against`: one article, or many, against a corpus, with
//! grep-like exit codes.

use serde_json::Value;

use crate::util::{corpus_dir, TestDir};

const SEEDS: [&str; 4] = [
    "000_c4dc295e8e3c2857.txt",
    "001_ccead0fa9a0ce5d9.txt",
    "002_60d291753dd6023b.txt",
    "003_0fbf59b2bd68eeed.txt",
];

/// A corpus of the seeds except `left_out`, and the left-out seed's path.
fn seeds_without(dir: &TestDir, left_out: usize) -> String {
    for (i, name) in SEEDS.iter().enumerate() {
        let text = std::fs::read(corpus_dir().join("seeds").join(name)).unwrap();
        let folder = if i == left_out { "query" } else { "corpus" };
        dir.write(&format!("{folder}/{name}"), text);
    }
    format!("query/{}", SEEDS[left_out])
}

#[test]
fn an_edited_copy_finds_its_source_with_figures_group_and_passages() {
    let dir = TestDir::new("check-seed");
    let query = seeds_without(&dir, 2);
    let run = dir.run(&["check", "--against", "corpus", &query, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let results: Value = serde_json::from_str(&run.stdout).unwrap();
    let r = &results[0];
    assert_eq!(r["is_reprint"], true);
    assert_eq!(r["verdict"], "edited");
    let m = &r["matches"][0];
    assert_eq!(m["id"], "corpus/001_ccead0fa9a0ce5d9.txt");
    assert!((m["jaccard"].as_f64().unwrap() - 0.25).abs() < 0.03, "{m}");
    // 54% of the edited copy is inside the BTCC repost
    assert!(m["containment"].as_f64().unwrap() > 0.5, "{m}");
    assert!(!m["passages"].as_array().unwrap().is_empty());
    assert!(m["group"].as_str().unwrap().starts_with('g'));
    assert_eq!(m["credited_source"], "Cryptopolitan");
    // the rewrite and the other story are not copies
    assert_eq!(r["matches"].as_array().unwrap().len(), 1, "{r}");
}

#[test]
fn a_different_story_is_no_reprint_and_exits_1() {
    let dir = TestDir::new("check-none");
    let query = seeds_without(&dir, 3);
    let run = dir.run(&["check", "--against", "corpus", &query, "--format", "jsonl"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(r["is_reprint"], false);
    assert!(r["matches"].as_array().unwrap().is_empty());
}

#[test]
fn many_articles_from_jsonl_and_stdin() {
    let dir = TestDir::new("check-many");
    seeds_without(&dir, 1);
    let copy = std::fs::read_to_string(corpus_dir().join("seeds").join(SEEDS[1])).unwrap();
    let feed = [
        serde_json::json!({"id": "copy", "text": copy}),
        serde_json::json!({"id": "other", "text": "A council approved a new bridge over the river on Monday after a long debate."}),
    ];
    dir.write_jsonl("feed.jsonl", &feed);
    let run = dir.run(&[
        "check",
        "--against",
        "corpus",
        "feed.jsonl",
        "--format",
        "jsonl",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["id"].as_str(), lines[0]["is_reprint"].as_bool()),
        (Some("copy"), Some(true))
    );
    assert_eq!(lines[1]["is_reprint"], false);

    let stdin = dir.run_stdin(
        &["check", "--against", "corpus", "-", "--format", "jsonl"],
        copy.as_bytes(),
    );
    assert_eq!(stdin.code, 0, "{}", stdin.stderr);
    let r: Value = serde_json::from_str(stdin.stdout.trim()).unwrap();
    assert_eq!(r["matches"][0]["id"], "corpus/002_60d291753dd6023b.txt");
}

#[test]
fn a_missing_corpus_is_an_error_naming_it() {
    let dir = TestDir::new("check-missing");
    let query = seeds_without(&dir, 2);
    let run = dir.run(&["check", "--against", "no-such-folder", &query]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no-such-folder"), "{}", run.stderr);
}
