//! Typed reads and writes of the index's rows.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::article::{Article, Location};
use crate::boilerplate::Boilerplate;
use crate::features::Features;

/// A value as a blob (postcard: compact, self-delimiting, serde).
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_allocvec(value).expect("in-memory values serialise")
}

/// A blob back to its value; a corrupt blob is a conversion error.
pub(crate) fn decode<T: DeserializeOwned>(blob: &[u8]) -> rusqlite::Result<T> {
    postcard::from_bytes(blob).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
    })
}

/// Keys are u64 hashes; SQLite integers are i64: the bits are kept.
pub(crate) fn key(k: u64) -> i64 {
    k as i64
}

/// The stored fingerprint of `doc`.
pub(crate) fn features(conn: &Connection, doc: u32) -> rusqlite::Result<Option<Features>> {
    let mut stmt = conn.prepare_cached("SELECT features FROM features WHERE doc = ?1")?;
    stmt.query_row([doc], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
        .map(|b| decode(&b))
        .transpose()
}

/// Which posting table.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Postings {
    Bands,
    Anchors,
}

impl Postings {
    fn table(self) -> &'static str {
        match self {
            Postings::Bands => "bands",
            Postings::Anchors => "anchors",
        }
    }
}

/// The first `limit` articles of a posting list, in doc order.
pub(crate) fn posting_list(
    conn: &Connection,
    which: Postings,
    k: u64,
    limit: usize,
) -> rusqlite::Result<Vec<u32>> {
    // the limit is written into the statement: a bound LIMIT makes SQLite
    // (built with STAT4) prepare the statement again at every call
    let sql = format!(
        "SELECT doc FROM {} WHERE key = ?1 ORDER BY doc LIMIT {limit}",
        which.table()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([key(k)], |r| r.get(0))?;
    rows.collect()
}

/// Band and anchor posting keys of a fingerprint.
fn posting_keys(f: &Features) -> [(Postings, Vec<u64>); 2] {
    let bands = f
        .band_keys
        .iter()
        .enumerate()
        .map(|(j, &k)| crate::candidates::band_key(j, k))
        .collect();
    [
        (Postings::Bands, bands),
        (Postings::Anchors, f.anchors.clone()),
    ]
}

/// What [`write_postings`] does to each posting.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PostingWrite {
    Insert,
    Delete,
}

/// Adds or removes the postings of many articles, in key order: statements
/// that walk the b-tree front to back touch each page once instead of at
/// random.
pub(crate) fn write_postings<'a>(
    conn: &Connection,
    docs: impl Iterator<Item = (u32, &'a Features)> + Clone,
    write: PostingWrite,
) -> rusqlite::Result<()> {
    for table in [Postings::Bands, Postings::Anchors] {
        let mut rows: Vec<(i64, u32)> = docs
            .clone()
            .flat_map(|(d, f)| {
                let [(_, bands), (_, anchors)] = posting_keys(f);
                let keys = match table {
                    Postings::Bands => bands,
                    Postings::Anchors => anchors,
                };
                keys.into_iter().map(move |k| (key(k), d))
            })
            .collect();
        rows.sort_unstable();
        rows.dedup();
        let sql = match write {
            PostingWrite::Insert => format!(
                "INSERT OR IGNORE INTO {}(key, doc) VALUES (?1, ?2)",
                table.table()
            ),
            PostingWrite::Delete => {
                format!("DELETE FROM {} WHERE key = ?1 AND doc = ?2", table.table())
            }
        };
        let mut stmt = conn.prepare_cached(&sql)?;
        for (k, d) in rows {
            stmt.execute(params![k, d])?;
        }
    }
    Ok(())
}

/// The interned id of outlet `name`, made when new.
pub(crate) fn intern_outlet(conn: &Connection, name: &str) -> rusqlite::Result<u32> {
    if let Some(id) = outlet_id(conn, name)? {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO outlets(name) VALUES (?1)")?
        .execute([name])?;
    Ok(conn.last_insert_rowid() as u32)
}

/// The interned id of outlet `name`, if known.
pub(crate) fn outlet_id(conn: &Connection, name: &str) -> rusqlite::Result<Option<u32>> {
    conn.prepare_cached("SELECT id FROM outlets WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()
}

/// All learned boilerplate.
pub(crate) fn boilerplate(conn: &Connection) -> rusqlite::Result<Boilerplate> {
    let mut stmt = conn.prepare("SELECT outlet, hash FROM boilerplate")?;
    let rows = stmt.query_map([], |r| Ok(entry(r.get(0)?, r.get(1)?)))?;
    Ok(Boilerplate::from_entries(
        rows.collect::<rusqlite::Result<Vec<_>>>()?,
    ))
}

/// The learned boilerplate among `hashes` (all a check needs).
pub(crate) fn boilerplate_of(conn: &Connection, hashes: &[u64]) -> rusqlite::Result<Boilerplate> {
    let mut stmt = conn.prepare_cached("SELECT outlet, hash FROM boilerplate WHERE hash = ?1")?;
    let mut entries = Vec::new();
    for &h in hashes {
        let rows = stmt.query_map([key(h)], |r| Ok(entry(r.get(0)?, r.get(1)?)))?;
        for e in rows {
            entries.push(e?);
        }
    }
    Ok(Boilerplate::from_entries(entries))
}

fn entry(outlet: i64, hash: i64) -> (Option<u32>, u64) {
    ((outlet >= 0).then_some(outlet as u32), hash as u64)
}

/// Stored boilerplate entry of `(outlet, hash)`.
pub(crate) fn boilerplate_row(outlet: Option<u32>, hash: u64) -> (i64, i64) {
    (outlet.map_or(-1, i64::from), key(hash))
}

/// What reports say about a stored article.
#[derive(Debug, Clone, Default)]
pub(crate) struct Meta {
    pub id: String,
    pub published_at: Option<String>,
    pub published_ts: Option<i64>,
    pub source: Option<String>,
    pub outlet: Option<u32>,
    pub credited: Option<String>,
}

/// Metadata of `docs` (those that exist).
pub(crate) fn metas(conn: &Connection, docs: &[u32]) -> rusqlite::Result<HashMap<u32, Meta>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.published_at, a.published_ts, a.source, a.outlet, f.credited
         FROM articles a LEFT JOIN features f ON f.doc = a.doc WHERE a.doc = ?1",
    )?;
    let mut out = HashMap::with_capacity(docs.len());
    for &d in docs {
        let m = stmt
            .query_row([d], |r| {
                Ok(Meta {
                    id: r.get(0)?,
                    published_at: r.get(1)?,
                    published_ts: r.get(2)?,
                    source: r.get(3)?,
                    outlet: r.get(4)?,
                    credited: r.get(5)?,
                })
            })
            .optional()?;
        if let Some(m) = m {
            out.insert(d, m);
        }
    }
    Ok(out)
}

/// The stored record of `doc`, as read.
pub(crate) fn article(conn: &Connection, doc: u32) -> rusqlite::Result<Article> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, title, text, published_at, published_ts, source, url, canonical, location
         FROM articles WHERE doc = ?1",
    )?;
    stmt.query_row([doc], |r| {
        Ok(Article {
            id: r.get(0)?,
            title: r.get(1)?,
            text: r.get(2)?,
            published_at: r.get(3)?,
            published_ts: r.get(4)?,
            source: r.get(5)?,
            url: r.get(6)?,
            canonical: r.get(7)?,
            location: Location {
                file: r.get(8)?,
                line: 0,
                record: None,
            },
        })
    })
}

/// The stored text of `doc`.
pub(crate) fn text(conn: &Connection, doc: u32) -> rusqlite::Result<String> {
    conn.prepare_cached("SELECT text FROM articles WHERE doc = ?1")?
        .query_row([doc], |r| r.get(0))
}

/// The internal number of the article with external `id`.
pub(crate) fn doc_of(conn: &Connection, id: &str) -> rusqlite::Result<Option<u32>> {
    conn.prepare_cached("SELECT doc FROM articles WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}
