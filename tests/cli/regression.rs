//! Edge cases and bugs found while writing these tests: degenerate inputs,
//! bad arguments, closed pipes, and copy patterns that once went unseen.
//! Each test names the behaviour it guards; the runner already fails any
//! run that panics.

use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::util::{body, record, Prose, TestDir};

fn story(seed: u64) -> String {
    body(&Prose::new(seed).paragraphs(4, 50))
}

#[test]
fn empty_inputs_give_an_empty_report() {
    let dir = TestDir::new("empty");
    dir.write("empty.jsonl", "");
    dir.write("blank.jsonl", "\n\n  \n");
    dir.write("only-ignored/notes.csv", "a,b\n");
    std::fs::create_dir_all(dir.path().join("nothing")).unwrap();
    for input in ["empty.jsonl", "blank.jsonl", "only-ignored", "nothing"] {
        let run = dir.run(&["cluster", input, "--format", "jsonl"]).ok();
        assert!(run.stdout.is_empty(), "{input}: {}", run.stdout);
        let report = dir.run(&["cluster", input, "--format", "json"]).ok().json();
        assert_eq!(report["stats"]["articles"], 0, "{input}");
    }
}

/// Texts with no words, one word, one endless word, only marks or emoji:
/// each is still an article of its own, and none is a copy of another.
#[test]
fn degenerate_texts_are_kept_and_left_alone() {
    let texts = [
        String::new(),
        "   \n\n\t ".to_string(),
        "!!! ... ??? --- ***".to_string(),
        "word".to_string(),
        "x".repeat(20_000),
        "\u{200c}\u{200b}\u{200f}\u{feff}".to_string(),
        "🚀🌕📈 🚀🌕📈 🔥".to_string(),
        "# \n\n---\n\n> \n\n```\n```".to_string(),
        "长".repeat(5_000),
        "Mixed Кириллица و فارسی 和中文 words 123 ۱۲۳".to_string(),
    ];
    let records: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"id": format!("t{i}"), "text": t}))
        .collect();
    let dir = TestDir::new("degenerate");
    dir.write_jsonl("odd.jsonl", &records);
    let lines = dir
        .run(&["cluster", "odd.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    assert_eq!(lines.0.len(), texts.len());
    for i in 0..texts.len() {
        lines.assert_alone(&format!("t{i}"));
    }
}

#[test]
fn duplicate_ids_are_warned_about_and_both_kept() {
    let dir = TestDir::new("dup-ids");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            json!({"id": "same", "text": story(1)}),
            json!({"id": "same", "text": story(2)}),
        ],
    );
    let run = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok();
    assert_eq!(run.lines().ids(), ["same", "same"]);
    let warned = run
        .stderr
        .lines()
        .any(|l| l.contains("feed.jsonl:2: ") && l.contains("duplicate id"));
    assert!(warned, "stderr:\n{}", run.stderr);
}

#[test]
fn binary_file_in_a_folder_is_skipped_without_failing_the_run() {
    let dir = TestDir::new("binary");
    dir.write("in/good.txt", format!("A Good Headline\n\n{}", story(1)));
    dir.write("in/bad.txt", b"PK\x03\x04\x00\x00binary\x00junk");
    let run = dir.run(&["cluster", "in", "--format", "jsonl"]).ok();
    assert_eq!(run.lines().ids(), ["in/good.txt"]);
    assert!(
        run.stderr.lines().any(|l| l.contains("in/bad.txt: ")),
        "stderr:\n{}",
        run.stderr
    );
    assert_eq!(dir.run(&["cluster", "in", "--strict"]).code, 2);
}

#[test]
fn invalid_utf8_is_read_lossily_with_a_warning() {
    let dir = TestDir::new("utf8");
    let mut line = br#"{"id": "latin1", "text": "caf"#.to_vec();
    line.extend_from_slice(b"\xe9 au lait on the harbour front\"}\n");
    dir.write("feed.jsonl", line);
    dir.write(
        "page.txt",
        b"Caf\xe9 Reopens\n\nThe caf\xe9 on the harbour front reopened.",
    );
    let run = dir
        .run(&["cluster", "feed.jsonl", "page.txt", "--format", "jsonl"])
        .ok();
    assert_eq!(run.lines().ids(), ["latin1", "page.txt"]);
    for place in ["feed.jsonl:1: ", "page.txt: "] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains(place) && l.contains("UTF-8")),
            "no warning at {place}:\n{}",
            run.stderr
        );
    }
}

/// A symbolic link back up the tree is reported, not followed forever.
#[cfg(unix)]
#[test]
fn symlink_loop_in_a_folder_is_skipped() {
    let dir = TestDir::new("symlink-loop");
    dir.write(
        "tree/a/story.txt",
        format!("A Headline Here\n\n{}", story(1)),
    );
    std::os::unix::fs::symlink("..", dir.path().join("tree/a/up")).expect("symlink");
    let run = dir.run(&["cluster", "tree", "--format", "jsonl"]).ok();
    assert_eq!(run.lines().ids(), ["tree/a/story.txt"]);
    assert!(run.stderr.contains("tree/a/up"), "stderr:\n{}", run.stderr);
}

/// Bad flags are usage errors (exit 2, a message), never a panic.
#[test]
fn bad_arguments_exit_2_with_a_message() {
    let dir = TestDir::new("bad-args");
    dir.write_jsonl("feed.jsonl", &[json!({"id": "a", "text": story(1)})]);
    let cases: &[&[&str]] = &[
        &["cluster"],
        &["cluster", "feed.jsonl", "--format", "xml"],
        &["cluster", "feed.jsonl", "--num-perm", "0"],
        &["cluster", "feed.jsonl", "--shingle-size", "0"],
        &["cluster", "feed.jsonl", "--bands", "1000"],
        &["cluster", "feed.jsonl", "--lsh-threshold", "0"],
        &["cluster", "feed.jsonl", "--near-identical", "1.5"],
        &["cluster", "feed.jsonl", "-j", "-3"],
        &["cluster", "feed.jsonl", "-o", "no/such/dir/out.jsonl"],
    ];
    for args in cases {
        let run = dir.run(args);
        assert_eq!(run.code, 2, "{args:?}: stderr:\n{}", run.stderr);
        assert!(!run.stderr.trim().is_empty(), "{args:?}: no message");
    }
    let run = dir.run(&["cluster", "feed.jsonl", "-o", "no/such/dir/out.jsonl"]);
    assert!(
        run.stderr.contains("no/such/dir/out.jsonl"),
        "stderr:\n{}",
        run.stderr
    );
}

/// Bug: `main` prints the error and then its source chain, but the error's
/// own message already ends with its source, so the reason came out twice:
/// `reprint: error: invalid parameters: --num-perm must be between 16 and
/// 1024 (got 0): --num-perm must be between 16 and 1024 (got 0)`.
#[test]
fn error_messages_state_the_reason_once() {
    let dir = TestDir::new("error-once");
    dir.write_jsonl("feed.jsonl", &[json!({"id": "a", "text": story(1)})]);
    let run = dir.run(&["cluster", "feed.jsonl", "--num-perm", "0"]);
    assert_eq!(
        run.stderr.matches("--num-perm must be between").count(),
        1,
        "stderr:\n{}",
        run.stderr
    );
    let run = dir.run(&["cluster", "feed.jsonl", "-o", "missing/out.jsonl"]);
    assert_eq!(
        run.stderr.matches("No such file or directory").count(),
        1,
        "stderr:\n{}",
        run.stderr
    );
}

/// `reprint cluster ... | head`: a reader that goes away is not an error.
/// Spawned by hand because the shared runner reads all of stdout.
#[test]
fn closed_stdout_is_not_an_error() {
    let dir = TestDir::new("broken-pipe");
    let records: Vec<_> = (0..50)
        .map(|i| json!({"id": format!("a{i}"), "text": story(i)}))
        .collect();
    dir.write_jsonl("feed.jsonl", &records);
    let mut child = Command::new(env!("CARGO_BIN_EXE_reprint"))
        .args(["cluster", "feed.jsonl", "--format", "jsonl"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn reprint");
    // close the read end before the child writes anything
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    // exit 0, or a silent SIGPIPE death as many CLIs choose; not an error
    #[cfg(unix)]
    let by_sigpipe = std::os::unix::process::ExitStatusExt::signal(&status) == Some(13);
    #[cfg(not(unix))]
    let by_sigpipe = false;
    assert!(
        status.code() == Some(0) || by_sigpipe,
        "{status}; stderr:\n{stderr}"
    );
}

/// More verbatim copies than fit one LSH bucket's cap still form one group
/// with one original.
#[test]
fn a_story_copied_by_eighty_outlets_is_one_group() {
    let text = story(5);
    let records: Vec<_> = (0..80)
        .map(|i| {
            record(
                &format!("c{i:02}"),
                &format!("Outlet {i}"),
                &format!("2025-01-01T{:02}:{:02}:00Z", i / 60, i % 60),
                &text,
            )
        })
        .collect();
    let dir = TestDir::new("eighty");
    dir.write_jsonl("feed.jsonl", &records);
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    let ids: Vec<String> = (0..80).map(|i| format!("c{i:02}")).collect();
    lines.assert_group(&ids.iter().map(String::as_str).collect::<Vec<_>>());
    for l in &lines.0 {
        assert_eq!(l["original_id"], "c00", "{l}");
    }
}

/// Bug: one outlet publishing the same story three times (a re-post, an
/// AMP page and a print page, as scraped dumps hold them) gave three
/// singletons: the per-outlet boilerplate rule took every sentence of the
/// story for that outlet's chrome and masked the whole text.
#[test]
fn one_outlet_publishing_a_story_three_times_is_one_group() {
    let text = story(6);
    let records: Vec<_> = ["web", "amp", "print"]
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            record(
                kind,
                "Same Outlet",
                &format!("2025-01-0{}T08:00:00Z", i + 1),
                &text,
            )
        })
        .collect();
    let dir = TestDir::new("same-outlet");
    dir.write_jsonl("feed.jsonl", &records);
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    lines.assert_group(&["web", "amp", "print"]);
}

/// Bug: a one-sentence wire brief run verbatim by four outlets gave four
/// singletons: the corpus-wide boilerplate rule counts each article's start
/// and end as distinct neighbours, so a sentence that is the whole article
/// looks like a stock line with varied neighbours and is masked.
#[test]
fn a_one_sentence_brief_syndicated_to_four_outlets_is_one_group() {
    let text = "Vestholm Wind, the Danish turbine maker, said on Tuesday it would cut 1,200 jobs across its \
                factories in Esbjerg and Aalborg over the next eighteen months as orders for offshore projects \
                slowed and steel costs kept rising, according to a statement released to the stock exchange.";
    let records: Vec<_> = (0..4)
        .map(|i| {
            record(
                &format!("brief-{i}"),
                &format!("Outlet {i}"),
                &format!("2025-01-0{}T08:00:00Z", i + 1),
                text,
            )
        })
        .collect();
    let dir = TestDir::new("one-sentence");
    dir.write_jsonl("feed.jsonl", &records);
    let lines = dir
        .run(&["cluster", "feed.jsonl", "--format", "jsonl"])
        .ok()
        .lines();
    lines.assert_group(&["brief-0", "brief-1", "brief-2", "brief-3"]);
}
