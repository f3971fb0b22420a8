//! Same input, same output: whatever the thread count, run after run.
//!
//! The corpus is generated: a few hundred stories over a dozen outlets,
//! with planted verbatim, truncated and edited copies (some of copies),
//! shuffled so that copies often come before their originals, and split
//! over several files of one folder.

use serde_json::Value;

use crate::util::{body, record, Lines, Prose, TestDir};

const OUTLETS: usize = 12;
const ORIGINALS: usize = 240;

/// A planted copy: its id and the id of the article it copies.
struct Planted {
    id: String,
    of: String,
}

fn date(day: usize, hour: usize) -> String {
    format!(
        "2025-{:02}-{:02}T{:02}:00:00Z",
        1 + day / 28,
        1 + day % 28,
        hour % 24
    )
}

/// Writes the corpus under `corpus/` and returns the planted copies.
fn generate(dir: &TestDir) -> (usize, Vec<Planted>) {
    let mut rng = Prose::new(7);
    let mut records = Vec::new();
    let mut stories = Vec::new();
    for i in 0..ORIGINALS {
        let paras = Prose::new(1000 + i as u64).paragraphs(6 + rng.below(4), 40 + rng.below(30));
        let outlet = i % OUTLETS;
        let day = i % 200;
        records.push(record(
            &format!("story-{i:03}"),
            &format!("Outlet {outlet}"),
            &date(day, 6),
            &body(&paras),
        ));
        stories.push((paras, outlet, day));
    }
    let mut planted = Vec::new();
    for k in 0..60 {
        let base = k * 4;
        let (paras, outlet, day) = &stories[base];
        let text = match k % 3 {
            0 => body(paras),
            1 => body(&paras[..3]),
            // drop one paragraph, add one of the copier's own
            _ => {
                let mut p = paras.clone();
                p.remove(2);
                p.push(rng.paragraph(40));
                body(&p)
            }
        };
        let id = format!("copy-{k:02}");
        let copier = format!("Outlet {}", (outlet + 1 + k % 5) % OUTLETS);
        records.push(record(&id, &copier, &date(*day, 12), &text));
        planted.push(Planted {
            id: id.clone(),
            of: format!("story-{base:03}"),
        });
        // every fifth copy is copied again, by yet another outlet
        if k % 5 == 0 {
            let again = format!("copy-{k:02}-again");
            let outlet = format!("Outlet {}", (outlet + 7) % OUTLETS);
            records.push(record(&again, &outlet, &date(*day, 18), &text));
            planted.push(Planted { id: again, of: id });
        }
    }
    // Fisher-Yates with the same generator: a fixed but scrambled order
    for i in (1..records.len()).rev() {
        records.swap(i, rng.below(i + 1));
    }
    let total = records.len();
    for (part, chunk) in records.chunks(total.div_ceil(3)).enumerate() {
        dir.write_jsonl(&format!("corpus/part-{part}.jsonl"), chunk);
    }
    (total, planted)
}

/// The json report without the stage timings, the one part that may vary.
fn without_timings(mut report: Value) -> Value {
    report["stats"]
        .as_object_mut()
        .expect("stats")
        .remove("timings_ms");
    report
}

#[test]
fn thread_count_and_reruns_do_not_change_the_output() {
    let dir = TestDir::new("determinism");
    let (total, planted) = generate(&dir);

    let one = dir
        .run(&["cluster", "corpus", "--format", "jsonl", "-j", "1"])
        .ok();
    let two = dir
        .run(&["cluster", "corpus", "--format", "jsonl", "-j", "2"])
        .ok();
    let again = dir
        .run(&["cluster", "corpus", "--format", "jsonl", "-j", "2"])
        .ok();

    // an empty or broken output would be trivially deterministic
    let lines = Lines::parse(&one.stdout);
    assert_eq!(lines.0.len(), total);
    let mut lost = Vec::new();
    for p in &planted {
        if lines.group_of(&p.id) != lines.group_of(&p.of) {
            lost.push(format!("{} (copy of {})", p.id, p.of));
        }
    }
    assert!(lost.is_empty(), "planted copies not grouped: {lost:?}");
    // and nothing else is: unrelated stories share no 5-word run
    let copied: Vec<&str> = planted.iter().map(|p| p.of.as_str()).collect();
    for i in 0..ORIGINALS {
        let id = format!("story-{i:03}");
        if !copied.contains(&id.as_str()) {
            lines.assert_alone(&id);
        }
    }

    assert!(
        one.stdout == two.stdout,
        "-j 1 and -j 2 differ:\n{}",
        first_difference(&one.stdout, &two.stdout)
    );
    assert!(
        two.stdout == again.stdout,
        "two runs differ:\n{}",
        first_difference(&two.stdout, &again.stdout)
    );

    let json1 = dir
        .run(&["cluster", "corpus", "--format", "json", "-j", "1"])
        .ok()
        .json();
    let json4 = dir
        .run(&["cluster", "corpus", "--format", "json", "-j", "4"])
        .ok()
        .json();
    assert_eq!(
        without_timings(json1),
        without_timings(json4),
        "json report differs between -j 1 and -j 4"
    );
}

/// A readable diff for a failure: the first line that differs.
fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("line {}:\n  {x}\n  {y}", i + 1))
        .unwrap_or_else(|| {
            format!(
                "one output is a prefix of the other ({} vs {} bytes)",
                a.len(),
                b.len()
            )
        })
}

#[test]
fn dedup_of_the_whole_input_is_the_same_whatever_the_thread_count() {
    let dir = TestDir::new("determinism-dedup");
    let (total, planted) = generate(&dir);
    let run = |threads: &str, dropped: &str| {
        dir.run(&[
            "dedup",
            "--whole-input",
            "corpus",
            "-j",
            threads,
            "--dropped",
            dropped,
        ])
        .ok()
    };
    let (one, three) = (run("1", "d1.jsonl"), run("3", "d3.jsonl"));
    assert!(
        one.stdout == three.stdout,
        "-j 1 and -j 3 keep different records:\n{}",
        first_difference(&one.stdout, &three.stdout)
    );
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let (d1, d3) = (read("d1.jsonl"), read("d3.jsonl"));
    assert!(
        d1 == d3,
        "dropped maps differ:\n{}",
        first_difference(&d1, &d3)
    );

    // what is dropped is what `cluster` groups: each dropped record shares
    // its group with the record kept for it, and every planted copy's
    // group keeps one record
    let lines = Lines::parse(
        &dir.run(&["cluster", "corpus", "--format", "jsonl"])
            .ok()
            .stdout,
    );
    let dropped = Lines::parse(&d1);
    assert!(!dropped.0.is_empty());
    for d in &dropped.0 {
        let (id, kept) = (d["id"].as_str().unwrap(), d["kept_id"].as_str().unwrap());
        assert_eq!(lines.group_of(id), lines.group_of(kept), "{d}");
    }
    let kept = one.stdout.lines().count();
    assert_eq!(kept + dropped.0.len(), total);
    let groups_with_copies: std::collections::BTreeSet<&str> =
        planted.iter().map(|p| lines.group_of(&p.id)).collect();
    let kept_lines = Lines::parse(&one.stdout);
    for g in groups_with_copies {
        let kept_in_group = kept_lines
            .0
            .iter()
            .filter(|l| lines.group_of(l["id"].as_str().unwrap()) == g)
            .count();
        assert_eq!(kept_in_group, 1, "group {g}");
    }
}
