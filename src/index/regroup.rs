//! Groups and provenance of the parts of the copy graph a batch touched,
//! with the same rules as `cluster` ([`crate::cluster::group`],
//! [`crate::provenance::provenance`]).
//!
//! Grouping only ever joins articles linked by stored edges, and provenance
//! only looks inside a group, so regrouping the connected parts that hold a
//! changed article (together with every member of their previous groups)
//! gives what grouping the whole index would.

use std::collections::{BTreeSet, HashMap, HashSet};

use rusqlite::{params, Connection};

use crate::cluster::{group, Edge, Joined};
use crate::engine::Engine;
use crate::features::Features;
use crate::index::store::{self, decode, encode};
use crate::provenance::{provenance, MemberInfo, OriginalBy};
use crate::verify::Verdict;

/// Fingerprints by doc: those in memory, the rest read once from the index.
pub(crate) struct FeatureCache<'c> {
    conn: &'c Connection,
    cache: HashMap<u32, Features>,
}

impl<'c> FeatureCache<'c> {
    pub(crate) fn new(conn: &'c Connection, known: HashMap<u32, Features>) -> Self {
        FeatureCache { conn, cache: known }
    }

    fn load(&mut self, doc: u32) -> rusqlite::Result<()> {
        if !self.cache.contains_key(&doc) {
            let f = store::features(self.conn, doc)?.unwrap_or_default();
            self.cache.insert(doc, f);
        }
        Ok(())
    }

    /// Verifies two articles.
    pub(crate) fn verify(&mut self, engine: &Engine, a: u32, b: u32) -> rusqlite::Result<Verdict> {
        self.load(a)?;
        self.load(b)?;
        Ok(engine.verify(&self.cache[&a], &self.cache[&b]))
    }
}

/// Regroups every article connected to `seeds`; returns how many articles
/// were placed again.
pub(crate) fn regroup(
    conn: &Connection,
    engine: &Engine,
    seeds: &[u32],
    cache: &mut FeatureCache<'_>,
) -> rusqlite::Result<usize> {
    let (docs, edges) = closure(conn, seeds)?;
    if docs.is_empty() {
        return Ok(0);
    }
    let local: HashMap<u32, u32> = docs
        .iter()
        .enumerate()
        .map(|(i, &d)| (d, i as u32))
        .collect();
    let metas = store::metas(conn, &docs)?;
    let published: Vec<Option<i64>> = docs
        .iter()
        .map(|d| metas.get(d).and_then(|m| m.published_ts))
        .collect();
    let local_edges: Vec<Edge> = edges
        .iter()
        .map(|e| Edge {
            a: local[&e.a],
            b: local[&e.b],
            verdict: e.verdict,
        })
        .collect();
    let mut failure = None;
    let grouping = group(docs.len(), &local_edges, &published, |x, y| {
        match cache.verify(engine, docs[x as usize], docs[y as usize]) {
            Ok(v) => v.relation.is_some(),
            Err(e) => {
                failure.get_or_insert(e);
                false
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }

    let names = outlet_names(conn)?;
    let mut del_group = conn.prepare_cached("DELETE FROM groups WHERE grp = ?1")?;
    let old_groups: BTreeSet<u32> = {
        let mut stmt = conn.prepare_cached("SELECT grp FROM placements WHERE doc = ?1")?;
        let mut set = BTreeSet::new();
        for &d in &docs {
            if let Ok(g) = stmt.query_row([d], |r| r.get::<_, u32>(0)) {
                set.insert(g);
            }
        }
        set
    };
    for g in old_groups {
        del_group.execute([g])?;
    }
    let mut put_place = conn.prepare_cached(
        "INSERT OR REPLACE INTO placements(doc, grp, parent, verdict, is_original, partial)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut put_group = conn.prepare_cached(
        "INSERT OR REPLACE INTO groups(grp, original, original_by, credited_outside, confidence, size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for members in &grouping.groups {
        let global: Vec<u32> = members.iter().map(|&m| docs[m as usize]).collect();
        let grp = global[0];
        if members.len() > 1 {
            for &d in &global {
                cache.load(d)?;
            }
        }
        let empty = Features::default();
        let infos: Vec<MemberInfo> = members
            .iter()
            .zip(&global)
            .map(|(&m, &d)| {
                let meta = metas.get(&d);
                MemberInfo {
                    doc: d,
                    published: published[m as usize],
                    outlet: meta
                        .and_then(|m| m.outlet)
                        .and_then(|o| names.get(&o))
                        .map(String::as_str),
                    credited: meta.and_then(|m| m.credited.as_deref()),
                    joined: grouping.joined[m as usize],
                    features: cache.cache.get(&d).unwrap_or(&empty),
                }
            })
            .collect();
        let conn_ = cache.conn;
        let cached = &cache.cache;
        let mut extra: HashMap<u32, Features> = HashMap::new();
        let prov = provenance(&infos, |x, y| {
            for d in [x, y] {
                if !cached.contains_key(&d) && !extra.contains_key(&d) {
                    let f = store::features(conn_, d).ok().flatten().unwrap_or_default();
                    extra.insert(d, f);
                }
            }
            let get = |d: u32| cached.get(&d).or_else(|| extra.get(&d)).expect("loaded");
            engine.verify(get(x), get(y))
        });
        let mut confidence: f64 = 1.0;
        for p in &prov.placements {
            if let Some(v) = p.verdict {
                confidence = confidence.min(v.figures.jaccard.max(v.min_side()));
            }
            let m = local[&p.doc];
            put_place.execute(params![
                p.doc,
                grp,
                p.parent,
                p.verdict.map(|v| encode(&v)),
                prov.original == Some(p.doc),
                grouping.joined[m as usize] == Joined::Partial,
            ])?;
        }
        put_group.execute(params![
            grp,
            prov.original,
            by_name(prov.by),
            prov.credited_outside,
            confidence,
            members.len() as i64,
        ])?;
    }
    Ok(docs.len())
}

/// The articles to regroup: `seeds`, everything linked to them by edges,
/// and every member of their previous groups, closed under both; with the
/// edges among them.
fn closure(conn: &Connection, seeds: &[u32]) -> rusqlite::Result<(Vec<u32>, Vec<Edge>)> {
    let mut out_edges = conn.prepare_cached("SELECT b, verdict FROM edges WHERE a = ?1")?;
    let mut in_edges = conn.prepare_cached("SELECT a, verdict FROM edges WHERE b = ?1")?;
    let mut group_of = conn.prepare_cached("SELECT grp FROM placements WHERE doc = ?1")?;
    let mut members = conn.prepare_cached("SELECT doc FROM placements WHERE grp = ?1")?;
    let mut exists = conn.prepare_cached("SELECT 1 FROM articles WHERE doc = ?1")?;
    let mut seen: HashSet<u32> = HashSet::new();
    let mut groups_seen: HashSet<u32> = HashSet::new();
    let mut stack: Vec<u32> = seeds.to_vec();
    let mut edges = Vec::new();
    while let Some(d) = stack.pop() {
        if !seen.insert(d) {
            continue;
        }
        for (stmt, outgoing) in [(&mut out_edges, true), (&mut in_edges, false)] {
            let rows =
                stmt.query_map([d], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
            for row in rows {
                let (e, blob) = row?;
                if outgoing {
                    edges.push(Edge {
                        a: d,
                        b: e,
                        verdict: decode(&blob)?,
                    });
                }
                stack.push(e);
            }
        }
        if let Ok(g) = group_of.query_row([d], |r| r.get::<_, u32>(0)) {
            if groups_seen.insert(g) {
                let rows = members.query_map([g], |r| r.get::<_, u32>(0))?;
                for m in rows {
                    stack.push(m?);
                }
            }
        }
    }
    // removed articles may still be named by stale seeds
    let mut docs: Vec<u32> = seen
        .into_iter()
        .filter(|&d| exists.exists([d]).unwrap_or(false))
        .collect();
    docs.sort_unstable();
    edges.sort_unstable_by_key(|e| (e.a, e.b));
    Ok((docs, edges))
}

fn outlet_names(conn: &Connection) -> rusqlite::Result<HashMap<u32, String>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM outlets")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The stored name of a reason for an original.
pub(crate) fn by_name(by: OriginalBy) -> String {
    serde_json::to_value(by)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
