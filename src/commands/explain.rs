//! `reprint explain`.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use reprint::explain::{Explanation, Side};
use reprint::ingest::{Input, Reader};
use reprint::{Error, ErrorKind};

use crate::cli::{Color, ExplainArgs, ExplainFormat};

pub fn run(args: ExplainArgs) -> reprint::Result<ExitCode> {
    let engine = crate::commands::engine(&args.params, &args.thresholds, true)?;
    let reader = Reader::new(args.fields.to_fields());
    let (articles, a, b) = if args.corpus.is_empty() {
        let read = |name: &str| -> reprint::Result<reprint::Article> {
            let corpus = reader.read(&[Input::parse(name)]);
            if let Some(s) = corpus.skipped.first() {
                return Err(input_error(name, &format!("{}: {}", s.location, s.reason)));
            }
            let mut articles = corpus.articles;
            match articles.len() {
                1 => Ok(articles.remove(0)),
                0 => Err(input_error(name, "no article in it")),
                n => Err(input_error(
                    name,
                    &format!("{n} articles in it; name two ids with --corpus {name} ID_A ID_B"),
                )),
            }
        };
        let pair = vec![read(&args.a)?, read(&args.b)?];
        (pair, 0, 1)
    } else {
        let inputs: Vec<Input> = args.corpus.iter().map(|s| Input::parse(s)).collect();
        let corpus = reader.read(&inputs);
        let find = |id: &str| {
            corpus
                .articles
                .iter()
                .position(|x| x.id == id)
                .ok_or_else(|| input_error(id, "no article with this id in the --corpus"))
        };
        let (a, b) = (find(&args.a)?, find(&args.b)?);
        (corpus.articles, a, b)
    };
    let ex = engine.explain(&articles, a, b);
    let stdout = io::stdout();
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut out = BufWriter::new(stdout.lock());
    let written = match args.format {
        ExplainFormat::Json => serde_json::to_writer_pretty(&mut out, &ex)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out)),
        ExplainFormat::Text => write_text(&ex, color, &mut out),
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Error::from(ErrorKind::Output(e)))?;
    Ok(if ex.relation.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn input_error(name: &str, reason: &str) -> Error {
    Error::io(
        name,
        io::Error::new(io::ErrorKind::InvalidData, reason.to_string()),
    )
}

struct Style {
    shared: (&'static str, &'static str),
    added: (&'static str, &'static str),
    bold: (&'static str, &'static str),
}

fn write_text(ex: &Explanation, color: bool, w: &mut impl Write) -> io::Result<()> {
    let st = if color {
        Style {
            shared: ("\x1b[42;30m", "\x1b[0m"),
            added: ("\x1b[2;9m", "\x1b[0m"),
            bold: ("\x1b[1m", "\x1b[0m"),
        }
    } else {
        Style {
            shared: ("[=", "=]"),
            added: ("[+", "+]"),
            bold: ("", ""),
        }
    };
    let f = &ex.figures;
    let relation = match (ex.relation, ex.template) {
        (Some(r), _) => r.as_str().to_string(),
        (None, true) => "not a copy: one template filled with different facts".to_string(),
        (None, false) => "not a copy".to_string(),
    };
    writeln!(w, "{}{relation}{}", st.bold.0, st.bold.1)?;
    writeln!(
        w,
        "Jaccard {:.2}   A in B {:.2}   B in A {:.2}   longest shared passage {} words",
        f.jaccard, f.a_in_b, f.b_in_a, f.longest_passage
    )?;
    match (&ex.earlier, &ex.credited_outside) {
        (_, Some(c)) => writeln!(w, "first: neither; both copy {c}, which is not among them")?,
        (Some(id), None) => {
            let why = match ex.earlier_by {
                Some(reprint::provenance::OriginalBy::PublishedAt) => "published earlier",
                Some(reprint::provenance::OriginalBy::Attribution) => {
                    "the other credits its outlet"
                }
                _ => "it carries the shared text and adds less",
            };
            writeln!(w, "first: {id} ({why})")?;
        }
        (None, None) => {}
    }
    if !color {
        writeln!(w, "[= shared passage =]   [+ not in the other article +]")?;
    }
    for (name, side) in [("A", &ex.a), ("B", &ex.b)] {
        writeln!(w)?;
        write_side(name, side, &st, w)?;
    }
    Ok(())
}

fn write_side(name: &str, s: &Side, st: &Style, w: &mut impl Write) -> io::Result<()> {
    let mut meta: Vec<String> = Vec::new();
    meta.extend(s.source.clone());
    meta.extend(s.published_at.clone());
    if let Some(c) = &s.credited_source {
        meta.push(format!("credits {c}"));
    }
    writeln!(
        w,
        "{}{name}: {}{}  {}",
        st.bold.0,
        s.id,
        st.bold.1,
        meta.join(", ")
    )?;
    let shared: usize = s.passages.iter().map(|p| p.words as usize).sum();
    let added: usize = s.additions.iter().map(|a| a.words as usize).sum();
    writeln!(
        w,
        "{} shared passage(s), {shared} words; {} addition(s), {added} words",
        s.passages.len(),
        s.additions.len()
    )?;
    writeln!(w, "{}", "-".repeat(72))?;
    // marks by character: 1 = shared, 2 = added
    let chars: Vec<char> = s.text.chars().collect();
    let mut mark = vec![0u8; chars.len()];
    for p in &s.passages {
        mark[p.start.min(chars.len())..p.end.min(chars.len())].fill(1);
    }
    for a in &s.additions {
        mark[a.start.min(chars.len())..a.end.min(chars.len())].fill(2);
    }
    let mut current = 0u8;
    let mut line = String::new();
    for (c, m) in chars.iter().zip(&mark) {
        // newlines close a mark so that every line stands alone
        let m = if *c == '\n' { 0 } else { *m };
        if m != current {
            line.push_str(match current {
                1 => st.shared.1,
                2 => st.added.1,
                _ => "",
            });
            line.push_str(match m {
                1 => st.shared.0,
                2 => st.added.0,
                _ => "",
            });
            current = m;
        }
        line.push(*c);
    }
    line.push_str(match current {
        1 => st.shared.1,
        2 => st.added.1,
        _ => "",
    });
    writeln!(w, "{}", line.trim_end())
}
