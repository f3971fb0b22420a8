//! `reprint index` and `reprint check --index`: a persistent index that
//! equals `cluster`, survives being killed mid-add and serves readers while
//! a writer works.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{body, corpus_dir, record, Lines, Prose, TestDir};

/// Groups as sets of ids, each with its original: what must agree between
/// `cluster` and an index export (group labels may differ).
fn groups(lines: &Lines) -> BTreeMap<BTreeSet<String>, Option<String>> {
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut original: BTreeMap<String, Option<String>> = BTreeMap::new();
    for l in &lines.0 {
        let g = l["group"].as_str().unwrap().to_string();
        members
            .entry(g.clone())
            .or_default()
            .insert(l["id"].as_str().unwrap().to_string());
        original.insert(g, l["original_id"].as_str().map(str::to_string));
    }
    members
        .into_iter()
        .map(|(g, m)| (m, original[&g].clone()))
        .collect()
}

/// A small syndication corpus: stories copied verbatim, wrapped in an
/// outlet's intro and footer, truncated, or edited; each outlet with its own
/// footer; some stories alone.
pub(crate) fn syndication(stories: usize, seed: u64) -> Vec<Value> {
    let mut prose = Prose::new(seed);
    let outlets: Vec<(String, String)> = (0..6)
        .map(|o| {
            let footer = prose.sentence();
            (format!("outlet{o}"), footer)
        })
        .collect();
    let mut out = Vec::new();
    for s in 0..stories {
        let paras = prose.paragraphs(6, 50);
        let (home, _) = &outlets[s % outlets.len()];
        let day = 1 + s % 27;
        out.push(record(
            &format!("s{s}-orig"),
            home,
            &format!("2026-03-{day:02} 08:00:00"),
            &body(&paras),
        ));
        if s % 4 == 3 {
            continue;
        }
        for c in 0..1 + s % 3 {
            let (outlet, footer) = &outlets[(s + c + 1) % outlets.len()];
            let text = match c {
                0 => format!("{}\n\n{footer}", body(&paras)),
                1 => body(&paras[..3]),
                _ => {
                    let mut edited = paras.clone();
                    edited.remove(2);
                    edited[0] = format!("{} {}", prose.sentence(), edited[0]);
                    format!("{}\n\n{footer}", body(&edited))
                }
            };
            out.push(record(
                &format!("s{s}-copy{c}"),
                outlet,
                &format!("2026-03-{day:02} {:02}:30:00", 10 + c),
                &text,
            ));
        }
    }
    out
}

fn cluster_groups(dir: &TestDir, inputs: &[&str]) -> BTreeMap<BTreeSet<String>, Option<String>> {
    let mut args = vec!["cluster", "--format", "jsonl", "--no-evidence", "-q"];
    args.extend(inputs);
    groups(&dir.run(&args).ok().lines())
}

fn export_groups(dir: &TestDir, index: &str) -> BTreeMap<BTreeSet<String>, Option<String>> {
    groups(
        &dir.run(&["index", "export", index, "--no-evidence"])
            .ok()
            .lines(),
    )
}

pub(crate) fn stats(dir: &TestDir, index: &str) -> Value {
    let run = dir.run(&["index", "stats", index, "--check", "--format", "json"]);
    assert_eq!(run.code, 0, "stats --check: {}{}", run.stdout, run.stderr);
    run.json()
}

#[test]
fn index_then_export_equals_cluster_on_the_corpus_in_one_batch_or_many() {
    let dir = TestDir::new("index-corpus");
    let seeds = corpus_dir().join("seeds");
    let cases = corpus_dir().join("cases");
    let (seeds, cases) = (seeds.to_str().unwrap(), cases.to_str().unwrap());
    let want = cluster_groups(&dir, &[seeds, cases]);
    assert!(want.keys().filter(|m| m.len() > 1).count() >= 8);

    dir.run(&["index", "create", "one.db"]).ok();
    // 8 KiB pages (the header's bytes 16-17), which WAL mode set first
    // would have kept at 4 KiB
    let header = std::fs::read(dir.path().join("one.db")).unwrap();
    assert_eq!(u16::from_be_bytes([header[16], header[17]]), 8192);
    dir.run(&["index", "add", "one.db", seeds, cases]).ok();
    assert_eq!(export_groups(&dir, "one.db"), want);

    // batches of 4, then a second add of the cases: boilerplate learned
    // late re-fingerprints what was stored before
    dir.run(&["index", "create", "many.db"]).ok();
    dir.run(&["index", "add", "many.db", seeds, "--batch-size", "4"])
        .ok();
    let run = dir
        .run(&["index", "add", "many.db", cases, "--batch-size", "4"])
        .ok();
    assert!(run.stderr.contains("batch(es)"), "{}", run.stderr);
    assert_eq!(export_groups(&dir, "many.db"), want);
    let s = stats(&dir, "many.db");
    assert_eq!(s["articles"], want.keys().map(BTreeSet::len).sum::<usize>());
    assert_eq!(s["problems"], serde_json::json!([]));
}

#[test]
fn index_then_export_equals_cluster_on_a_syndication_corpus_added_day_by_day() {
    let dir = TestDir::new("index-syndication");
    let records = syndication(40, 7);
    let (a, b) = records.split_at(records.len() / 2);
    dir.write_jsonl("day1.jsonl", a);
    dir.write_jsonl("day2.jsonl", b);
    let want = cluster_groups(&dir, &["day1.jsonl", "day2.jsonl"]);
    assert!(
        want.keys().filter(|m| m.len() > 1).count() >= 25,
        "{want:?}"
    );
    dir.run(&["index", "create", "i.db"]).ok();
    dir.run(&["index", "add", "i.db", "day1.jsonl"]).ok();
    dir.run(&["index", "add", "i.db", "day2.jsonl", "--batch-size", "7"])
        .ok();
    assert_eq!(export_groups(&dir, "i.db"), want);

    // removing articles equals clustering the rest (boilerplate unlearned
    // where an outlet falls under the threshold)
    let mut kept = Vec::new();
    let mut gone = vec!["index", "remove", "i.db"];
    for (i, r) in records.iter().enumerate() {
        if i % 3 == 1 {
            gone.push(r["id"].as_str().unwrap());
        } else {
            kept.push(r.clone());
        }
    }
    dir.write_jsonl("kept.jsonl", &kept);
    let run = dir.run(&gone).ok();
    assert!(
        run.stderr
            .contains(&format!("removed {} articles", gone.len() - 3)),
        "{}",
        run.stderr
    );
    assert_eq!(
        export_groups(&dir, "i.db"),
        cluster_groups(&dir, &["kept.jsonl"])
    );
    assert_eq!(stats(&dir, "i.db")["problems"], serde_json::json!([]));
    // and adding them back equals the whole again
    dir.run(&["index", "add", "i.db", "day1.jsonl", "day2.jsonl"])
        .ok();
    let whole: BTreeSet<BTreeSet<String>> = want.keys().cloned().collect();
    let back: BTreeSet<BTreeSet<String>> = export_groups(&dir, "i.db").into_keys().collect();
    assert_eq!(back, whole);

    // the export carries passages like cluster's jsonl
    let lines = dir.run(&["index", "export", "i.db"]).ok().lines();
    let copy = lines.get("s0-copy0");
    assert_eq!(copy["parent"], "s0-orig");
    assert!(!copy["passages"].as_array().unwrap().is_empty(), "{copy}");
    assert!(!copy["additions"].as_array().unwrap().is_empty(), "{copy}");
}

#[test]
fn an_older_original_arriving_after_its_copies_becomes_the_original() {
    let dir = TestDir::new("index-late-original");
    let paras = Prose::new(11).paragraphs(6, 50);
    let story = body(&paras);
    dir.write_jsonl(
        "copies.jsonl",
        &[
            record("copy-a", "a", "2026-05-02 10:00:00", &story),
            record("copy-b", "b", "2026-05-03 10:00:00", &body(&paras[..4])),
        ],
    );
    dir.write_jsonl(
        "late.jsonl",
        &[record("the-original", "c", "2026-05-01 09:00:00", &story)],
    );
    dir.run(&["index", "create", "i.db"]).ok();
    dir.run(&["index", "add", "i.db", "copies.jsonl"]).ok();
    let before = dir
        .run(&["index", "export", "i.db", "--no-evidence"])
        .ok()
        .lines();
    assert_eq!(before.get("copy-b")["original_id"], "copy-a");
    dir.run(&["index", "add", "i.db", "late.jsonl"]).ok();
    let after = dir
        .run(&["index", "export", "i.db", "--no-evidence"])
        .ok()
        .lines();
    after.assert_group(&["copy-a", "copy-b", "the-original"]);
    for id in ["copy-a", "copy-b", "the-original"] {
        assert_eq!(after.get(id)["original_id"], "the-original", "{id}");
    }

    // adding the same feed again adds nothing
    let run = dir.run(&["index", "add", "i.db", "late.jsonl"]).ok();
    assert!(
        run.stderr.contains("already in the index"),
        "{}",
        run.stderr
    );
    assert_eq!(stats(&dir, "i.db")["articles"], 3);

    // removing the original hands the group back to the earliest copy
    dir.run(&["index", "remove", "i.db", "the-original"]).ok();
    let removed = dir
        .run(&["index", "export", "i.db", "--no-evidence"])
        .ok()
        .lines();
    assert_eq!(removed.ids(), ["copy-a", "copy-b"]);
    assert_eq!(removed.get("copy-b")["original_id"], "copy-a");
    let run = dir.run(&["index", "remove", "i.db", "no-such-id"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("not in the index: \"no-such-id\""),
        "{}",
        run.stderr
    );
    assert_eq!(stats(&dir, "i.db")["problems"], serde_json::json!([]));
}

#[test]
fn check_against_an_index_finds_the_source_and_adds_only_when_asked() {
    let dir = TestDir::new("index-check");
    let seeds = corpus_dir().join("seeds");
    for name in [
        "000_c4dc295e8e3c2857.txt",
        "001_ccead0fa9a0ce5d9.txt",
        "003_0fbf59b2bd68eeed.txt",
    ] {
        dir.write(
            &format!("corpus/{name}"),
            std::fs::read(seeds.join(name)).unwrap(),
        );
    }
    let query = "query/002_60d291753dd6023b.txt";
    dir.write(
        query,
        std::fs::read(seeds.join("002_60d291753dd6023b.txt")).unwrap(),
    );
    dir.run(&["index", "create", "i.db"]).ok();
    dir.run(&["index", "add", "i.db", "corpus"]).ok();

    let run = dir.run(&["check", "--index", "i.db", query, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = &run.json()[0];
    assert_eq!(r["verdict"], "edited");
    let m = &r["matches"][0];
    assert_eq!(m["id"], "corpus/001_ccead0fa9a0ce5d9.txt");
    assert_eq!(m["credited_source"], "Cryptopolitan");
    assert!(!m["passages"].as_array().unwrap().is_empty(), "{m}");
    assert_eq!(r["matches"].as_array().unwrap().len(), 1, "{r}");
    // the same answer as checking against the files
    let against = dir.run(&["check", "--against", "corpus", query, "--format", "json"]);
    let a = &against.json()[0]["matches"][0];
    for field in [
        "relation",
        "jaccard",
        "containment",
        "contained_by",
        "longest_passage",
    ] {
        assert_eq!(m[field], a[field], "{field}");
    }
    assert_eq!(stats(&dir, "i.db")["articles"], 3, "check does not add");

    // an unrelated story: exit 1
    let other = dir.write("other.txt", body(&Prose::new(5).paragraphs(4, 40)));
    let run = dir.run(&["check", "--index", "i.db", other.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);

    // --add: checked, then stored and grouped
    dir.run(&[
        "check", "--index", "i.db", query, "--add", "--format", "jsonl",
    ])
    .ok();
    let lines = dir
        .run(&["index", "export", "i.db", "--no-evidence"])
        .ok()
        .lines();
    lines.assert_group(&["corpus/001_ccead0fa9a0ce5d9.txt", query]);
}

#[test]
fn index_errors_say_what_to_do() {
    let dir = TestDir::new("index-errors");
    let run = dir.run(&["check", "--index", "missing.db", "x.txt"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("missing.db") && run.stderr.contains("index create"),
        "{}",
        run.stderr
    );

    dir.write(
        "not-an-index.db",
        "just text, not SQLite at all, long enough to look like a file",
    );
    let run = dir.run(&["index", "stats", "not-an-index.db"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a reprint index"), "{}", run.stderr);

    dir.run(&["index", "create", "i.db", "--shingle-size", "4"])
        .ok();
    let run = dir.run(&["index", "create", "i.db"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    // other fingerprint flags than the index's own
    dir.write("a.txt", body(&Prose::new(3).paragraphs(3, 40)));
    let run = dir.run(&["check", "--index", "i.db", "a.txt", "--shingle-size", "6"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("other fingerprint parameters"),
        "{}",
        run.stderr
    );
    // no flags: the index's own parameters
    let run = dir.run(&["check", "--index", "i.db", "a.txt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let s = dir
        .run(&["index", "stats", "i.db", "--format", "json"])
        .ok()
        .json();
    assert_eq!(s["config"]["params"]["shingle_size"], 4);

    // a named input that cannot be read: nothing of the others is added
    let run = dir.run(&["index", "add", "i.db", "a.txt", "no-such-feed.jsonl"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no-such-feed.jsonl: cannot read"),
        "{}",
        run.stderr
    );
    assert_eq!(stats(&dir, "i.db")["articles"], 0);
    // a bad record is skipped with its line, the rest is added
    dir.write(
        "feed.jsonl",
        "{\"id\": \"f1\", \"text\": \"one two three\"}\n{broken\n{\"id\": \"f1\", \"text\": \"again\"}\n",
    );
    let run = dir.run(&["index", "add", "i.db", "feed.jsonl", "a.txt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("skipped feed.jsonl:2"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("feed.jsonl:3: duplicate id \"f1\" (first at feed.jsonl:1)"),
        "{}",
        run.stderr
    );
    assert_eq!(stats(&dir, "i.db")["articles"], 2);
}

#[test]
fn an_index_of_another_normaliser_version_is_refused_with_what_to_do() {
    let dir = TestDir::new("index-version");
    let seeds = corpus_dir().join("seeds");
    dir.run(&["index", "create", "i.db"]).ok();
    dir.run(&["index", "add", "i.db", seeds.to_str().unwrap()])
        .ok();
    dir.write("a.txt", body(&Prose::new(3).paragraphs(3, 40)));
    assert_eq!(dir.run(&["check", "--index", "i.db", "a.txt"]).code, 1);
    // as an index built before the words' joining characters were trimmed
    // (version 2) would say
    let path = dir.path().join("i.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let config: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'config'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut config: Value = serde_json::from_str(&config).unwrap();
    let ours = config["params"]["normalizer_version"].as_u64().unwrap();
    assert!(ours > 2, "{config}");
    config["params"]["normalizer_version"] = 2.into();
    conn.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'config'",
        [config.to_string()],
    )
    .unwrap();
    drop(conn);
    for args in [
        &["check", "--index", "i.db", "a.txt"][..],
        &["index", "add", "i.db", "a.txt"],
    ] {
        let run = dir.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("i.db")
                && run.stderr.contains(&format!(
                    "normaliser version 2, this reprint has version {ours}"
                ))
                && run.stderr.contains("rebuild the index"),
            "{}",
            run.stderr
        );
    }
}

/// Holds the index's write lock from this process, as another writer would.
fn hold_write_lock(path: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE; INSERT INTO meta(key, value) VALUES ('test-lock', 'x');")
        .unwrap();
    conn
}

#[test]
fn a_second_writer_is_refused_or_waits_while_readers_go_on() {
    let dir = TestDir::new("index-lock");
    let seeds = corpus_dir().join("seeds");
    let seeds = seeds.to_str().unwrap();
    dir.run(&["index", "create", "i.db"]).ok();
    dir.run(&["index", "add", "i.db", seeds]).ok();
    dir.write("new.txt", body(&Prose::new(8).paragraphs(3, 40)));

    let lock = hold_write_lock(&dir.path().join("i.db"));
    let run = dir.run(&["index", "add", "i.db", "new.txt"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is locked") && run.stderr.contains("--wait"),
        "{}",
        run.stderr
    );
    // readers are not blocked by the writer
    let query = format!("{seeds}/002_60d291753dd6023b.txt");
    let run = dir.run(&["check", "--index", "i.db", &query, "--format", "jsonl"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    dir.run(&["index", "stats", "i.db"]).ok();

    // --wait: the add goes through once the other writer is done
    let mut waiting = Command::new(env!("CARGO_BIN_EXE_reprint"))
        .args(["index", "add", "i.db", "new.txt", "--wait"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(waiting.try_wait().unwrap().is_none(), "--wait must wait");
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);
    let status = waiting.wait().unwrap();
    assert!(status.success());
    assert_eq!(stats(&dir, "i.db")["articles"], 5);
}

/// Kills `index add` with SIGKILL at pseudo-random moments, 20 times; after
/// each kill the index opens, is consistent, and holds whole batches only.
#[test]
#[cfg(unix)]
fn killed_adds_leave_whole_batches_and_a_consistent_index() {
    const BATCH: usize = 25;
    let dir = TestDir::new("index-crash");
    let records = syndication(60, 21);
    let total = records.len();
    dir.write_jsonl("feed.jsonl", &records);
    let want = cluster_groups(&dir, &["feed.jsonl"]);
    dir.run(&["index", "create", "i.db"]).ok();
    let batch = BATCH.to_string();
    let args = [
        "index",
        "add",
        "i.db",
        "feed.jsonl",
        "--batch-size",
        &batch,
        "--wait",
        "-q",
    ];
    let mut rng = Prose::new(99);
    let mut kills = 0;
    let mut rounds = 0;
    while kills < 20 && rounds < 200 {
        rounds += 1;
        let before = stats(&dir, "i.db")["articles"].as_u64().unwrap() as usize;
        if before == total {
            // everything got in: start over so there is something to kill
            std::fs::remove_file(dir.path().join("i.db")).unwrap();
            for ext in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.path().join(format!("i.db{ext}")));
            }
            dir.run(&["index", "create", "i.db"]).ok();
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_reprint"))
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // adds got faster: kill early enough that most rounds catch one running
        let delay = Duration::from_millis(5 + rng.below(150) as u64);
        let start = Instant::now();
        while start.elapsed() < delay && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        let s = stats(&dir, "i.db");
        let n = s["articles"].as_u64().unwrap() as usize;
        assert_eq!(s["problems"], serde_json::json!([]), "after kill {kills}");
        // whole batches only: the first n records, n a multiple of the batch
        assert!(
            n.is_multiple_of(BATCH) || n == total,
            "{n} articles after kill {kills}"
        );
        let ids = dir
            .run(&["index", "export", "i.db", "--no-evidence"])
            .ok()
            .lines()
            .ids()
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        let expected: Vec<String> = records[..n]
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, expected, "after kill {kills}");
    }
    assert_eq!(kills, 20, "the adds finished too fast to be killed");
    // finishing the add gives what cluster gives
    dir.run(&args).ok();
    assert_eq!(export_groups(&dir, "i.db"), want);
}
