//! From an article's text as given to plain text: markup out, lines kept.
//!
//! Markdown syntax, HTML tags and HTML entities never become shingles: the
//! text goes through a CommonMark parser (`pulldown-cmark`), which keeps the
//! words of headings, emphasis, links, lists and code, drops HTML tags and
//! link targets, and decodes entities (`&amp;`, `&#8217;`, `&nbsp;`). Plain
//! text passes through unchanged. HTML (a `.html` file, or an HTML body in
//! an export) reaches us as HTML blocks: their tags are dropped and their
//! text kept, block tags (`p`, `div`, `br`, `li`, headings) end a line, and
//! `script`, `style`, `noscript` and `template` contents are dropped. Zero-width characters and soft hyphens are
//! removed so that `wo\u{200b}rd` stays one word.
//!
//! The plain text keeps a map back to the original, so passages found on the
//! plain text can be shown on the text the user gave.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// Plain text with a map to offsets in the original.
#[derive(Debug, Clone, Default)]
pub struct Plain {
    /// The text without markup.
    pub text: String,
    /// The pieces copied from the original, in increasing order.
    map: Vec<Piece>,
}

/// A run of plain text copied from the original.
#[derive(Debug, Clone, Copy, Default)]
struct Piece {
    /// Where it starts in the plain text.
    plain: u32,
    /// Where it starts in the original.
    src: u32,
    /// Its length in bytes of plain text.
    len: u32,
    /// True when it is the original's bytes as they are; false when an
    /// entity or escape was decoded (then every byte maps to `src`).
    exact: bool,
}

impl Plain {
    /// The byte offset in the original text of byte `offset` of the plain
    /// text (the nearest earlier character that was copied).
    pub fn to_source(&self, offset: usize) -> usize {
        let i = self.map.partition_point(|p| p.plain as usize <= offset);
        self.source_in(i, offset)
    }

    /// [`Plain::to_source`] for offsets that mostly increase (the words of
    /// the text in order): the cursor walks the pieces instead of
    /// searching them for every offset.
    pub fn cursor(&self) -> SourceCursor<'_> {
        SourceCursor { plain: self, i: 0 }
    }

    /// The source offset of `offset`, which lies before piece `i`.
    fn source_in(&self, i: usize, offset: usize) -> usize {
        let Some(piece) = i.checked_sub(1).map(|i| self.map[i]) else {
            return 0;
        };
        if !piece.exact {
            return piece.src as usize;
        }
        // past the piece (a line break the plain text added): its last byte
        let delta = (offset - piece.plain as usize).min(piece.len.saturating_sub(1) as usize);
        piece.src as usize + delta
    }
}

/// Maps plain-text offsets back to the original in order; see
/// [`Plain::cursor`].
pub struct SourceCursor<'p> {
    plain: &'p Plain,
    // the number of pieces that start at or before the last offset
    i: usize,
}

impl SourceCursor<'_> {
    /// [`Plain::to_source`] of `first` and of `last` (not before it), the
    /// two ends of a word: `last` most often lies in the piece `first` does,
    /// and then it is found without a second walk.
    pub fn span(&mut self, first: usize, last: usize) -> (usize, usize) {
        let start = self.to_source(first);
        let map = &self.plain.map;
        let same_piece = last >= first
            && map
                .get(self.i)
                .is_none_or(|next| (next.plain as usize) > last);
        let end = if same_piece {
            self.plain.source_in(self.i, last)
        } else {
            self.to_source(last)
        };
        (start, end)
    }

    /// The same as [`Plain::to_source`].
    pub fn to_source(&mut self, offset: usize) -> usize {
        let map = &self.plain.map;
        if self.i > 0 && map[self.i - 1].plain as usize > offset {
            // backwards: search again
            self.i = map.partition_point(|p| p.plain as usize <= offset);
        } else {
            while self.i < map.len() && map[self.i].plain as usize <= offset {
                self.i += 1;
            }
        }
        self.plain.source_in(self.i, offset)
    }
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}'
    )
}

/// Strips markup from `text`.
pub fn plain_text(text: &str) -> Plain {
    // markup dropped makes the plain text shorter, but the line breaks a
    // block's end adds can make it a few bytes longer: without the slack a
    // text ending in a paragraph regrew (and copied) the whole string
    let mut out = Plain {
        text: String::with_capacity(text.len() + text.len() / 64 + 16),
        map: Vec::with_capacity(text.len() / 256 + 4),
    };
    let parser = Parser::new(text).into_offset_iter();
    let mut html = HtmlState::default();
    for (event, range) in parser {
        match event {
            Event::Text(t) | Event::Code(t) => {
                // copied text maps 1:1 unless an entity or escape was decoded
                let exact = text.get(range.clone()) == Some(&*t);
                push_piece(&mut out, &t, range.start, exact);
            }
            Event::SoftBreak | Event::HardBreak => out.text.push('\n'),
            Event::InlineHtml(t) | Event::Html(t) => {
                let exact = text.get(range.clone()) == Some(&*t);
                html.push(&mut out, &t, range.start, exact);
            }
            Event::InlineMath(_) | Event::DisplayMath(_) => out.text.push(' '),
            Event::Start(Tag::Item) => out.text.push('\n'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableRow,
            ) => out.text.push_str("\n\n"),
            Event::End(TagEnd::TableCell) => out.text.push(' '),
            Event::Rule => out.text.push_str("\n\n"),
            _ => {}
        }
    }
    out
}

/// Text out of HTML, across the events of one HTML block.
#[derive(Default)]
struct HtmlState {
    /// Inside an element whose content is not text (`script`, `style`):
    /// its closing tag.
    skip_until: Option<&'static str>,
}

const HIDDEN: [&str; 4] = ["script", "style", "noscript", "template"];
const BLOCKS: [&str; 16] = [
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "article",
    "section",
    "blockquote",
];

impl HtmlState {
    fn push(&mut self, out: &mut Plain, html: &str, src_start: usize, exact: bool) {
        let mut rest = html;
        let mut offset = 0;
        while !rest.is_empty() {
            if let Some(end_tag) = self.skip_until {
                match rest.to_ascii_lowercase().find(end_tag) {
                    Some(i) => {
                        self.skip_until = None;
                        offset += i;
                        rest = &rest[i..];
                    }
                    None => return,
                }
            }
            match rest.find('<') {
                Some(0) => {
                    // an unclosed tag runs to the end of the piece (which
                    // may end in a multi-byte character)
                    let (close, tag) = match rest.find('>') {
                        Some(i) => (i + 1, &rest[1..i]),
                        None => (rest.len(), &rest[1..]),
                    };
                    let name: String = tag
                        .trim_start_matches('/')
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if !tag.starts_with('/') {
                        if let Some(h) = HIDDEN.iter().find(|h| **h == name) {
                            self.skip_until = Some(match *h {
                                "script" => "</script",
                                "style" => "</style",
                                "noscript" => "</noscript",
                                _ => "</template",
                            });
                        }
                    }
                    out.text.push(if BLOCKS.contains(&name.as_str()) {
                        '\n'
                    } else {
                        ' '
                    });
                    offset += close;
                    rest = &rest[close..];
                }
                found => {
                    let end = found.unwrap_or(rest.len());
                    let piece = &rest[..end];
                    if piece.contains('&') {
                        let decoded = html_escape::decode_html_entities(piece);
                        push_piece(out, &decoded, src_start + offset, exact && decoded == piece);
                    } else {
                        push_piece(out, piece, src_start + offset, exact);
                    }
                    offset += end;
                    rest = &rest[end..];
                }
            }
        }
    }
}

fn push_piece(out: &mut Plain, piece: &str, src_start: usize, exact: bool) {
    // one map piece per run between invisible characters, copied whole:
    // pushing char by char was a tenth of a run
    let mut run = 0;
    while run < piece.len() {
        let (end, next) = match next_invisible(&piece[run..]) {
            Some((at, len)) => (run + at, run + at + len),
            None => (piece.len(), piece.len()),
        };
        if end > run {
            let src = if exact { src_start + run } else { src_start };
            out.map.push(Piece {
                plain: out.text.len() as u32,
                src: src as u32,
                len: (end - run) as u32,
                exact,
            });
            out.text.push_str(&piece[run..end]);
        }
        run = next;
    }
}

/// The offset and length of the first invisible character in `s`. They are
/// all non-ASCII, led by the bytes 0xC2, 0xE2 or 0xEF, so most text is
/// ruled out by a byte scan.
fn next_invisible(s: &str) -> Option<(usize, usize)> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr3(0xC2, 0xE2, 0xEF, &bytes[from..]).map(|i| from + i) {
        // a lead byte starts a character
        let c = s[i..]
            .chars()
            .next()
            .expect("a lead byte starts a character");
        if is_invisible(c) {
            return Some((i, c.len_utf8()));
        }
        from = i + c.len_utf8();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_maps_offsets_as_the_search_does() {
        let text =
            "# A *title*\n\nSome [linked](http://x.y) text, `code` &amp; more.\n\n- one\n- two €\n";
        let p = plain_text(text);
        let n = p.text.len();
        let mut c = p.cursor();
        // forwards, then backwards, then jumping about
        let order = (0..n).chain((0..n).rev()).chain((0..n).map(|i| i * 7 % n));
        for at in order {
            assert_eq!(c.to_source(at), p.to_source(at), "offset {at}");
        }
    }

    #[test]
    fn a_span_maps_both_ends_as_the_search_does() {
        let text = "# A *title*\n\nSome [linked](http://x.y) text, `code` &amp; more \u{e9}t\u{e9}.\n\n- one\n- two €\n";
        let p = plain_text(text);
        let n = p.text.len();
        // every (first, last) pair, in order of first, as words come
        let mut c = p.cursor();
        for first in 0..n {
            for last in first..n {
                let mut fresh = p.cursor();
                fresh.to_source(first);
                let want = (p.to_source(first), p.to_source(last));
                assert_eq!(c.span(first, last), want, "({first}, {last})");
                assert_eq!(fresh.span(first, last), want, "({first}, {last})");
            }
        }
    }

    /// Found by the `normalize_tokenize` fuzz target: an HTML tag left
    /// open at the end of the text, ending in a multi-byte character,
    /// sliced the tag name inside that character and panicked.
    #[test]
    fn unclosed_html_tag_ending_in_a_multibyte_character() {
        for text in ["<?\u{fffd}", "<p\u{e9}", "text <div \u{4e2d}", "<\u{1f680}"] {
            let p = plain_text(text);
            assert!(p.text.len() <= text.len() + 2, "{text:?} -> {:?}", p.text);
        }
        assert!(plain_text("ok <b>bold</b> <i\u{e9}").text.contains("bold"));
    }

    #[test]
    fn markdown_and_entities_are_stripped() {
        let p = plain_text("# Title\n\nSome **bold** [link](https://x.org/a) &amp; more&nbsp;text");
        assert!(p.text.contains("Title"));
        assert!(
            p.text.contains("Some bold link & more\u{a0}text"),
            "{:?}",
            p.text
        );
        assert!(!p.text.contains("https"));
        assert!(!p.text.contains('#'));
    }

    #[test]
    fn html_tags_are_dropped_and_their_text_kept() {
        let p = plain_text("<p>Hello <b>world</b></p>\n");
        assert!(!p.text.contains('<'));
        assert!(
            p.text.contains("Hello") && p.text.contains("world"),
            "{:?}",
            p.text
        );
    }

    #[test]
    fn an_html_page_gives_its_text() {
        let src = "<html><head><style>p { color: red }</style><script>var x = 1;\nalert(x);</script></head>\n<body><p>Russia and Iran signed &amp; agreed.</p><p>Second paragraph.</p>\n</body></html>\n";
        let p = plain_text(src);
        assert!(
            p.text.contains("Russia and Iran signed & agreed."),
            "{:?}",
            p.text
        );
        assert!(p.text.contains("Second paragraph."));
        assert!(
            !p.text.contains("alert") && !p.text.contains("color"),
            "{:?}",
            p.text
        );
        let at = p.text.find("Second").unwrap();
        assert_eq!(&src[p.to_source(at)..p.to_source(at) + 6], "Second");
    }

    #[test]
    fn zero_width_characters_vanish() {
        let p = plain_text("wo\u{200b}rd");
        assert_eq!(p.text.trim(), "word");
    }

    #[test]
    fn text_between_invisible_characters_maps_back() {
        let src = "ab\u{ad}cd \u{200b}\u{feff}ef \u{e9}\u{2060}g";
        let p = plain_text(src);
        assert_eq!(p.text.trim_end(), "abcd ef \u{e9}g");
        for (i, c) in p.text.trim_end().char_indices() {
            assert_eq!(src[p.to_source(i)..].chars().next(), Some(c), "{i}");
        }
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        let src = "Intro line\n\n**Bold** words here";
        let p = plain_text(src);
        let at = p.text.find("words").unwrap();
        assert_eq!(&src[p.to_source(at)..p.to_source(at) + 5], "words");
    }

    #[test]
    fn plain_lines_survive() {
        let p = plain_text("line one\nline two\n\npara two");
        let lines: Vec<_> = p.text.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(lines, ["line one", "line two", "para two"]);
    }
}
