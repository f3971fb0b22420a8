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
//! letters (Persian copies mix both). Pure-ASCII words skip the Unicode
//! tables.
//!
//! A word is *salient* when it carries a fact rather than prose: a number,
//! or a capitalised word that does not open its sentence (a name). Template
//! stories differ from each other exactly in such words.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// The words of one text.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    buf: String,
    ends: Vec<u32>,
    /// Byte span of each word in the plain text.
    pub spans: Vec<(u32, u32)>,
    /// Whether each word is a name or a number.
    pub salient: Vec<bool>,
    /// Whether each word starts with a lower-case letter (so it is not a
    /// name wherever else it appears capitalised).
    pub lower: Vec<bool>,
    /// Sentence (or line) index of each word.
    pub sentence: Vec<u32>,
    /// Number of sentences, including those without words.
    pub sentences: u32,
}

impl Tokens {
    /// Number of words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The normalised word `i`.
    pub fn word(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.buf[start..self.ends[i] as usize]
    }
}

/// Splits and normalises `plain` into words.
pub fn tokenize(plain: &str) -> Tokens {
    let mut t = Tokens {
        buf: String::with_capacity(plain.len()),
        ..Tokens::default()
    };
    let mut sentence = 0u32;
    let mut sentence_begin = 0;
    let mut capitalised = 0;
    let mut last_end = 0;
    let words: Box<dyn Iterator<Item = (usize, &str)>> = if plain.is_ascii() {
        Box::new(AsciiWords {
            s: plain.as_bytes(),
            text: plain,
            i: 0,
        })
    } else {
        Box::new(
            plain
                .split_word_bound_indices()
                .filter(|(_, w)| w.chars().any(char::is_alphanumeric)),
        )
    };
    for (w_start, w) in words {
        if !t.ends.is_empty() && ends_sentence(&plain[last_end..w_start]) {
            close_sentence(&mut t, sentence_begin, capitalised);
            sentence += 1;
            sentence_begin = t.ends.len();
            capitalised = 0;
        }
        let before = t.buf.len();
        normalize_word(w, &mut t.buf);
        if t.buf.len() == before {
            continue;
        }
        last_end = w_start + w.len();
        let start = w_start as u32;
        t.ends.push(t.buf.len() as u32);
        t.spans.push((start, start + w.len() as u32));
        let initial = w.chars().next();
        capitalised += usize::from(initial.is_some_and(char::is_uppercase));
        t.lower.push(initial.is_some_and(char::is_lowercase));
        t.salient
            .push(is_salient(w, t.ends.len() - 1 == sentence_begin));
        t.sentence.push(sentence);
    }
    if !t.ends.is_empty() {
        close_sentence(&mut t, sentence_begin, capitalised);
        sentence += 1;
    }
    t.sentences = sentence;
    t
}

/// The words of pure-ASCII text exactly as UAX #29 finds them (letters and
/// digits run together; `.` and `'` join two letters or two digits, `:`
/// two letters, `,` and `;` two digits; `_` joins anything). Word
/// segmentation through the Unicode tables was the largest single cost of a
/// run, and most news is ASCII; a test holds both to the same words.
struct AsciiWords<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.s;
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        loop {
            while self.i < s.len() && !word(s[self.i]) {
                self.i += 1;
            }
            if self.i >= s.len() {
                return None;
            }
            let start = self.i;
            let mut j = start + 1;
            loop {
                if j < s.len() && word(s[j]) {
                    j += 1;
                    continue;
                }
                // a mid character between two compatible characters
                if j + 1 < s.len() && word(s[j + 1]) {
                    let (prev, next) = (s[j - 1], s[j + 1]);
                    let letters = prev.is_ascii_alphabetic() && next.is_ascii_alphabetic();
                    let digits = prev.is_ascii_digit() && next.is_ascii_digit();
                    let joins = match s[j] {
                        b'.' | b'\'' => letters || digits,
                        b':' => letters,
                        b',' | b';' => digits,
                        _ => false,
                    };
                    if joins {
                        j += 2;
                        continue;
                    }
                }
                break;
            }
            self.i = j;
            let w = &self.text[start..j];
            // a run of underscores alone is not a word
            if w.bytes().any(|b| b.is_ascii_alphanumeric()) {
                return Some((start, w));
            }
        }
    }
}

/// True when the text between two words ends a sentence: a line break, a
/// full stop, question or exclamation mark followed by a space, or a CJK
/// full stop. (UAX #29 sentence rules cost a fifth of the whole run and say
/// nothing more for news prose; abbreviations end a sentence under both.)
fn ends_sentence(gap: &str) -> bool {
    let mut terminated = false;
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
/// for that (numbers still are facts).
fn close_sentence(t: &mut Tokens, begin: usize, capitalised: usize) {
    let words = t.ends.len() - begin;
    if words >= 3 && capitalised * 5 >= words * 3 {
        for i in begin..t.ends.len() {
            let numeric = t.word(i).chars().any(char::is_numeric);
            t.salient[i] = numeric;
        }
    }
}

fn is_salient(word: &str, sentence_start: bool) -> bool {
    let mut chars = word.chars();
    let initial_upper = chars.next().is_some_and(char::is_uppercase);
    (initial_upper && !sentence_start) || word.chars().any(|c| c.is_numeric())
}

fn normalize_word(w: &str, out: &mut String) {
    if w.is_ascii() {
        out.extend(w.bytes().map(|b| b.to_ascii_lowercase() as char));
        return;
    }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let t = tokenize(s);
        (0..t.len()).map(|i| t.word(i).to_string()).collect()
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
    fn chinese_splits_into_characters() {
        assert_eq!(words("俄罗斯和伊朗"), ["俄", "罗", "斯", "和", "伊", "朗"]);
    }

    #[test]
    fn salient_words_are_names_and_numbers() {
        let t = tokenize("Putin met Abedi in 2025. Then he left.");
        let sal: Vec<_> = (0..t.len())
            .filter(|&i| t.salient[i])
            .map(|i| t.word(i))
            .collect();
        assert_eq!(sal, ["abedi", "2025"]);
        assert_eq!(t.sentences, 2);
        assert_eq!(t.sentence, [0, 0, 0, 0, 0, 1, 1, 1]);
    }

    #[test]
    fn title_case_headings_hold_no_names() {
        let t = tokenize("Bilateral Cooperation in Key Digital Sectors\nThe deal with Iran.");
        let sal: Vec<_> = (0..t.len())
            .filter(|&i| t.salient[i])
            .map(|i| t.word(i))
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
        for _ in 0..20_000 {
            let len = (state >> 59) as usize + 1;
            let text: String = (0..len)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    alphabet[(state >> 33) as usize % alphabet.len()] as char
                })
                .collect();
            let fast: Vec<(usize, &str)> = AsciiWords {
                s: text.as_bytes(),
                text: &text,
                i: 0,
            }
            .collect();
            let slow: Vec<(usize, &str)> = text
                .split_word_bound_indices()
                .filter(|(_, w)| w.chars().any(char::is_alphanumeric))
                .collect();
            assert_eq!(fast, slow, "{text:?}");
        }
    }

    #[test]
    fn punctuation_only_is_empty() {
        assert!(tokenize(" -- ... !!").is_empty());
    }
}
