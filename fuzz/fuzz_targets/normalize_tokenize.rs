//! Markup out and words: never a panic, every span inside the text on
//! character boundaries, sentences starting at words in order, every map
//! back to the original in bounds, and the normalising the normalised words
//! again never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reprint::normalize::plain_text;
use reprint::tokenize::tokenize;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let plain = plain_text(&text);
    let tokens = tokenize(&plain.text, 0);
    assert_eq!(tokens.spans.len(), tokens.len());
    assert_eq!(tokens.salient.len(), tokens.len());
    // sentences start at word 0, ascending, each at a word
    let starts = &tokens.sentence_starts;
    assert_eq!(starts.is_empty(), tokens.is_empty());
    assert!(starts.first().is_none_or(|&s| s == 0));
    assert!(starts.windows(2).all(|w| w[0] < w[1]));
    assert!(starts.iter().all(|&s| (s as usize) < tokens.len()));
    for (i, &(s, e)) in tokens.spans.iter().enumerate() {
        let (s, e) = (s as usize, e as usize);
        assert!(s < e && e <= plain.text.len());
        assert!(plain.text.is_char_boundary(s) && plain.text.is_char_boundary(e));
        assert!(plain.to_source(s) <= text.len());
        assert!(!tokens.word(&plain.text, i).is_empty());
    }
    // Words are not a fixed point of normalisation on arbitrary Unicode
    // (see tests/properties.rs): re-normalising must still never panic.
    let once = words_of(&text);
    let _ = words_of(&once.join("\n"));
});

fn words_of(text: &str) -> Vec<String> {
    let plain = plain_text(text).text;
    let t = tokenize(&plain, 0);
    (0..t.len()).map(|i| t.word(&plain, i)).collect()
}
