//! Plain text to normalised words, grouped in sentences.
//!
//! Sentences end at a line break, at `.`, `!`, `?` or `…` followed by a
//! space, and at a CJK full stop: the unit of boilerplate (headers, ads,
//! footers come as lines and sentences).
//!
//! Words are Unicode words (UAX #29, `unicode-segmentation`): Latin,
//! Cyrillic and Arabic-script text split at spaces and punctuation, while
//! Chinese, Japanese and Thai split into single characters, so that their
//! shingles are character n-grams. Each word is NFKC-normalised (ligatures,
//! full-width forms, Arabic presentation forms), lower-cased, curly
//! apostrophes become `'`, and the Arabic yeh and kaf become the Persian
//! letters (Persian copies mix both). Pure-ASCII stretches of text (cut
//! where UAX #29 always breaks, after ASCII whitespace) are split without
//! the Unicode tables, and pure-ASCII words skip them when normalised.
//!
//! A word is *salient* when it carries a fact rather than prose: a number,
//! or a capitalised word that does not open its sentence (a name). Template
//! stories differ from each other exactly in such words.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use crate::bits::bit_range;
use crate::shingle::word_hash;

/// The words of one text.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    /// Hash of each normalised word ([`word_hash`] with the seed given):
    /// words are hashed as they are found, never collected as strings
    /// (copying and lower-casing every word into a buffer, and reading it
    /// back to hash, cost a fifth of tokenising).
    pub hashes: Vec<u64>,
    /// Byte span of each word in the plain text.
    pub spans: Vec<(u32, u32)>,
    /// Whether each word is a name or a number.
    pub salient: Vec<bool>,
    /// Whether each word starts with a lower-case letter (so it is not a
    /// name wherever else it appears capitalised).
    pub lower: Vec<bool>,
    /// Index of the first word of each sentence (or line) with words,
    /// ascending: sentence `k` holds the words from `sentence_starts[k]` to
    /// the next start (or the end).
    pub sentence_starts: Vec<u32>,
}

impl Tokens {
    /// Number of words.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The normalised word `i` of `plain`, the text these are the words of.
    pub fn word(&self, plain: &str, i: usize) -> String {
        let (start, end) = self.spans[i];
        normalized(&plain[start as usize..end as usize])
    }
}

/// The normalised form of one word as [`tokenize`] finds it.
pub fn normalized(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    if w.is_ascii() {
        out.push_str(w);
        out.make_ascii_lowercase();
    } else {
        normalize_word(w, &mut out);
    }
    out
}

/// Splits and normalises `plain` into words, hashed with `seed`.
pub fn tokenize(plain: &str, seed: u64) -> Tokens {
    // a word in six to seven bytes of English news, fewer of plainer
    // prose (about 5.7 in the generator's): a guess of one in five spares
    // most texts a regrowth, which copied every vector once
    let guess = plain.len() / 5 + 16;
    let mut t = Tokens {
        hashes: Vec::with_capacity(guess),
        spans: Vec::with_capacity(guess),
        salient: Vec::with_capacity(guess),
        lower: Vec::with_capacity(guess),
        sentence_starts: Vec::new(),
    };
    // the one word that needs changing before it is hashed
    let mut scratch = String::new();
    let mut sentence_begin = 0;
    let mut capitalised = 0;
    let mut last_end = 0;
    for_each_word(plain, |w_start, w, ascii| {
        // most words follow a single space, which ends nothing
        let spaced = w_start == last_end + 1 && plain.as_bytes()[last_end] == b' ';
        if !t.hashes.is_empty() && !spaced && ends_sentence(&plain[last_end..w_start]) {
            close_sentence(&mut t, plain, sentence_begin, capitalised);
            sentence_begin = t.hashes.len();
            capitalised = 0;
        }
        let (hash, upper, lower, numeric) = if let Some(classes) = ascii {
            let initial = w.as_bytes()[0];
            let hash = if classes & UPPER != 0 {
                lowered_hash(w, &mut scratch, seed)
            } else {
                word_hash(w, seed)
            };
            (
                hash,
                initial.is_ascii_uppercase(),
                initial.is_ascii_lowercase(),
                classes & DIGIT != 0,
            )
        } else {
            scratch.clear();
            normalize_word(w, &mut scratch);
            if scratch.is_empty() {
                return;
            }
            let initial = w.chars().next();
            (
                word_hash(&scratch, seed),
                initial.is_some_and(char::is_uppercase),
                initial.is_some_and(char::is_lowercase),
                w.chars().any(char::is_numeric),
            )
        };
        last_end = w_start + w.len();
        let start = w_start as u32;
        t.hashes.push(hash);
        t.spans.push((start, start + w.len() as u32));
        capitalised += usize::from(upper);
        t.lower.push(lower);
        let sentence_start = t.hashes.len() - 1 == sentence_begin;
        if sentence_start {
            t.sentence_starts.push(sentence_begin as u32);
        }
        t.salient.push((upper && !sentence_start) || numeric);
    });
    if !t.hashes.is_empty() {
        close_sentence(&mut t, plain, sentence_begin, capitalised);
    }
    t
}

/// The hash of an ASCII word with capitals, lower-cased on the stack
/// (words longer than its buffer in `scratch`).
fn lowered_hash(w: &str, scratch: &mut String, seed: u64) -> u64 {
    let mut buf = [0u8; 32];
    match buf.get_mut(..w.len()) {
        Some(lowered) => {
            lowered.copy_from_slice(w.as_bytes());
            lowered.make_ascii_lowercase();
            word_hash(lowered, seed)
        }
        None => {
            scratch.clear();
            scratch.push_str(w);
            scratch.make_ascii_lowercase();
            word_hash(scratch, seed)
        }
    }
}

/// Calls `f` with the byte offset of each word of `text`, the word, and
/// for an ASCII word the union of its bytes' classes, exactly as UAX #29 (less the words without a
/// letter or digit) finds them.
///
/// UAX #29 always breaks between an ASCII whitespace character and an ASCII
/// character that is not whitespace (no rule joins a word across
/// whitespace, and the characters that attach to what precedes them, WB4's
/// Extend, Format and ZWJ, are not ASCII), and nothing on one side of such
/// a break changes the segmentation of the other. So the text is cut there:
/// stretches of pure ASCII go to [`AsciiWords`], the pieces around each
/// non-ASCII character to the Unicode tables. One curly quote no longer
/// sends a whole article through them.
fn for_each_word(text: &str, mut f: impl FnMut(usize, &str, Option<u8>)) {
    let s = text.as_bytes();
    // the masks of one ASCII stretch, reused by the next
    let mut blocks = Vec::new();
    fn ascii_words(
        text: &str,
        from: usize,
        to: usize,
        blocks: &mut Vec<Block>,
        f: &mut impl FnMut(usize, &str, Option<u8>),
    ) {
        for (at, w, classes) in AsciiWords::new(&text[from..to], blocks) {
            f(from + at, w, Some(classes));
        }
    }
    let mut pos = 0;
    let mut next = first_non_ascii(s, 0);
    while let Some(i) = next {
        let begin = cut_before(s, pos, i);
        if begin > pos {
            ascii_words(text, pos, begin, &mut blocks, &mut f);
        }
        // the Unicode piece runs on while the next piece holds non-ASCII too
        let mut end = cut_after(s, i);
        next = first_non_ascii(s, end);
        while let Some(j) = next.filter(|&j| cut_before(s, end, j) == end) {
            end = cut_after(s, j);
            next = first_non_ascii(s, end);
        }
        for (at, w) in text[begin..end].split_word_bound_indices() {
            let ascii = w.is_ascii().then(|| classes(w));
            let wordy = match ascii {
                Some(c) => c & (ALPHA | DIGIT) != 0,
                None => w.chars().any(char::is_alphanumeric),
            };
            if wordy {
                f(begin + at, w, ascii);
            }
        }
        pos = end;
    }
    if pos < s.len() {
        ascii_words(text, pos, s.len(), &mut blocks, &mut f);
    }
}

/// The first byte at or after `from` that is not ASCII.
fn first_non_ascii(s: &[u8], from: usize) -> Option<usize> {
    let rest = &s[from.min(s.len())..];
    // eight bytes at a time: a set high bit in any of them
    let mut chunks = rest.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let word = u64::from_le_bytes(c.try_into().expect("eight bytes"));
        if word & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        at += 8;
    }
    rest[at..]
        .iter()
        .position(|b| !b.is_ascii())
        .map(|i| from + at + i)
}

/// A place UAX #29 always breaks: ASCII whitespace, then ASCII that is not.
fn is_cut(s: &[u8], at: usize) -> bool {
    s[at - 1].is_ascii_whitespace() && s[at].is_ascii() && !s[at].is_ascii_whitespace()
}

/// The last cut in `from..=i`, else `from` (itself a cut or the start).
fn cut_before(s: &[u8], from: usize, i: usize) -> usize {
    (from + 1..=i)
        .rev()
        .find(|&at| is_cut(s, at))
        .unwrap_or(from)
}

/// The first cut after `i`, else the end of the text.
fn cut_after(s: &[u8], i: usize) -> usize {
    (i + 1..s.len())
        .find(|&at| is_cut(s, at))
        .unwrap_or(s.len())
}

/// The words of pure-ASCII text exactly as UAX #29 finds them (letters and
/// digits run together; `.` and `'` join two letters or two digits, `:`
/// two letters, `,` and `;` two digits; `_` joins anything). Word
/// segmentation through the Unicode tables was the largest single cost of a
/// run, and most news is ASCII; a test holds both to the same words.
///
/// The text is first read 64 bytes at a time into bit masks (a bit a byte:
/// letter, digit, capital, and word byte, a joining character counting as
/// one when its two neighbours are letters or digits as its rule asks), so
/// that a word is a run of set bits, found with a count of zeros: reading a
/// byte at a time, the branch that ends each word and the one that ends
/// each gap were mispredicted once a word, and the scan was a fifth of
/// preparing an article.
struct AsciiWords<'a> {
    text: &'a str,
    blocks: &'a [Block],
    /// The block being read, and its word bits not read yet.
    k: usize,
    pending: u64,
}

/// One bit a byte of 64 bytes of text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Block {
    /// Bytes of words: letters, digits, `_`, and joining characters that join.
    word: u64,
    alpha: u64,
    digit: u64,
    upper: u64,
}

/// The classes of 64 bytes before joining: one bit a byte.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Classes {
    alpha: u64,
    digit: u64,
    upper: u64,
    underscore: u64,
    joins_letters: u64,
    joins_digits: u64,
}

/// What the word rules need to know of an ASCII byte, one table load
/// instead of a chain of range tests per byte.
const WORD: u8 = 1;
const ALPHA: u8 = 2;
const DIGIT: u8 = 4;
/// Joins two letters when between them (UAX #29 MidLetter, MidNumLet).
const JOINS_LETTERS: u8 = 8;
/// Joins two digits when between them (MidNum, MidNumLet).
const JOINS_DIGITS: u8 = 16;
const UPPER: u8 = 32;
/// The classes a word reports: what it is made of, not what joined it.
const FACTS: u8 = WORD | ALPHA | DIGIT | UPPER;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_uppercase() {
            t[b] = WORD | ALPHA | UPPER;
        } else if c.is_ascii_lowercase() {
            t[b] = WORD | ALPHA;
        } else if c.is_ascii_digit() {
            t[b] = WORD | DIGIT;
        }
        b += 1;
    }
    t[b'_' as usize] = WORD;
    t[b'.' as usize] = JOINS_LETTERS | JOINS_DIGITS;
    t[b'\'' as usize] = JOINS_LETTERS | JOINS_DIGITS;
    t[b':' as usize] = JOINS_LETTERS;
    t[b',' as usize] = JOINS_DIGITS;
    t[b';' as usize] = JOINS_DIGITS;
    t
};

fn class(b: u8) -> u8 {
    CLASS[b as usize]
}

/// The union of the classes of an ASCII word's bytes (its [`FACTS`]).
fn classes(w: &str) -> u8 {
    w.bytes().fold(0, |c, b| c | class(b)) & FACTS
}

/// The classes of 64 bytes, a byte at a time.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn byte_classes(b: &[u8; 64]) -> Classes {
    let mut m = Classes::default();
    for (i, &byte) in b.iter().enumerate() {
        let c = class(byte);
        let bit = |flag: u8| u64::from(c & flag != 0) << i;
        m.alpha |= bit(ALPHA);
        m.digit |= bit(DIGIT);
        m.upper |= bit(UPPER);
        m.underscore |= u64::from(byte == b'_') << i;
        m.joins_letters |= bit(JOINS_LETTERS);
        m.joins_digits |= bit(JOINS_DIGITS);
    }
    m
}

/// The classes of 64 bytes, sixteen at a time (SSE2, which every x86-64
/// has): the same masks as [`byte_classes`], which a test holds it to.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
fn block_classes(b: &[u8; 64]) -> Classes {
    // SAFETY: SSE2 is in the baseline of every x86-64 target
    unsafe { sse2_classes(b) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn sse2_classes(b: &[u8; 64]) -> Classes {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let mut m = Classes::default();
    for (q, sixteen) in b.chunks_exact(16).enumerate() {
        let v: __m128i =
            bytemuck::cast::<[u8; 16], __m128i>(sixteen.try_into().expect("sixteen bytes"));
        // `lo <= byte < lo + n`, unsigned, as a signed compare of both
        // sides moved down by 128
        let within = |lo: u8, n: u8| {
            let moved = _mm_add_epi8(v, _mm_set1_epi8(128u8.wrapping_sub(lo) as i8));
            _mm_cmplt_epi8(moved, _mm_set1_epi8(n.wrapping_sub(128) as i8))
        };
        let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
        let bits = |x: __m128i| u64::from(_mm_movemask_epi8(x) as u16) << (16 * q);
        let upper = within(b'A', 26);
        let either = _mm_or_si128(is(b'.'), is(b'\''));
        m.upper |= bits(upper);
        m.alpha |= bits(_mm_or_si128(upper, within(b'a', 26)));
        m.digit |= bits(within(b'0', 10));
        m.underscore |= bits(is(b'_'));
        m.joins_letters |= bits(_mm_or_si128(either, is(b':')));
        m.joins_digits |= bits(_mm_or_si128(either, _mm_or_si128(is(b','), is(b';'))));
    }
    m
}

#[cfg(not(target_arch = "x86_64"))]
fn block_classes(b: &[u8; 64]) -> Classes {
    byte_classes(b)
}

/// The word masks of `s` (ASCII), 64 bytes a block, into `blocks`.
fn word_masks(s: &[u8], blocks: &mut Vec<Block>) {
    blocks.clear();
    let n = s.len().div_ceil(64);
    blocks.reserve(n);
    let classes_of = |k: usize| {
        let bytes = &s[k * 64..s.len().min(k * 64 + 64)];
        match <&[u8; 64]>::try_from(bytes) {
            Ok(full) => block_classes(full),
            Err(_) => {
                // past the end: NUL, which is of no class
                let mut padded = [0u8; 64];
                padded[..bytes.len()].copy_from_slice(bytes);
                block_classes(&padded)
            }
        }
    };
    let mut prev = Classes::default();
    let mut cur = if n > 0 { classes_of(0) } else { prev };
    for k in 0..n {
        let next = if k + 1 < n {
            classes_of(k + 1)
        } else {
            Classes::default()
        };
        // each byte's neighbours' bits, across the blocks' edges
        let before = |this: u64, prev: u64| this << 1 | prev >> 63;
        let after = |this: u64, next: u64| this >> 1 | next << 63;
        let joined =
            (cur.joins_letters & before(cur.alpha, prev.alpha) & after(cur.alpha, next.alpha))
                | (cur.joins_digits & before(cur.digit, prev.digit) & after(cur.digit, next.digit));
        blocks.push(Block {
            word: cur.alpha | cur.digit | cur.underscore | joined,
            alpha: cur.alpha,
            digit: cur.digit,
            upper: cur.upper,
        });
        prev = cur;
        cur = next;
    }
}

impl<'a> AsciiWords<'a> {
    /// The words of `text` (ASCII), its masks made in `blocks`.
    fn new(text: &'a str, blocks: &'a mut Vec<Block>) -> Self {
        word_masks(text.as_bytes(), blocks);
        let blocks: &'a [Block] = blocks;
        AsciiWords {
            text,
            blocks,
            k: 0,
            pending: blocks.first().map_or(0, |b| b.word),
        }
    }
}

impl<'a> Iterator for AsciiWords<'a> {
    /// Offset, word, and the union of its bytes' classes (which spares
    /// the caller another pass to find capitals and digits).
    type Item = (usize, &'a str, u8);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let blocks = self.blocks;
        loop {
            while self.pending == 0 {
                self.k += 1;
                if self.k >= blocks.len() {
                    return None;
                }
                self.pending = blocks[self.k].word;
            }
            let first = self.k;
            let lo = self.pending.trailing_zeros();
            // the word ends at the first clear bit after its start
            let mut last = first;
            let mut rest = !blocks[first].word & (u64::MAX << lo);
            while rest == 0 && last + 1 < blocks.len() {
                last += 1;
                rest = !blocks[last].word;
            }
            // a text whose last block is full may end inside a word
            let hi = if rest == 0 { 64 } else { rest.trailing_zeros() };
            let (mut alpha, mut digit, mut upper) = (0, 0, 0);
            if first == last {
                let (block, m) = (&blocks[first], bit_range(lo as usize, hi as usize));
                (alpha, digit, upper) = (block.alpha & m, block.digit & m, block.upper & m);
            } else {
                for (b, block) in blocks.iter().enumerate().take(last + 1).skip(first) {
                    // none of the block after a word that ends at a block's end
                    let m = bit_range(
                        if b == first { lo as usize } else { 0 },
                        if b == last { hi as usize } else { 64 },
                    );
                    alpha |= block.alpha & m;
                    digit |= block.digit & m;
                    upper |= block.upper & m;
                }
            }
            self.k = last;
            self.pending = if hi == 64 {
                0
            } else {
                blocks[last].word & (u64::MAX << hi)
            };
            // a run of underscores alone is not a word
            if alpha | digit == 0 {
                continue;
            }
            let (start, end) = (first * 64 + lo as usize, last * 64 + hi as usize);
            let facts = WORD
                | (ALPHA * u8::from(alpha != 0))
                | (DIGIT * u8::from(digit != 0))
                | (UPPER * u8::from(upper != 0));
            return Some((start, &self.text[start..end], facts));
        }
    }
}

/// True when the text between two words ends a sentence: a line break, a
/// full stop, question or exclamation mark followed by a space, or a CJK
/// full stop. (UAX #29 sentence rules cost a fifth of the whole run and say
/// nothing more for news prose; abbreviations end a sentence under both.)
fn ends_sentence(gap: &str) -> bool {
    let mut terminated = false;
    // gaps are mostly an ASCII space or two: bytes until the first that is not
    for (i, &b) in gap.as_bytes().iter().enumerate() {
        match b {
            b'\n' | b'\r' => return true,
            b'.' | b'!' | b'?' => terminated = true,
            // char::is_whitespace's ASCII characters (with the vertical tab)
            b' ' | b'\t' | 0x0B | 0x0C if terminated => return true,
            b if !b.is_ascii() => return ends_sentence_from(&gap[i..], terminated),
            _ => {}
        }
    }
    false
}

fn ends_sentence_from(gap: &str, mut terminated: bool) -> bool {
    for c in gap.chars() {
        match c {
            '\n' | '\r' | '\u{2029}' | '。' | '！' | '？' => return true,
            '.' | '!' | '?' | '…' | '؟' | '।' => terminated = true,
            c if c.is_whitespace() && terminated => return true,
            _ => {}
        }
    }
    false
}

/// A title-case heading capitalises every word: its words are not names
/// for that (numbers still are facts, found as for any word).
fn close_sentence(t: &mut Tokens, plain: &str, begin: usize, capitalised: usize) {
    let words = t.hashes.len() - begin;
    if words >= 3 && capitalised * 5 >= words * 3 {
        for i in begin..t.hashes.len() {
            let (start, end) = t.spans[i];
            let numeric = plain[start as usize..end as usize]
                .chars()
                .any(char::is_numeric);
            t.salient[i] = numeric;
        }
    }
}

/// A word with some non-ASCII character, normalised into `out`.
fn normalize_word(w: &str, out: &mut String) {
    for c in w.nfkc() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201b}' | '\u{02bc}' | '\u{2032}' | '\u{ff07}' => {
                out.push('\'')
            }
            '\u{064a}' | '\u{0649}' => out.push('\u{06cc}'), // Arabic yeh / alef maksura -> Persian yeh
            '\u{0643}' => out.push('\u{06a9}'),              // Arabic kaf -> keheh
            '\u{0640}' => {}                                 // tatweel: elongation only
            c => out.extend(c.to_lowercase()),
        }
    }
    // a word's edges are letters or digits, but dropping a tatweel beside a
    // full stop ("a.ـ" is one word) or NFKC ("⒈" is "1.") can leave a
    // joining character at one: the text the words are written back as
    // would then be read as other words
    let end = out.trim_end_matches(joins_words).len();
    out.truncate(end);
    let start = out.len() - out.trim_start_matches(joins_words).len();
    out.drain(..start);
}

/// UAX #29's MidLetter, MidNum and MidNumLet characters that NFKC keeps:
/// they join two letters or digits and end no word.
fn joins_words(c: char) -> bool {
    matches!(
        c,
        '.' | '\''
            | ':'
            | ','
            | ';'
            | '\u{00b7}'
            | '\u{055f}'
            | '\u{05f4}'
            | '\u{0589}'
            | '\u{060c}'
            | '\u{060d}'
            | '\u{066c}'
            | '\u{07f8}'
            | '\u{2027}'
            | '\u{2044}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let t = tokenize(s, 0);
        (0..t.len()).map(|i| t.word(s, i)).collect()
    }

    #[test]
    fn english_with_curly_quotes_and_case() {
        assert_eq!(
            words("Russia’s “BIG” deal—today"),
            ["russia's", "big", "deal", "today"]
        );
        assert_eq!(
            words("Russia's \"big\" deal - today"),
            ["russia's", "big", "deal", "today"]
        );
    }

    #[test]
    fn ligatures_and_fullwidth() {
        assert_eq!(words("ﬁnal ＡＢＣ"), ["final", "abc"]);
    }

    #[test]
    fn russian() {
        assert_eq!(
            words("Россия и Иран подписали меморандум."),
            ["россия", "и", "иран", "подписали", "меморандум"]
        );
    }

    #[test]
    fn persian_letters_unified() {
        // Arabic kaf and yeh vs Persian keheh and yeh
        assert_eq!(words("كتاب علي"), words("کتاب علی"));
    }

    #[test]
    fn a_normalised_word_reads_back_as_itself() {
        // UAX #29 takes a tatweel for a letter, so a full stop before or
        // after one is inside the word until the tatweel is dropped
        for (text, expect) in [
            ("a.ـ 一", &["a", "一"][..]),
            ("ـ.b", &["b"]),
            ("aـ.ـb", &["a.b"]),
            ("كـ،ـ", &["ک"]),
            ("ـ.ـ x", &["x"]),
            ("⒈ step", &["1", "step"]),
        ] {
            let once = words(text);
            assert_eq!(once, expect, "{text}");
            assert_eq!(words(&once.join(" ")), once, "{text}");
        }
    }

    #[test]
    fn chinese_splits_into_characters() {
        assert_eq!(words("俄罗斯和伊朗"), ["俄", "罗", "斯", "和", "伊", "朗"]);
    }

    #[test]
    fn salient_words_are_names_and_numbers() {
        let text = "Putin met Abedi in 2025. Then he left.";
        let t = tokenize(text, 0);
        let sal: Vec<_> = (0..t.len())
            .filter(|&i| t.salient[i])
            .map(|i| t.word(text, i))
            .collect();
        assert_eq!(sal, ["abedi", "2025"]);
        assert_eq!(t.sentence_starts, [0, 5]);
    }

    #[test]
    fn title_case_headings_hold_no_names() {
        let text = "Bilateral Cooperation in Key Digital Sectors\nThe deal with Iran.";
        let t = tokenize(text, 0);
        let sal: Vec<_> = (0..t.len())
            .filter(|&i| t.salient[i])
            .map(|i| t.word(text, i))
            .collect();
        assert_eq!(sal, ["iran"]);
        assert!(t.lower[2] && !t.lower[0]);
    }

    #[test]
    fn the_ascii_path_finds_the_unicode_words() {
        // every ASCII character class the word rules care about, mixed at
        // random (a fixed LCG: the same cases on every run)
        let alphabet = b"aZ09_.',:;- \n\"!?()$%&/";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for case in 0..20_000 {
            // short texts, and some longer ones: words across the masks'
            // 64-byte blocks, and texts that end at a block's end
            let len = match case % 8 {
                0 => 64 * ((state >> 62) as usize + 1),
                1 | 2 => (state >> 56) as usize + 65,
                _ => (state >> 59) as usize + 1,
            };
            let text: String = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    alphabet[(state >> 33) as usize % alphabet.len()] as char
                })
                .collect();
            let mut blocks = Vec::new();
            let fast: Vec<(usize, &str)> = AsciiWords::new(&text, &mut blocks)
                .map(|(at, w, c)| {
                    assert_eq!(c, classes(w), "{w:?} in {text:?}");
                    (at, w)
                })
                .collect();
            let slow: Vec<(usize, &str)> = text
                .split_word_bound_indices()
                .filter(|(_, w)| w.chars().any(char::is_alphanumeric))
                .collect();
            assert_eq!(fast, slow, "{text:?}");
        }
    }

    #[test]
    fn the_classes_of_sixteen_bytes_at_a_time_are_those_of_each_byte() {
        let mut state = 0x853c_49e6_748f_ea9bu64;
        for _ in 0..2_000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                // every byte value, the ASCII ones most
                *b = (state >> 56) as u8 >> ((state >> 40) as u8 & 1);
            }
            assert_eq!(block_classes(&block), byte_classes(&block), "{block:?}");
        }
    }

    #[test]
    fn cutting_at_ascii_whitespace_keeps_the_unicode_words() {
        // ASCII word classes, whitespace of every kind, and what UAX #29
        // treats specially: combining marks and format characters attach
        // to what precedes them (even a space), ZWJ joins emoji, spaces join
        // other spaces, Katakana, Hebrew, regional indicators, CJK, Arabic,
        // curly quotes; a fixed LCG, the same cases on every run
        let pieces = [
            "a",
            "Z",
            "0",
            "9",
            "_",
            ".",
            "'",
            ",",
            ":",
            ";",
            "-",
            " ",
            "  ",
            "\n",
            "\r",
            "\r\n",
            "\t",
            "\u{b}",
            "\u{c}",
            "\"",
            "!",
            "?",
            "$",
            "\u{301}",
            "\u{200d}",
            "\u{200b}",
            "\u{ad}",
            "\u{2060}",
            "\u{feff}",
            "\u{a0}",
            "\u{3000}",
            "\u{2003}",
            "\u{85}",
            "\u{2028}",
            "\u{2029}",
            "’",
            "‘",
            "“",
            "”",
            "中",
            "文",
            "。",
            "カ",
            "タ",
            "ー",
            "א",
            "ב",
            "\u{5f3}",
            "\u{5f4}",
            "🇫",
            "🇷",
            "👍",
            "🏽",
            "👨",
            "كتاب",
            "\u{64b}",
            "١",
            "é",
            "ß",
            "Я",
            "ﬁ",
            "ไ",
            "·",
            "\u{2019}s",
            "e\u{301}",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        for _ in 0..20_000 {
            let len = next() % 40 + 1;
            // mostly ASCII, as news is, so that long ASCII stretches occur
            let text: String = (0..len)
                .map(|_| match next() % 3 {
                    0 => pieces[next() % pieces.len()],
                    _ => pieces[next() % 18],
                })
                .collect();
            let mut chunked = Vec::new();
            for_each_word(&text, |at, w, ascii| {
                assert_eq!(ascii, w.is_ascii().then(|| classes(w)), "{text:?}");
                chunked.push((at, w.to_string()));
            });
            let whole: Vec<(usize, String)> = text
                .split_word_bound_indices()
                .filter(|(_, w)| w.chars().any(char::is_alphanumeric))
                .map(|(at, w)| (at, w.to_string()))
                .collect();
            assert_eq!(chunked, whole, "{text:?}");
        }
    }

    #[test]
    fn each_hash_is_the_hash_of_the_normalised_word() {
        // lower case, capitals, digits, ligatures, curly apostrophes,
        // Arabic letters that change, and a word that normalises to nothing
        let text = "The BBC’s ﬁnal 2025 report, كتاب علي \u{640} and Россия.";
        for seed in [0, 7] {
            let t = tokenize(text, seed);
            assert_eq!(t.len(), 9);
            for i in 0..t.len() {
                assert_eq!(t.hashes[i], word_hash(t.word(text, i), seed), "word {i}");
            }
        }
        assert_eq!(
            words(text),
            [
                "the",
                "bbc's",
                "final",
                "2025",
                "report",
                "کتاب",
                "علی",
                "and",
                "россия"
            ]
        );
    }

    #[test]
    fn punctuation_only_is_empty() {
        assert!(tokenize(" -- ... !!", 0).is_empty());
    }
}
