//! Prints which sentences of an article are learned as boilerplate (a
//! debugging aid): `cargo run --release --example masks -- CORPUS ID...`.
use std::collections::HashMap;

use reprint::boilerplate::{Boilerplate, BoilerplateRules, DocSentences};
use reprint::features::Prepared;
use reprint::ingest::{Input, Reader};
use reprint::Params;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let corpus = Reader::default().read(&[Input::parse(&args[1])]);
    let params = Params::default();
    let prepared: Vec<Prepared> = corpus
        .articles
        .iter()
        .map(|a| Prepared::of_article(a, &params))
        .collect();
    let mut interned: HashMap<String, u32> = HashMap::new();
    let outlets: Vec<Option<u32>> = corpus
        .articles
        .iter()
        .map(|a| {
            a.outlet_key().map(|o| {
                let next = interned.len() as u32;
                *interned.entry(o).or_insert(next)
            })
        })
        .collect();
    let docs: Vec<DocSentences> = prepared
        .iter()
        .zip(&outlets)
        .map(|(p, &outlet)| DocSentences {
            outlet,
            sentences: &p.sentence_hashes,
        })
        .collect();
    let b = Boilerplate::learn(&docs, &BoilerplateRules::default());
    for id in &args[2..] {
        let i = corpus
            .articles
            .iter()
            .position(|a| &a.id == id)
            .expect("id in corpus");
        let p = &prepared[i];
        let masks: Vec<bool> = p
            .sentence_hashes
            .iter()
            .map(|&h| b.is_boilerplate(outlets[i], h))
            .collect();
        println!("{id}: {} sentences, masked {:?}", masks.len(), masks);
    }
}
