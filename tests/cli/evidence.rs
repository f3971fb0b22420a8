//! Evidence an editor can read: shared passages and additions with exact
//! character offsets, the same-story tier, credited sources, and
//! `reprint explain`.

use serde_json::Value;

use crate::util::{body, corpus_dir, record, run_in, Prose, TestDir};

const S000: &str = "seeds/000_c4dc295e8e3c2857.txt";
const S001: &str = "seeds/001_ccead0fa9a0ce5d9.txt";
const S002: &str = "seeds/002_60d291753dd6023b.txt";

fn seeds_report() -> Value {
    run_in(
        &corpus_dir(),
        &["cluster", "seeds", "--format", "json"],
        None,
    )
    .ok()
    .json()
}

fn member<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["members"].as_array().expect("members"))
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} is in no group"))
}

/// The text of each span of `list`, sliced by character offsets.
fn slices(text: &str, list: &Value, start: &str, end: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    let (b, e) = (
                        s[start].as_u64().unwrap() as usize,
                        s[end].as_u64().unwrap() as usize,
                    );
                    chars[b..e].iter().collect()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn seed_passages_cover_the_copied_body_and_the_repost_chrome_is_added() {
    let report = seeds_report();
    let text = std::fs::read_to_string(corpus_dir().join(S001)).unwrap();
    let copy = member(&report, S001);
    let passages = slices(&text, &copy["passages"], "start", "end").join("\n");
    let additions = slices(&text, &copy["additions"], "start", "end").join("\n");
    // the copied Cryptopolitan body is shared
    for body in [
        "A new memorandum of understanding between them",
        "The agreement was signed by Meysam Abedi",
        "We are ready for a broad partnership with India",
        "Tehran also proposed creating a common cryptocurrency",
    ] {
        assert!(passages.contains(body), "{body:?} not in a passage");
    }
    // BTCC's intro, ads and legal footer are additions, never passages
    for chrome in [
        "Two of the world's most sanctioned nations",
        "Get $50 free to trade crypto",
        "All articles reposted on this platform",
        "BTCC bears no legal responsibility",
    ] {
        assert!(additions.contains(chrome), "{chrome:?} not an addition");
        assert!(!passages.contains(chrome), "{chrome:?} in a passage");
    }
    // the parent side of each passage is the same words in 002
    let parent = std::fs::read_to_string(corpus_dir().join(S002)).unwrap();
    let in_parent = slices(&parent, &copy["passages"], "parent_start", "parent_end");
    assert!(in_parent.iter().any(|p| p.contains("Meysam Abedi")));
    assert_eq!(copy["credited_source"], "Cryptopolitan");
}

#[test]
fn the_rewrite_is_on_the_same_story_tier_and_the_other_story_is_not() {
    let report = seeds_report();
    let lines = run_in(
        &corpus_dir(),
        &["cluster", "seeds", "--format", "jsonl"],
        None,
    )
    .ok()
    .lines();
    let copies = lines.group_of(S001).to_string();
    let rewrite = lines.group_of(S000).to_string();
    assert_ne!(copies, rewrite, "a rewrite is never a copy");
    let links: Vec<(String, String)> = report["same_story"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["group"].as_str().unwrap().into(),
                l["other"].as_str().unwrap().into(),
            )
        })
        .collect();
    let linked = |x: &str, y: &str| {
        links
            .iter()
            .any(|(a, b)| (a == x && b == y) || (a == y && b == x))
    };
    assert!(linked(&rewrite, &copies), "{links:?}");
    let other = lines
        .group_of("putin-announces-international-ai-alliance-to-enhance-cooperation-in-ai-and");
    assert!(
        links.iter().all(|(a, b)| a != other && b != other),
        "{links:?}"
    );
    let group = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == copies)
        .unwrap();
    assert!(group["same_story"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == rewrite.as_str()));
}

/// A copy made of an intro, paragraphs 3 to 6 of the source and a footer:
/// the passage must sit exactly on those paragraphs in both texts.
#[test]
fn passage_offsets_are_the_copied_spans() {
    let mut prose = Prose::new(7);
    let source = prose.paragraphs(8, 50);
    let intro = "Our partners sent us this report this morning, here it is in full.".to_string();
    let footer =
        "Subscribe to our evening digest for more regional stories like this one.".to_string();
    let mut copy = vec![intro.clone()];
    copy.extend_from_slice(&source[2..6]);
    copy.push(footer.clone());
    // non-ASCII before the copied part: offsets are characters, not bytes
    let source_text = format!("Über café — {}", body(&source));
    let copy_text = body(&copy);
    let dir = TestDir::new("offsets");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            record("src", "Wire", "2025-01-01T00:00:00Z", &source_text),
            record("cpy", "Blog", "2025-01-02T00:00:00Z", &copy_text),
        ],
    );
    let report = dir
        .run(&["cluster", "feed.jsonl", "--format", "json"])
        .ok()
        .json();
    let m = member(&report, "cpy");
    let passages = m["passages"].as_array().unwrap();
    assert_eq!(passages.len(), 1, "{m}");
    let copied = body(&source[2..6]);
    let got = slices(&copy_text, &m["passages"], "start", "end");
    assert_eq!(got[0], copied);
    let got_parent = slices(&source_text, &m["passages"], "parent_start", "parent_end");
    assert_eq!(got_parent[0], copied);
    let added = slices(&copy_text, &m["additions"], "start", "end");
    assert_eq!(added, [intro, footer]);
}

#[test]
fn explain_shows_figures_passages_and_additions() {
    let dir = corpus_dir();
    let run = run_in(&dir, &["explain", S001, S002, "--format", "json"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ex: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(ex["relation"], "edited");
    assert!((ex["figures"]["jaccard"].as_f64().unwrap() - 0.25).abs() < 0.03);
    assert!(ex["figures"]["b_in_a"].as_f64().unwrap() > 0.5);
    assert_eq!(ex["credited_outside"], "Cryptopolitan");
    assert!(!ex["a"]["passages"].as_array().unwrap().is_empty());
    assert!(!ex["a"]["additions"].as_array().unwrap().is_empty());

    let text = run_in(&dir, &["explain", S001, S002, "--color", "never"], None);
    assert_eq!(text.code, 0);
    assert!(
        text.stdout.contains("[+Get $50 free to trade crypto"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("[=") && text.stdout.contains("Jaccard 0.25"));

    // not copies: exit 1, like grep finding nothing
    let none = run_in(
        &dir,
        &["explain", S001, "seeds/003_0fbf59b2bd68eeed.txt"],
        None,
    );
    assert_eq!(none.code, 1, "{}", none.stderr);
    assert!(none.stdout.contains("not a copy"));
}

#[test]
fn explain_by_id_in_a_corpus_and_errors() {
    let dir = corpus_dir();
    let run = run_in(
        &dir,
        &[
            "explain",
            "--corpus",
            "cases/truncation.jsonl",
            "trunc-copy",
            "trunc-orig",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ex: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(ex["relation"], "reprint");
    assert_eq!(ex["earlier"], "trunc-orig");
    assert_eq!(ex["earlier_by"], "published-at");

    let missing = run_in(
        &dir,
        &[
            "explain",
            "--corpus",
            "cases/truncation.jsonl",
            "nope",
            "trunc-orig",
        ],
        None,
    );
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope"), "{}", missing.stderr);
    let many = run_in(&dir, &["explain", "cases/truncation.jsonl", S001], None);
    assert_eq!(many.code, 2);
    assert!(many.stderr.contains("--corpus"), "{}", many.stderr);
}

#[test]
fn articles_grouped_by_their_titles_alone_show_no_passages() {
    // evidence aligns texts: an article with no text is grouped by its
    // title, and has no passage to show (nor does its copy), while a copied
    // text beside them still does
    let mut prose = Prose::new(11);
    let story = body(&prose.paragraphs(6, 40));
    let title = prose.sentence();
    let titled = |id: &str, source: &str| {
        serde_json::json!({
            "id": id, "title": title, "text": "  ",
            "source": source, "published_at": "2025-01-01T00:00:00Z",
        })
    };
    let dir = TestDir::new("title-only");
    dir.write_jsonl(
        "feed.jsonl",
        &[
            titled("t1", "Wire"),
            record("src", "Wire", "2025-01-01T00:00:00Z", &story),
            titled("t2", "Blog"),
            record("cpy", "Blog", "2025-01-02T00:00:00Z", &story),
        ],
    );
    let report = dir
        .run(&["cluster", "feed.jsonl", "--format", "json"])
        .ok()
        .json();
    let t2 = member(&report, "t2");
    assert_eq!(t2["relation"], "identical", "{t2}");
    assert!(t2["passages"].as_array().is_none_or(Vec::is_empty), "{t2}");
    assert!(t2["additions"].as_array().is_none_or(Vec::is_empty), "{t2}");
    let cpy = member(&report, "cpy");
    let copied = slices(&story, &cpy["passages"], "start", "end");
    assert_eq!(copied, [story], "{cpy}");
}

#[test]
fn a_same_story_link_names_its_shared_terms_with_or_without_the_html_report() {
    // without the HTML report no text is kept: the words come with each
    // article's alignment record; with it, from the texts shown
    let out = TestDir::new("terms");
    let html = out.path().join("report.html");
    let terms = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["cluster", "seeds", "--format", "json"];
        args.extend_from_slice(extra);
        let report = run_in(&corpus_dir(), &args, None).ok().json();
        let links = report["same_story"].as_array().unwrap();
        assert_eq!(links.len(), 1, "{links:?}");
        links[0]["shared_terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    };
    let plain = terms(&[]);
    for name in ["abedi", "shanghai", "iran"] {
        assert!(plain.iter().any(|t| t == name), "{name} in {plain:?}");
    }
    assert_eq!(terms(&["--html", html.to_str().unwrap()]), plain);
}
