//! The HTML report: one self-contained page for editors.
//!
//! The page is written server-side in one pass: inline CSS
//! (`html/report.css`), the parts that are plain tables (summary, skipped
//! records, warnings, parameters) as escaped HTML, the groups and the texts
//! of grouped articles as one JSON block (`<script type="application/json"
//! id="reprint-data">`), and a small inline script (`html/report.js`) that
//! renders one page of groups at a time and a group's texts, with shared
//! passages and additions marked, only when the group is expanded. So a
//! report of tens of thousands of articles opens as fast as the browser can
//! parse its JSON.
//!
//! Nothing is fetched: no external fonts, scripts or images, and a
//! Content-Security-Policy that forbids every network request.
//!
//! Safety: every text from the input is either HTML-escaped here or set as
//! text (never as markup) by the script; inside the JSON block every `<` is
//! written as `\u003c`, so no article can close the script element (or open
//! an HTML comment in it).
//!
//! Offsets in the data are character offsets (Unicode scalar values), as in
//! [`crate::report::Passage`]; the script converts them to the UTF-16
//! indices of JavaScript strings.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use crate::article::parse_timestamp;
use crate::report::{Group, Report, SameStory};

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Skipped records and warnings shown in the page; the rest are counted
/// (the JSON report has them all).
const MAX_TABLE_ROWS: usize = 2_000;

/// The JSON block the script reads.
#[derive(Serialize)]
struct Data<'a> {
    groups: Vec<GroupData<'a>>,
    same_story: &'a [SameStory],
    singletons: &'a [String],
    /// Original texts of grouped articles, by id.
    texts: BTreeMap<&'a str, &'a str>,
}

#[derive(Serialize)]
struct GroupData<'a> {
    #[serde(flatten)]
    group: &'a Group,
    /// Each member's `published_at` in Unix seconds, when it parses.
    ts: Vec<Option<i64>>,
}

/// Writes the report as one self-contained HTML page.
///
/// # Errors
/// When writing fails.
pub fn write_html(report: &Report, mut w: impl Write) -> io::Result<()> {
    let s = &report.stats;
    let mut head = String::with_capacity(16 * 1024);
    let title = format!(
        "reprint report: {} groups of copies in {} articles",
        report.groups.len(),
        s.articles
    );
    let _ = write!(
        head,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; \
         base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"generator\" content=\"reprint {}\">\n<title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&title),
        CSS
    );
    head.push_str("<a class=\"skip\" href=\"#groups-h\">Skip to the groups</a>\n");
    head.push_str("<header class=\"top\">\n<h1>reprint report</h1>\n");
    let _ = writeln!(
        head,
        "<p class=\"summary\"><strong>{}</strong> articles: <strong>{}</strong> groups of copies \
         holding <strong>{}</strong> articles, <strong>{}</strong> alone, \
         <strong>{}</strong> same-story links; <strong>{}</strong> records skipped, \
         <strong>{}</strong> warnings.</p>",
        s.articles,
        report.groups.len(),
        s.grouped_articles,
        report.singletons.len(),
        report.same_story.len(),
        report.skipped.len(),
        report.warnings.len()
    );
    let _ = writeln!(
        head,
        "<nav aria-label=\"Sections\"><ul class=\"sections\">\
         <li><a href=\"#groups-h\">Groups ({})</a></li>\
         <li><a href=\"#skipped\">Skipped records ({})</a></li>\
         <li><a href=\"#warnings\">Warnings ({})</a></li>\
         <li><a href=\"#params\">Parameters</a></li></ul></nav>\n</header>",
        report.groups.len(),
        report.skipped.len(),
        report.warnings.len()
    );
    head.push_str(GROUPS_SECTION);
    w.write_all(head.as_bytes())?;

    let mut tail = String::with_capacity(8 * 1024);
    skipped_section(report, &mut tail);
    warnings_section(report, &mut tail);
    params_section(report, &mut tail);
    tail.push_str("</main>\n");
    w.write_all(tail.as_bytes())?;

    w.write_all(b"<script type=\"application/json\" id=\"reprint-data\">")?;
    let data = data(report);
    serde_json::to_writer(ScriptSafe(&mut w), &data)?;
    w.write_all(b"</script>\n<script>\n")?;
    w.write_all(JS.as_bytes())?;
    w.write_all(b"</script>\n</body>\n</html>\n")
}

fn data(report: &Report) -> Data<'_> {
    let mut texts = BTreeMap::new();
    let groups = report
        .groups
        .iter()
        .map(|g| {
            for m in &g.members {
                if let Some(t) = report.texts.get(&m.id) {
                    texts.insert(m.id.as_str(), t.as_str());
                }
            }
            GroupData {
                group: g,
                ts: g
                    .members
                    .iter()
                    .map(|m| m.published_at.as_deref().and_then(parse_timestamp))
                    .collect(),
            }
        })
        .collect();
    Data {
        groups,
        same_story: &report.same_story,
        singletons: &report.singletons,
        texts,
    }
}

/// The static part of the groups section; the script fills `#groups` and
/// the pagers.
const GROUPS_SECTION: &str = r##"<main id="main">
<section class="groups" aria-labelledby="groups-h">
<h2 id="groups-h" tabindex="-1">Groups of copies</h2>
<details class="legend">
<summary>How to read a group</summary>
<div class="legend-body">
<p>Each group is one story and its copies. The <strong>original</strong> comes first (or, when
every copy credits a source that is not in the input, the <strong>root</strong>: the copy the
others are compared with). Each copy is shown beside its <em>source</em> (the member it was
copied from):</p>
<ul>
<li><mark class="passage">Highlighted text</mark> is a passage the copy shares with its source.
Point at it, or focus it and press Enter, to see the same passage in the source.</li>
<li><ins class="addition">Grey text</ins> marked <span class="tag">added</span> is an addition:
text of the copy that is not in its source (a reposter's intro, ads, a footer, new paragraphs).
A long addition is folded after its first lines: its button shows the rest.</li>
<li>Relations: <span class="badge b-identical">identical</span> same words;
<span class="badge b-near-identical">near-identical</span> Jaccard &ge; 0.8;
<span class="badge b-reprint">reprint</span> nearly all of the source plus additions;
<span class="badge b-edited">edited</span> reworded, parts dropped or added;
<span class="badge b-partial">partial</span> an excerpt.</li>
<li>Figures: <abbr title="Jaccard similarity">J</abbr> is the overlap of the two texts'
5-word phrases; &ldquo;of it in source&rdquo; is the share of the copy found in its
source, &ldquo;of source in it&rdquo; the share of the source found in the copy.
A group's confidence is its weakest copy-to-source evidence.</li>
</ul>
</div>
</details>
<div class="toolbar" role="search">
<label for="q">Find</label>
<input id="q" type="search" placeholder="id, title, outlet or group" autocomplete="off" spellcheck="false">
<label for="sort">Order</label>
<select id="sort">
<option value="size">Largest groups first</option>
<option value="input">Input order</option>
<option value="confidence">Lowest confidence first</option>
</select>
<button type="button" id="collapse">Collapse all</button>
<p id="count" class="count" role="status" aria-live="polite"></p>
</div>
<nav class="pager" aria-label="Pages of groups, top"></nav>
<div id="groups"><noscript><p class="note">This page needs JavaScript to show the groups.
The same data is in <code>reprint cluster --format json</code>.</p></noscript></div>
<nav class="pager" aria-label="Pages of groups, bottom"></nav>
</section>
"##;

fn skipped_section(report: &Report, out: &mut String) {
    let n = report.skipped.len();
    let _ = writeln!(
        out,
        "<section id=\"skipped\" aria-labelledby=\"skipped-h\">\n<h2 id=\"skipped-h\">Skipped records ({n})</h2>"
    );
    if n == 0 {
        out.push_str("<p class=\"note\">None: every record was read.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th scope=\"col\">File</th>\
         <th scope=\"col\">Line</th><th scope=\"col\">Record</th><th scope=\"col\">Reason</th>\
         <th scope=\"col\">Input unreadable</th></tr></thead>\n<tbody>\n",
    );
    for s in report.skipped.iter().take(MAX_TABLE_ROWS) {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&s.location.file),
            line_cell(s.location.line),
            s.location.record.map(|r| r.to_string()).unwrap_or_default(),
            esc(&s.reason),
            if s.fatal { "yes" } else { "" }
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    more_rows(out, n);
    out.push_str("</section>\n");
}

fn warnings_section(report: &Report, out: &mut String) {
    let n = report.warnings.len();
    let _ = writeln!(
        out,
        "<section id=\"warnings\" aria-labelledby=\"warnings-h\">\n<h2 id=\"warnings-h\">Warnings ({n})</h2>"
    );
    if n == 0 {
        out.push_str("<p class=\"note\">None.</p>\n</section>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<details{}><summary>Records read with a warning (duplicate ids, dates not understood, invalid UTF-8)</summary>",
        if n <= 20 { " open" } else { "" }
    );
    out.push_str(
        "<div class=\"table-wrap\"><table>\n<thead><tr><th scope=\"col\">File</th>\
         <th scope=\"col\">Line</th><th scope=\"col\">Record</th><th scope=\"col\">Warning</th>\
         </tr></thead>\n<tbody>\n",
    );
    for x in report.warnings.iter().take(MAX_TABLE_ROWS) {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&x.location.file),
            line_cell(x.location.line),
            x.location.record.map(|r| r.to_string()).unwrap_or_default(),
            esc(&x.message)
        );
    }
    out.push_str("</tbody>\n</table></div>\n");
    more_rows(out, n);
    out.push_str("</details>\n</section>\n");
}

fn line_cell(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        line.to_string()
    }
}

fn more_rows(out: &mut String, n: usize) {
    if n > MAX_TABLE_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"note\">And {} more: <code>reprint cluster --format json</code> lists them all.</p>",
            n - MAX_TABLE_ROWS
        );
    }
}

fn params_section(report: &Report, out: &mut String) {
    out.push_str(
        "<section id=\"params\" aria-labelledby=\"params-h\">\n<h2 id=\"params-h\">Parameters</h2>\n\
         <details><summary>Fingerprint parameters, thresholds and timings of this run</summary>\n<div class=\"params\">\n",
    );
    let tables: [(&str, serde_json::Result<serde_json::Value>); 4] = [
        ("Fingerprint", serde_json::to_value(&report.params)),
        (
            "Relation thresholds",
            serde_json::to_value(&report.thresholds),
        ),
        ("Boilerplate", serde_json::to_value(&report.boilerplate)),
        ("Candidates", serde_json::to_value(&report.candidates)),
    ];
    for (name, value) in tables {
        let Ok(serde_json::Value::Object(map)) = value else {
            continue;
        };
        let _ = writeln!(
            out,
            "<dl class=\"kv\"><div class=\"kv-h\">{}</div>",
            esc(name)
        );
        for (k, v) in &map {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(out, "<div><dt>{}</dt><dd>{}</dd></div>", esc(k), esc(&v));
        }
        out.push_str("</dl>\n");
    }
    out.push_str("<dl class=\"kv\"><div class=\"kv-h\">Timings</div>\n");
    for (stage, ms) in &report.stats.timings_ms {
        let _ = writeln!(out, "<div><dt>{}</dt><dd>{ms} ms</dd></div>", esc(stage));
    }
    out.push_str("</dl>\n</div>\n</details>\n</section>\n");
}

/// Escapes text for HTML content and quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Writes JSON that is safe inside a `<script>` element: every `<` becomes
/// `\u003c` (it only occurs inside JSON strings, and the byte never occurs
/// inside a multi-byte UTF-8 sequence), so neither `</script>` nor `<!--`
/// can appear in the element.
struct ScriptSafe<W: Write>(W);

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|&b| b == b'<') {
            self.0.write_all(&rest[..i])?;
            self.0.write_all(b"\\u003c")?;
            rest = &rest[i + 1..];
        }
        self.0.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn script_safe_json_has_no_angle_bracket_and_round_trips() {
        let text = "a </script><!--<script> b \u{1F600} 中文 <";
        let mut out = Vec::new();
        serde_json::to_writer(ScriptSafe(&mut out), &text).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(!s.contains('<'), "{s}");
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn assets_cannot_close_their_elements() {
        assert!(!JS.to_ascii_lowercase().contains("</script"));
        assert!(!JS.contains("<!--"));
        assert!(!CSS.to_ascii_lowercase().contains("</style"));
        for asset in [JS, CSS] {
            assert!(!asset.contains("http://") && !asset.contains("https://"));
        }
    }
}
