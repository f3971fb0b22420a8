//! `reprint dedup`: the feed back without its copies, byte for byte, with a
//! map of what was dropped; remembering yesterday through an index.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{body, record, Prose, TestDir};

/// Stories, each with copies later in the feed (verbatim with a footer,
/// truncated, edited), some stories alone, and one article quoting a
/// passage of another (not a copy: kept).
fn feed(stories: usize, seed: u64) -> Vec<Value> {
    let mut prose = Prose::new(seed);
    let mut originals = Vec::new();
    let mut copies = Vec::new();
    for s in 0..stories {
        let paras = prose.paragraphs(6, 50);
        let day = 1 + s % 27;
        originals.push(record(
            &format!("s{s}"),
            &format!("outlet{}", s % 5),
            &format!("2026-04-{day:02} 08:00:00"),
            &body(&paras),
        ));
        if s % 3 == 2 {
            continue;
        }
        let text = match s % 3 {
            0 => format!("{}\n\nRead more at Outlet Nine.", body(&paras)),
            _ => body(&paras[..4]),
        };
        copies.push(record(
            &format!("s{s}-copy"),
            "outlet9",
            &format!("2026-04-{day:02} 12:00:00"),
            &text,
        ));
    }
    // a roundup quoting one paragraph of story 0 among its own text
    let own = prose.paragraphs(8, 50);
    let quote = originals[0]["text"]
        .as_str()
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .to_string();
    let mut roundup = own.clone();
    roundup.insert(4, quote);
    copies.push(record(
        "roundup",
        "outlet8",
        "2026-04-28 09:00:00",
        &body(&roundup),
    ));
    originals.extend(copies);
    originals
}

/// The ways to dedup within the input: batch by batch into a temporary
/// index, and the whole input clustered at once. Both must decide alike.
const MODES: [&[&str]; 2] = [&[], &["--whole-input"]];

/// `args` (starting with `dedup`) in the given mode.
fn in_mode<'a>(mode: &[&'a str], args: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec![args[0]];
    all.extend_from_slice(mode);
    all.extend_from_slice(&args[1..]);
    all
}

fn ids(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn copies_are_dropped_and_mapped_and_kept_records_are_unchanged() {
    let dir = TestDir::new("dedup-basic");
    let records = feed(12, 3);
    let path = dir.write_jsonl("feed.jsonl", &records);
    let input = std::fs::read_to_string(path).unwrap();
    for mode in MODES {
        let run = dir
            .run(&in_mode(
                mode,
                &["dedup", "feed.jsonl", "--dropped", "dropped.jsonl"],
            ))
            .ok();
        copies_dropped(&records, &input, &run, &dir, mode);
    }
}

fn copies_dropped(
    records: &[Value],
    input: &str,
    run: &crate::util::Run,
    dir: &TestDir,
    mode: &[&str],
) {
    let kept = ids(&run.stdout);
    let want: Vec<String> = records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .filter(|id| !id.ends_with("-copy"))
        .collect();
    assert_eq!(
        kept, want,
        "{mode:?}: copies dropped, the roundup kept, input order"
    );
    // kept lines are the input lines, byte for byte
    let lines: BTreeSet<&str> = input.lines().collect();
    for l in run.stdout.lines() {
        assert!(lines.contains(l), "changed: {l}");
    }
    let dropped = std::fs::read_to_string(dir.path().join("dropped.jsonl")).unwrap();
    let dropped: Vec<Value> = dropped
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dropped.len(), 8);
    for d in &dropped {
        let id = d["id"].as_str().unwrap();
        assert_eq!(d["kept_id"], id.trim_end_matches("-copy"), "{d}");
        assert!(
            ["reprint", "near-identical", "edited", "identical"]
                .contains(&d["relation"].as_str().unwrap()),
            "{d}"
        );
        assert!(d["containment"].as_f64().unwrap() > 0.9, "{d}");
    }
    assert!(
        run.stderr.contains("12 kept") || run.stderr.contains("13 kept"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("8 dropped"), "{}", run.stderr);
}

#[test]
fn unusual_json_passes_through_byte_for_byte() {
    let dir = TestDir::new("dedup-bytes");
    let mut prose = Prose::new(9);
    let a = body(&prose.paragraphs(4, 40));
    let b = body(&prose.paragraphs(4, 40));
    let lines = [
        // unicode escapes, nested objects, exponent numbers, odd spacing,
        // unknown fields and field order
        format!(
            r#"{{"meta": {{"tags": ["a", {{"b": null}}], "score": 1.5e-3}}, "text": {}, "id": "u1", "title": "Caf\u00e9 \ud83d\ude00",   "n": 12E+2}}"#,
            serde_json::to_string(&a).unwrap()
        ),
        format!(
            r#"{{"id":"u2","text":{},"x":-0.0,"y":[]}}"#,
            serde_json::to_string(&b).unwrap()
        ),
        format!(
            r#"{{"id":"u3","text":{}}}"#,
            serde_json::to_string(&a).unwrap()
        ),
    ];
    dir.write("feed.jsonl", lines.join("\n") + "\n");
    for mode in MODES {
        let run = dir.run(&in_mode(mode, &["dedup", "feed.jsonl"])).ok();
        assert_eq!(
            run.stdout,
            format!("{}\n{}\n", lines[0], lines[1]),
            "{mode:?}"
        );
        annotated(&dir, &lines, mode);
    }
}

/// `--annotate`: every record, the group fields added, the rest intact.
fn annotated(dir: &TestDir, lines: &[String], mode: &[&str]) {
    let run = dir
        .run(&in_mode(mode, &["dedup", "feed.jsonl", "--annotate"]))
        .ok();
    let out: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(out.len(), 3);
    for (line, orig) in out.iter().zip(lines) {
        let head = &orig[..orig.len() - 1];
        assert!(line.starts_with(head), "{line}");
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["group"].as_str().unwrap().starts_with('g'));
    }
    let third: Value = serde_json::from_str(out[2]).unwrap();
    assert_eq!(third["is_duplicate"], true);
    assert_eq!(third["original_id"], "u1");
    assert_eq!(third["relation"], "identical");
    let first: Value = serde_json::from_str(out[0]).unwrap();
    assert_eq!(first["is_duplicate"], false);
    assert_eq!(first["meta"]["score"], 1.5e-3);
}

#[test]
fn bad_records_pass_through_with_a_warning() {
    let dir = TestDir::new("dedup-bad");
    let mut prose = Prose::new(4);
    let a = body(&prose.paragraphs(4, 40));
    let good = format!(
        r#"{{"id":"g1","text":{}}}"#,
        serde_json::to_string(&a).unwrap()
    );
    let copy = format!(
        r#"{{"id":"g2","text":{}}}"#,
        serde_json::to_string(&a).unwrap()
    );
    let content = format!("{good}\n{{not json\n{{\"id\":\"no-text\"}}\n{copy}\n");
    dir.write("feed.jsonl", &content);
    for mode in MODES {
        bad_records_passed(&dir, &content, &good, mode);
    }
}

fn bad_records_passed(dir: &TestDir, content: &str, good: &str, mode: &[&str]) {
    let run = dir
        .run_stdin(&in_mode(mode, &["dedup", "-"]), content.as_bytes())
        .ok();
    assert_eq!(
        run.stdout,
        format!("{good}\n{{not json\n{{\"id\":\"no-text\"}}\n")
    );
    assert!(run.stderr.contains("-:2: invalid JSON"), "{}", run.stderr);
    assert!(run.stderr.contains("-:3: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("2 passed through unread"),
        "{}",
        run.stderr
    );
    let run = dir.run(&in_mode(mode, &["dedup", "feed.jsonl", "--strict"]));
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout.lines().count(), 3, "still passed through");
}

#[test]
fn two_days_with_an_index_drop_what_one_run_over_both_drops() {
    let dir = TestDir::new("dedup-days");
    let records = feed(16, 5);
    // copies of day-one stories arrive on day two
    let (day1, day2) = records.split_at(10);
    dir.write_jsonl("day1.jsonl", day1);
    dir.write_jsonl("day2.jsonl", day2);
    dir.write_jsonl("both.jsonl", &records);
    let dropped = |name: &str| -> BTreeSet<String> {
        ids(&std::fs::read_to_string(dir.path().join(name)).unwrap())
            .into_iter()
            .collect()
    };
    dir.run(&[
        "dedup",
        "both.jsonl",
        "--dropped",
        "once.jsonl",
        "--batch-size",
        "7",
    ])
    .ok();
    let run = dir
        .run(&[
            "dedup",
            "day1.jsonl",
            "--index",
            "news.db",
            "--dropped",
            "d1.jsonl",
        ])
        .ok();
    assert!(run.stderr.contains("created index"), "{}", run.stderr);
    dir.run(&[
        "dedup",
        "day2.jsonl",
        "--index",
        "news.db",
        "--dropped",
        "d2.jsonl",
    ])
    .ok();
    let mut two: BTreeSet<String> = dropped("d1.jsonl");
    two.extend(dropped("d2.jsonl"));
    assert_eq!(two, dropped("once.jsonl"));
    assert!(
        dropped("d2.jsonl").len() >= 8,
        "day two drops copies of day one"
    );
    // the same feed again: everything it holds is already known
    let run = dir
        .run(&[
            "dedup",
            "day2.jsonl",
            "--index",
            "news.db",
            "--dropped",
            "again.jsonl",
        ])
        .ok();
    assert_eq!(
        run.stdout, "",
        "day two again: every record repeats a stored one"
    );
}

#[test]
fn keep_original_keeps_the_earliest_published_whatever_the_order() {
    let dir = TestDir::new("dedup-original");
    let paras = Prose::new(12).paragraphs(5, 50);
    dir.write_jsonl(
        "feed.jsonl",
        &[
            record("late-copy", "b", "2026-06-02 10:00:00", &body(&paras)),
            record(
                "other",
                "c",
                "2026-06-02 11:00:00",
                &body(&Prose::new(13).paragraphs(4, 40)),
            ),
            record("the-original", "a", "2026-06-01 08:00:00", &body(&paras)),
        ],
    );
    for mode in MODES {
        let run = dir.run(&in_mode(mode, &["dedup", "feed.jsonl"])).ok();
        assert_eq!(ids(&run.stdout), ["late-copy", "other"], "{mode:?}");
        let run = dir
            .run(&in_mode(
                mode,
                &[
                    "dedup",
                    "feed.jsonl",
                    "--keep",
                    "original",
                    "--dropped",
                    "d.jsonl",
                ],
            ))
            .ok();
        assert_eq!(ids(&run.stdout), ["other", "the-original"], "{mode:?}");
        let d = std::fs::read_to_string(dir.path().join("d.jsonl")).unwrap();
        let d: Value = serde_json::from_str(d.trim()).unwrap();
        assert_eq!(d["id"], "late-copy");
        assert_eq!(d["kept_id"], "the-original");
        // against the kept original, whichever joined the group first
        assert_eq!(d["relation"], "identical", "{mode:?}: {d}");
    }
}

#[test]
fn a_repeated_id_is_a_duplicate_with_its_text_and_passed_through_without() {
    let dir = TestDir::new("dedup-repeat");
    let mut prose = Prose::new(21);
    let (a, b) = (
        body(&prose.paragraphs(4, 40)),
        body(&prose.paragraphs(4, 40)),
    );
    let lines = [
        record("x", "o", "2026-06-01 08:00:00", &a),
        record("y", "o", "2026-06-01 09:00:00", &b),
        record("x", "o", "2026-06-01 10:00:00", &a),
        record(
            "y",
            "o",
            "2026-06-01 11:00:00",
            &body(&prose.paragraphs(4, 40)),
        ),
    ];
    dir.write_jsonl("feed.jsonl", &lines);
    for mode in MODES {
        let run = dir
            .run(&in_mode(
                mode,
                &["dedup", "feed.jsonl", "--dropped", "d.jsonl"],
            ))
            .ok();
        // the repeat of x dropped; y's other text passed through unread
        let kept: Vec<String> = run
            .stdout
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["text"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(kept.len(), 3, "{mode:?}: {}", run.stdout);
        assert_eq!(kept[2], lines[3]["text"], "{mode:?}");
        assert!(
            run.stderr.contains("1 passed through unread"),
            "{mode:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("feed.jsonl:4"),
            "{mode:?}: {}",
            run.stderr
        );
        let d = std::fs::read_to_string(dir.path().join("d.jsonl")).unwrap();
        let d: Value = serde_json::from_str(d.trim()).unwrap();
        assert_eq!(
            (&d["id"], &d["kept_id"], &d["relation"]),
            (
                &Value::from("x"),
                &Value::from("x"),
                &Value::from("identical")
            ),
            "{mode:?}"
        );
    }
}

#[test]
fn the_whole_input_is_not_decided_against_an_index() {
    let dir = TestDir::new("dedup-whole-index");
    dir.write_jsonl("feed.jsonl", &feed(2, 1));
    let run = dir.run(&["dedup", "--whole-input", "--index", "i.db", "feed.jsonl"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--index"), "{}", run.stderr);
    assert!(!dir.path().join("i.db").exists());
}
