//! The whole path from articles to signatures and verdicts: the input is
//! split at 0xFF bytes into up to four article texts (the last two from one
//! outlet, so boilerplate learning has something to chew on), fingerprinted
//! as a corpus, every pair verified, and the shared passages aligned.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::align::{align, AlignConfig};
use reprint::features::Prepared;
use reprint::{Article, Engine, Location};

fuzz_target!(|data: &[u8]| {
    let articles: Vec<Article> = data
        .split(|&b| b == 0xff)
        .take(4)
        .enumerate()
        .map(|(i, part)| Article {
            id: format!("a{i}"),
            title: None,
            text: String::from_utf8_lossy(part).into_owned(),
            published_at: None,
            published_ts: None,
            source: (i >= 2).then(|| "outlet".to_string()),
            url: None,
            canonical: None,
            location: Location {
                file: "fuzz".into(),
                line: i as u64 + 1,
                record: None,
            },
        })
        .collect();
    let engine = Engine::default();
    let fp = engine.fingerprint(&articles);
    assert_eq!(fp.features.len(), articles.len());
    for (i, f) in fp.features.iter().enumerate() {
        assert_eq!(f.shingles.len(), f.positions.len());
        assert_eq!(f.signature.is_some(), !f.shingles.is_empty());
        if let Some(s) = &f.signature {
            assert_eq!(s.0.len(), engine.params.num_perm);
        }
        // an article is its own identical copy, never a partial one
        if !f.shingles.is_empty() {
            let v = engine.verify(f, f);
            assert_eq!(v.figures.jaccard, 1.0, "a{i} against itself");
        }
        for g in &fp.features[i + 1..] {
            let v = engine.verify(f, g);
            let (a, b) = (v.figures.jaccard, v.figures.a_in_b);
            assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b));
        }
        let aligned = Prepared::aligned(&articles[i].text, &engine.params, |_| false);
        let chars = articles[i].text.chars().count();
        for &(s, e) in &aligned.spans {
            // every span lies inside its text (a word ending in a
            // multi-byte character once ran one character past it: see
            // robustness::span_end_*)
            assert!(
                s <= e && e as usize <= chars,
                "span {s}..{e} outside {chars} chars"
            );
        }
        if let Some(next) = articles.get(i + 1) {
            let other = Prepared::aligned(&next.text, &engine.params, |_| false);
            let _ = align(
                &aligned,
                &other,
                AlignConfig::new(engine.params.shingle_size),
            );
        }
    }
});
