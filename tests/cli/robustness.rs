//! The bad-input suite: every kind of broken, hostile or degenerate input
//! the robustness issue lists, each run through the real binary.
//!
//! Each case writes its own fixtures (nothing is committed), runs
//! `reprint cluster`, and checks three promises on top of its own:
//!
//! - no panic reaches the user (the shared runner fails any run whose
//!   stderr says "panicked" or whose exit code is a panic's; the suite also
//!   re-checks every stderr it collected);
//! - no article is lost: records in = articles reported + records skipped
//!   with a reason;
//! - every skip and warning is actionable: it names a file we wrote, a
//!   line, record or byte offset where one exists, and a reason.
//!
//! `bad_input_suite` runs every case and prints the case list with its
//! outcome (`cargo test --test cli bad_input_suite -- --nocapture`). Some
//! cases are also pinned in more detail by older tests, named in the case.

use std::panic::{catch_unwind, AssertUnwindSafe};

use serde_json::json;

use crate::util::{body, Prose, Run, TestDir};

fn story(seed: u64) -> String {
    body(&Prose::new(seed).paragraphs(4, 50))
}

/// What one case observed, for the table.
struct Outcome {
    /// Records (or files, for inputs that are one article each) written.
    records_in: usize,
    reported: usize,
    skipped: usize,
    warnings: usize,
    /// In words: what happened to the bad input.
    what: String,
    stderr: String,
}

/// Runs `cluster ARGS --format jsonl` and checks the promises every case
/// shares. `records_in` is what the fixtures hold.
fn run_case(dir: &TestDir, args: &[&str], records_in: usize) -> (Run, Outcome) {
    let mut all = vec!["cluster"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "jsonl"]);
    let run = dir.run(&all);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let outcome = account(&run, records_in);
    (run, outcome)
}

/// Counts reported articles, skips and warnings; checks the skip and
/// warning lines are actionable and that nothing was lost.
fn account(run: &Run, records_in: usize) -> Outcome {
    let reported = run.lines().0.len();
    let mut skipped = 0;
    let mut warnings = 0;
    for line in run.stderr.lines() {
        if let Some(rest) = line.strip_prefix("reprint: skipped ") {
            skipped += 1;
            assert_actionable(rest, line);
        } else if let Some(rest) = line.strip_prefix("reprint: warning: ") {
            warnings += 1;
            assert_actionable(rest, line);
        }
    }
    assert_eq!(
        records_in,
        reported + skipped,
        "articles lost: {records_in} in, {reported} reported, {skipped} skipped\n{}",
        run.stderr
    );
    Outcome {
        records_in,
        reported,
        skipped,
        warnings,
        what: String::new(),
        stderr: run.stderr.clone(),
    }
}

/// `FILE[:LINE| record N]: reason`, with a non-empty reason and a file that
/// is a relative path of the test folder (or `-`).
fn assert_actionable(rest: &str, line: &str) {
    let (place, reason) = rest
        .split_once(": ")
        .unwrap_or_else(|| panic!("no `place: reason` in {line:?}"));
    assert!(!reason.trim().is_empty(), "no reason in {line:?}");
    assert!(
        !place.is_empty() && !place.starts_with('/'),
        "not a path we gave: {line:?}"
    );
}

fn with(mut o: Outcome, what: &str) -> Outcome {
    o.what = what.to_string();
    o
}

fn stderr_line<'a>(run: &'a Run, needles: &[&str]) -> &'a str {
    run.stderr
        .lines()
        .find(|l| needles.iter().all(|n| l.contains(n)))
        .unwrap_or_else(|| panic!("no stderr line with {needles:?}:\n{}", run.stderr))
}

// ---------------------------------------------------------------- cases

/// Invalid UTF-8 is decoded lossily (U+FFFD) with a warning naming the
/// file, the line and the byte offset; outside a JSON string it breaks the
/// JSON and the line is skipped. (`regression::invalid_utf8_is_read_lossily_with_a_warning`
/// pins the message for text files.)
fn invalid_utf8() -> Outcome {
    let dir = TestDir::new("rb-utf8");
    let mut feed = json!({"id": "ok", "text": story(1)})
        .to_string()
        .into_bytes();
    feed.extend_from_slice(b"\n{\"id\": \"latin1\", \"text\": \"caf\xe9 ");
    let escaped = serde_json::to_string(&story(2)).unwrap();
    feed.extend_from_slice(escaped.trim_matches('"').as_bytes());
    feed.extend_from_slice(b"\"}\n{\"id\": \"broken\", \"te\xffxt\" \xfe}\n");
    dir.write("feed.jsonl", feed);
    let mut page = b"Caf\xe9 Reopens\n\n".to_vec();
    page.extend_from_slice(story(2).as_bytes());
    dir.write("page.txt", page);
    let (run, o) = run_case(&dir, &["feed.jsonl", "page.txt"], 4);
    let lines = run.lines();
    assert_eq!(lines.ids(), ["ok", "latin1", "page.txt"]);
    // the offset is 0-based within the line; the replaced byte is one
    // word: the two copies still match
    lines.assert_group(&["latin1", "page.txt"]);
    let w = stderr_line(&run, &["feed.jsonl:2: ", "invalid UTF-8 at byte 29"]);
    assert!(w.contains("U+FFFD"), "{w}");
    stderr_line(&run, &["page.txt: ", "invalid UTF-8 at byte 3"]);
    stderr_line(&run, &["skipped feed.jsonl:3: ", "invalid JSON"]);
    with(
        o,
        "decoded lossily, warning names file:line and byte offset; broken JSON line skipped",
    )
}

/// A binary file among articles is skipped, named; the folder is read.
/// (Also `regression::binary_file_in_a_folder_is_skipped_without_failing_the_run`.)
fn binary_file_in_folder() -> Outcome {
    let dir = TestDir::new("rb-binary");
    dir.write("in/a.txt", format!("A Good Headline\n\n{}", story(1)));
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    png.extend((0..4096u32).map(|i| (i * 7 % 251) as u8));
    dir.write("in/b.txt", &png);
    dir.write("in/c.md", format!("Another Headline\n\n{}", story(2)));
    let (run, o) = run_case(&dir, &["in"], 3);
    assert_eq!(run.lines().ids(), ["in/a.txt", "in/c.md"]);
    stderr_line(&run, &["skipped in/b.txt: ", "binary"]);
    assert_eq!(dir.run(&["cluster", "in", "--strict"]).code, 2);
    with(
        o,
        "skipped with reason \"binary file\"; others read; --strict exits 2",
    )
}

/// NUL bytes: raw in a JSON line (not valid JSON: skipped), escaped in a
/// text (`\u0000`: kept, not a word), in a text file's first 8 KiB (a
/// binary file: skipped), after it (kept).
fn nul_bytes() -> Outcome {
    let dir = TestDir::new("rb-nul");
    let mut feed = json!({"id": "escaped", "text": format!("{}\u{0}{}", story(1), story(2))})
        .to_string()
        .into_bytes();
    feed.extend_from_slice(b"\n{\"id\": \"raw\", \"text\": \"a\x00b\"}\n");
    dir.write("feed.jsonl", feed);
    dir.write("early.txt", format!("Head Line\n\n\0{}", story(3)));
    dir.write(
        "late.txt",
        format!(
            "Head Line\n\n{}\n{}\0tail",
            story(4),
            "filler ".repeat(2000)
        ),
    );
    let (run, o) = run_case(&dir, &["feed.jsonl", "early.txt", "late.txt"], 4);
    assert_eq!(run.lines().ids(), ["escaped", "late.txt"]);
    stderr_line(&run, &["skipped feed.jsonl:2: ", "control character"]);
    stderr_line(&run, &["skipped early.txt: ", "NUL"]);
    with(
        o,
        "escaped \\u0000 kept; raw NUL in JSON skipped (line named); NUL in a text file's first 8 KiB = binary, skipped; later NUL kept",
    )
}

/// One JSON line of 100 MB (an export carrying the page's raw HTML): read,
/// its article found as a copy, and the line after it still read. A text
/// of 2 MB is also fingerprinted and matched (a 100 MB *text* works too,
/// but takes minutes in a debug build: see the robustness note).
fn huge_line() -> Outcome {
    let dir = TestDir::new("rb-huge");
    let s = story(5);
    let mut feed = Vec::with_capacity(105 << 20);
    feed.extend_from_slice(
        json!({"id": "first", "text": story(6)})
            .to_string()
            .as_bytes(),
    );
    feed.extend_from_slice(b"\n{\"id\": \"huge\", \"text\": ");
    feed.extend_from_slice(serde_json::to_string(&s).unwrap().as_bytes());
    feed.extend_from_slice(b", \"raw_html\": \"");
    let chunk = "<div class=\\\"ad\\\">Buy now &amp; save</div> ".as_bytes();
    while feed.len() < 100 << 20 {
        feed.extend_from_slice(chunk);
    }
    feed.extend_from_slice(b"\"}\n");
    let long: String = (0..40)
        .map(|i| story(100 + i))
        .collect::<Vec<_>>()
        .join("\n\n");
    let long = long.repeat((2 << 20) / long.len() + 1);
    for (id, text) in [
        ("copy", format!("Reposted.\n\n{s}")),
        ("long", long.clone()),
        ("long-copy", format!("From our partners.\n\n{long}")),
    ] {
        feed.extend_from_slice(json!({"id": id, "text": text}).to_string().as_bytes());
        feed.push(b'\n');
    }
    assert!(feed.len() > 100 << 20);
    dir.write("big.jsonl", &feed);
    drop(feed);
    let (run, o) = run_case(&dir, &["big.jsonl"], 5);
    let lines = run.lines();
    assert_eq!(lines.ids(), ["first", "huge", "copy", "long", "long-copy"]);
    lines.assert_group(&["huge", "copy"]);
    lines.assert_group(&["long", "long-copy"]);
    with(
        o,
        "100 MB line read, its article grouped with its copy, next lines read; 2 MB text matched",
    )
}

/// Nesting far past any sane depth: JSON (serde's limit of 128 levels
/// makes it an error, not a stack overflow: the record is skipped with that
/// reason), and Markdown/HTML markup inside a text (kept).
fn deeply_nested() -> Outcome {
    let dir = TestDir::new("rb-nested");
    let depth = 200_000;
    dir.write(
        "deep.json",
        format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
    );
    let nested = format!(
        "{{\"id\": \"nested\", \"text\": \"x\", \"meta\": {}{}}}",
        "{\"a\":".repeat(depth),
        "1".to_string() + &"}".repeat(depth)
    );
    dir.write(
        "feed.jsonl",
        format!(
            "{}\n{nested}\n{}\n",
            json!({"id": "before", "text": story(1)}),
            json!({"id": "after", "text": story(1)})
        ),
    );
    let markup = [
        ("quotes.md", "> ".repeat(depth / 4) + "hello"),
        ("lists.md", "- ".repeat(depth / 4) + "hello"),
        ("links.md", "[".repeat(depth) + "x" + &"](u)".repeat(depth)),
        ("emphasis.md", "*".repeat(depth) + "x" + &"*".repeat(depth)),
        (
            "divs.html",
            "<div>".repeat(depth) + "x" + &"</div>".repeat(depth),
        ),
    ];
    let mut args = vec!["deep.json", "feed.jsonl"];
    for (name, text) in &markup {
        dir.write(name, text);
        args.push(name);
    }
    let (run, o) = run_case(&dir, &args, 3 + 1 + markup.len());
    let lines = run.lines();
    lines.assert_group(&["before", "after"]);
    stderr_line(&run, &["skipped deep.json: record 1: ", "recursion limit"]);
    stderr_line(&run, &["skipped feed.jsonl:2: ", "recursion limit"]);
    let stdin = dir.run_stdin(
        &["cluster", "-", "--format", "jsonl"],
        format!("{}{}", "[".repeat(depth), "]".repeat(depth)).as_bytes(),
    );
    assert_eq!(stdin.code, 0);
    account(&stdin, 1);
    with(
        o,
        "JSON past 128 levels skipped (\"recursion limit exceeded\", line named), no stack overflow; nested markup read as text",
    )
}

/// A file cut off mid-record: the records before the cut are kept, the cut
/// one is skipped as "truncated JSON" with its line or record number.
fn truncated_json() -> Outcome {
    let dir = TestDir::new("rb-trunc");
    let whole = |id: &str, seed| json!({"id": id, "text": story(seed)}).to_string();
    let cut = |s: String| s[..s.len() / 2].to_string();
    dir.write(
        "feed.jsonl",
        format!(
            "{}\n{}\n{}",
            whole("l1", 1),
            whole("l2", 2),
            cut(whole("l3", 3))
        ),
    );
    dir.write(
        "array.json",
        format!(
            "[\n{},\n{},\n{}",
            whole("a1", 1),
            whole("a2", 2),
            cut(whole("a3", 3))
        ),
    );
    dir.write(
        "unclosed.json",
        format!("[\n{},\n{}\n", whole("u1", 4), whole("u2", 5)),
    );
    let (run, o) = run_case(
        &dir,
        &["feed.jsonl", "array.json", "unclosed.json"],
        3 + 3 + 3,
    );
    assert_eq!(run.lines().ids(), ["l1", "l2", "a1", "a2", "u1", "u2"]);
    stderr_line(&run, &["skipped feed.jsonl:3: ", "truncated JSON"]);
    stderr_line(
        &run,
        &["skipped array.json: record 3: ", "truncated JSON at line 4"],
    );
    stderr_line(&run, &["skipped unclosed.json: record 3: ", "not closed"]);
    with(
        o,
        "records before the cut kept (also in a JSON array: fixed, it lost the whole file); cut record skipped with line/record",
    )
}

/// Empty files: `.jsonl` holds no record (nothing to report), `.json` is
/// skipped as "empty file", a text file is an article with no words
/// (reported alone). (`regression::empty_inputs_give_an_empty_report`.)
fn empty_files() -> Outcome {
    let dir = TestDir::new("rb-empty");
    for f in ["e.jsonl", "e.json", "e.txt", "e.md"] {
        dir.write(f, "");
    }
    dir.write("ws.json", " \n\t\n");
    let (run, o) = run_case(&dir, &["e.jsonl", "e.json", "e.txt", "e.md", "ws.json"], 4);
    let lines = run.lines();
    assert_eq!(lines.ids(), ["e.txt", "e.md"]);
    lines.assert_alone("e.txt");
    stderr_line(&run, &["skipped e.json: ", "empty file"]);
    stderr_line(&run, &["skipped ws.json: ", "empty file"]);
    with(
        o,
        "empty .jsonl = no records; empty .json skipped \"empty file\"; empty text file = an article alone",
    )
}

/// A record without a text field is skipped, named; empty and blank texts
/// are articles of their own, never copies of each other.
/// (`ingest::record_without_text_is_reported_with_file_and_line`.)
fn missing_and_empty_text() -> Outcome {
    let dir = TestDir::new("rb-notext");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            json!({"id": "no-text", "title": "A title", "url": "https://x.example/1"}),
            json!({"id": "null-text", "text": null}),
            json!({"id": "number-text", "text": 42}),
            json!({"id": "empty1", "text": ""}),
            json!({"id": "empty2", "text": ""}),
            json!({"id": "blank", "text": " \n\t "}),
            json!({"id": "good", "text": story(1)}),
        ],
    );
    let (run, o) = run_case(&dir, &["feed.jsonl"], 7);
    let lines = run.lines();
    for id in ["empty1", "empty2", "blank", "good"] {
        lines.assert_alone(id);
    }
    stderr_line(&run, &["skipped feed.jsonl:1: ", "text"]);
    with(
        o,
        "no/null/non-string text: skipped, line named; empty or blank text: kept, alone",
    )
}

/// Texts shorter than one shingle are still compared exactly: identical
/// one-line briefs are identical; a brief whose words occur in every other
/// article matches none of them.
fn shorter_than_a_shingle() -> Outcome {
    let dir = TestDir::new("rb-short");
    let mut records = vec![
        json!({"id": "brief-a", "text": "Markets closed higher."}),
        json!({"id": "brief-b", "text": "MARKETS closed *higher*!"}),
        json!({"id": "brief-c", "text": "Markets closed lower."}),
        json!({"id": "word", "text": "Markets"}),
    ];
    for i in 0..20 {
        records.push(json!({"id": format!("long{i}"),
            "text": format!("Markets closed higher. {}", story(10 + i))}));
    }
    dir.write_jsonl("feed.jsonl", &records);
    let (run, o) = run_case(&dir, &["feed.jsonl"], records.len());
    let lines = run.lines();
    lines.assert_group(&["brief-a", "brief-b"]);
    assert_eq!(
        lines.relation("brief-b").or(lines.relation("brief-a")),
        Some("identical")
    );
    lines.assert_alone("brief-c");
    lines.assert_alone("word");
    for i in 0..20 {
        lines.assert_alone(&format!("long{i}"));
    }
    with(
        o,
        "two identical 3-word briefs: identical; a brief never matches the 20 articles holding its words",
    )
}

/// Duplicate ids: both kept, in input order, and the warning names both
/// places. (`regression::duplicate_ids_are_warned_about_and_both_kept`.)
fn duplicate_ids() -> Outcome {
    let dir = TestDir::new("rb-dup");
    dir.write_jsonl(
        "a.jsonl",
        &[
            json!({"id": "same", "text": story(1)}),
            json!({"id": "other", "text": story(2)}),
        ],
    );
    dir.write_jsonl("b.jsonl", &[json!({"id": "same", "text": story(3)})]);
    let (run, o) = run_case(&dir, &["a.jsonl", "b.jsonl"], 3);
    assert_eq!(run.lines().ids(), ["same", "other", "same"]);
    stderr_line(&run, &["warning: b.jsonl:1: ", "duplicate id", "a.jsonl:1"]);
    with(
        o,
        "both kept in input order; warning at the second names the first (a.jsonl:1)",
    )
}

/// A folder with an unreadable file, a dangling link, a link to itself and
/// a link back up the tree: each is reported and the rest is read.
/// (Running as root, permissions do not stop a read: the chmod-000 file is
/// then an article.) (`regression::symlink_loop_in_a_folder_is_skipped`.)
#[cfg(unix)]
fn unreadable_and_loops() -> Outcome {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = TestDir::new("rb-unreadable");
    dir.write(
        "tree/a/good.txt",
        format!("A Headline Here\n\n{}", story(1)),
    );
    let locked = dir.write(
        "tree/a/locked.txt",
        format!("Locked Headline\n\n{}", story(2)),
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root = std::fs::read(&locked).is_ok();
    let t = dir.path().join("tree");
    symlink("missing.txt", t.join("a/dangling.txt")).unwrap();
    symlink("self.txt", t.join("a/self.txt")).unwrap();
    symlink("..", t.join("a/up")).unwrap();
    let run = dir.run(&["cluster", "tree", "--format", "jsonl"]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let o = account(&run, 5);
    let ids = run.lines().ids().join(" ");
    if root {
        assert_eq!(ids, "tree/a/good.txt tree/a/locked.txt");
    } else {
        assert_eq!(ids, "tree/a/good.txt");
        stderr_line(&run, &["skipped tree/a/locked.txt: ", "ermission denied"]);
    }
    stderr_line(&run, &["skipped tree/a/dangling.txt: ", "cannot read"]);
    stderr_line(&run, &["skipped tree/a/self.txt: ", "cannot read"]);
    stderr_line(&run, &["skipped tree/a/up: ", "loop"]);
    // a file named on the command line that cannot be read is an error
    if !root {
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        let named = dir.run(&["cluster", "tree/a/locked.txt"]);
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(named.code, 2);
    }
    with(
        o,
        if root {
            "dangling link, self-link, loop up the tree: each skipped with path and reason (as root the chmod-000 file is readable)"
        } else {
            "unreadable file, dangling link, self-link, loop: each skipped with path and reason"
        },
    )
}

/// Right-to-left and mixed scripts, with bidi controls: a Persian story
/// and its repost group; a text mixing five scripts stays alone; a bidi
/// override does not hide words.
fn mixed_scripts_rtl() -> Outcome {
    let dir = TestDir::new("rb-rtl");
    let fa = "وزارت اقتصاد ایران روز شنبه اعلام کرد که نرخ تورم در ماه گذشته کاهش یافته است. \
        این گزارش می گوید قیمت مواد غذایی و مسکن در شهرهای بزرگ کمتر از پیش افزایش یافت. \
        کارشناسان می گویند سیاست های بانک مرکزی در این کاهش نقش داشته است و انتظار می رود \
        روند کاهشی در ماه های آینده ادامه پیدا کند. ";
    let fa = fa.repeat(3);
    // Arabic kaf/yeh in the copy, an RTL mark and an override around a line
    let copy = format!(
        "\u{202b}خبرگزاری ما گزارش می دهد\u{202c}\n\n{}\n\n\u{200f}منبع: ایرنا",
        fa.replace('ی', "ي").replace('ک', "ك")
    );
    let mixed = "Breaking: Кремль заявил 周五 que la réunion وزارت খবর ตลาด 123 ۱۲۳ \u{202e}desrever\u{202c} עברית.";
    dir.write_jsonl(
        "feed.jsonl",
        &[
            json!({"id": "fa", "text": fa}),
            json!({"id": "fa-copy", "text": copy}),
            json!({"id": "mixed", "text": mixed}),
            json!({"id": "hebrew", "text": "ראש העיר הודיע היום על תוכנית חדשה לתחבורה ציבורית בעיר."}),
        ],
    );
    let (run, o) = run_case(&dir, &["feed.jsonl"], 4);
    let lines = run.lines();
    lines.assert_group(&["fa", "fa-copy"]);
    lines.assert_alone("mixed");
    lines.assert_alone("hebrew");
    with(
        o,
        "Persian repost (Arabic letter variants, bidi controls) grouped; mixed-script and Hebrew texts alone",
    )
}

/// Texts that are all boilerplate: an outlet's footer alone is not a copy
/// of every article carrying that footer, and the footer never groups the
/// outlet's different stories.
fn all_boilerplate() -> Outcome {
    let dir = TestDir::new("rb-boiler");
    let footer = "Subscribe to the Harbour Gazette newsletter for daily updates.\n\
        Copyright Harbour Gazette. All rights reserved. Reproduction prohibited.";
    let mut records: Vec<_> = (0..8)
        .map(|i| {
            json!({"id": format!("s{i}"), "source": "Harbour Gazette",
                "text": format!("{}\n\n{footer}", story(20 + i))})
        })
        .collect();
    records.push(json!({"id": "footer-only", "source": "Harbour Gazette", "text": footer}));
    records.push(json!({"id": "footer-elsewhere", "source": "Other Site", "text": footer}));
    dir.write_jsonl("feed.jsonl", &records);
    let (run, o) = run_case(&dir, &["feed.jsonl"], records.len());
    let lines = run.lines();
    for i in 0..8 {
        lines.assert_alone(&format!("s{i}"));
    }
    // the two footer-only texts are the same words: a copy of each other,
    // and of nothing else
    lines.assert_group(&["footer-only", "footer-elsewhere"]);
    with(
        o,
        "footer-only texts kept (identical to each other only); 8 stories sharing the footer stay apart",
    )
}

/// Arbitrary bytes on standard input: read as text, or skipped, never a
/// crash.
fn garbage_on_stdin() -> Outcome {
    let dir = TestDir::new("rb-stdin");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let (mut total, mut reported, mut skipped) = (0, 0, 0);
    let mut what = Vec::new();
    for (i, input) in [
        bytes.clone(),
        [b"{".as_slice(), &bytes].concat(),
        [b"[".as_slice(), &bytes].concat(),
    ]
    .iter()
    .enumerate()
    {
        let run = dir.run_stdin(&["cluster", "-", "--format", "jsonl"], input);
        assert_eq!(run.code, 0, "{}", run.stderr);
        // `{…` on stdin is sniffed as JSON lines: one record per non-blank line
        let records = if i == 1 {
            input
                .split(|&b| b == b'\n')
                .filter(|l| !l.trim_ascii().is_empty())
                .count()
        } else {
            1
        };
        let o = account(&run, records);
        total += records;
        reported += o.reported;
        skipped += o.skipped;
        what.push(format!(
            "{}: {}",
            ["bytes", "{bytes", "[bytes"][i],
            if o.skipped == 0 {
                "one text".to_string()
            } else {
                format!("{} skipped", o.skipped)
            }
        ));
    }
    Outcome {
        records_in: total,
        reported,
        skipped,
        warnings: 0,
        what: format!(
            "200 KB of random bytes on stdin, 3 ways ({})",
            what.join(", ")
        ),
        stderr: String::new(),
    }
}

// ---------------------------------------------------------------- driver

type Case = (&'static str, fn() -> Outcome);

fn cases() -> Vec<Case> {
    let mut v: Vec<Case> = vec![
        ("invalid UTF-8", invalid_utf8),
        ("binary file in a folder", binary_file_in_folder),
        ("NUL bytes", nul_bytes),
        ("100 MB single JSONL line", huge_line),
        ("deeply nested JSON and markup", deeply_nested),
        ("truncated JSON at end of file", truncated_json),
        ("empty files", empty_files),
        ("record without text; empty text", missing_and_empty_text),
        ("text shorter than one shingle", shorter_than_a_shingle),
        ("duplicate ids", duplicate_ids),
        ("mixed scripts, right-to-left", mixed_scripts_rtl),
        ("text that is all boilerplate", all_boilerplate),
        ("random bytes on stdin", garbage_on_stdin),
    ];
    #[cfg(unix)]
    v.push(("unreadable files, symlink loops", unreadable_and_loops));
    v
}

/// Every case, its outcome in a table; fails if any case failed or any
/// stderr held a panic message.
#[test]
fn bad_input_suite() {
    let mut failures = Vec::new();
    let mut table = String::from(
        "\ncase | in | reported | skipped | warnings | outcome\n---|---|---|---|---|---\n",
    );
    let mut panics = 0;
    for (name, case) in cases() {
        match catch_unwind(AssertUnwindSafe(case)) {
            Ok(o) => {
                panics += o.stderr.matches("panicked").count();
                table.push_str(&format!(
                    "{name} | {} | {} | {} | {} | {}\n",
                    o.records_in, o.reported, o.skipped, o.warnings, o.what
                ));
            }
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                table.push_str(&format!("{name} | FAILED: {msg}\n"));
                failures.push(name);
            }
        }
    }
    println!("{table}");
    assert_eq!(panics, 0, "a panic message reached stderr");
    assert!(failures.is_empty(), "failed cases: {failures:?}\n{table}");
}

/// Found by the `article_signature` fuzz target: a word ending in a
/// multi-byte character gets a span one character too long, so a passage
/// of a Russian, Persian or Chinese text ending the article ends past the
/// text (`end` 152 for a 151-character text). The cause is in
/// `features.rs` (`Prepared::aligned` converts the last *byte* of a word
/// to a character index and adds one), outside this change: reported, and
/// ignored here until fixed.
#[test]
fn span_end_of_a_last_word_in_a_multibyte_script_is_inside_the_text() {
    let text = "Президент России заявил в пятницу что новые правила вступят в силу \
        с начала следующего года после одобрения парламентом и правительством страны сегодня";
    let dir = TestDir::new("rb-span-end");
    dir.write("a.txt", text);
    dir.write("b.txt", format!("Вступление. {text}"));
    let run = dir.run(&["explain", "a.txt", "b.txt", "--format", "json"]);
    let report = run.json();
    let n = text.chars().count() as u64;
    for p in report["a"]["passages"].as_array().unwrap() {
        assert!(p["end"].as_u64().unwrap() <= n, "{p} past {n} characters");
    }
    let features =
        reprint::features::Prepared::aligned("ه", &reprint::Params::default(), |_| false);
    assert_eq!(features.spans, [(0, 1)]);
}

/// Found by the `normalize_tokenize` fuzz target: an HTML file whose last
/// tag is never closed and ends in a multi-byte character made `cluster`
/// panic (a slice inside that character in `normalize.rs`).
#[test]
fn unclosed_html_tag_ending_in_a_multibyte_character_is_read() {
    let dir = TestDir::new("rb-unclosed-tag");
    dir.write("page.html", "<p>Caf\u{e9} news today</p>\n<p\u{e9}");
    dir.write("odd.html", "<?\u{fffd}");
    let run = dir
        .run(&["cluster", "page.html", "odd.html", "--format", "jsonl"])
        .ok();
    assert_eq!(run.lines().ids(), ["page.html", "odd.html"]);
}

/// Found by fuzzing (article_signature): inline code spanning lines made a
/// word's span run backwards (start after end) in the HTML/explain offsets.
/// Every passage and addition must lie inside its text, start before end.
#[test]
fn fuzz_case_spans_never_run_backwards() {
    let data = include_bytes!("../fixtures/fuzz-span-backwards.bin");
    let first = data.split(|&b| b == 0xff).next().unwrap_or_default();
    let text = String::from_utf8_lossy(first).into_owned();
    let dir = TestDir::new("fuzz-spans");
    let copy = format!("Intro line of a repost.\n\n{text}");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            json!({"id": "a", "text": text}),
            json!({"id": "b", "text": copy}),
        ],
    );
    let run = dir.run(&[
        "explain",
        "--corpus",
        "feed.jsonl",
        "a",
        "b",
        "--format",
        "json",
    ]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let ex: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    for (side, len) in [("a", text.chars().count()), ("b", copy.chars().count())] {
        for key in ["passages", "additions"] {
            for s in ex[side][key].as_array().unwrap() {
                let (start, end) = (
                    s["start"].as_u64().unwrap() as usize,
                    s["end"].as_u64().unwrap() as usize,
                );
                assert!(start <= end && end <= len, "{side} {key} {s}");
            }
        }
    }
}

/// A temporary folder that cannot be used (texts and fingerprints spill
/// there) is an error naming it, with exit code 2, and the run ends: the
/// reader, already reading on its own thread, stops when the intake fails.
#[test]
fn an_unusable_temporary_folder_is_an_error_naming_it() {
    let dir = TestDir::new("unusable-tmpdir");
    // several chunks of records, so that the reader is still going
    let records: Vec<_> = (0..3000)
        .map(|i| json!({"id": format!("a{i}"), "text": story(i)}))
        .collect();
    dir.write_jsonl("feed.jsonl", &records);
    let missing = dir.path().join("no-such-folder");
    let missing = missing.to_str().expect("a UTF-8 path");
    let run = dir.run_env(
        &["cluster", "feed.jsonl", "--format", "json"],
        &[("TMPDIR", missing)],
    );
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains(missing), "stderr:\n{}", run.stderr);
    assert!(run.stdout.is_empty(), "stdout:\n{}", run.stdout);
}
