//! Prints the verdict between two articles of a corpus (a debugging aid):
//! `cargo run --release --example verdict -- CORPUS ID_A ID_B`.
use reprint::ingest::{Input, Reader};
use reprint::Engine;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let corpus = Reader::default().read(&[Input::parse(&args[1])]);
    let engine = Engine::default();
    let fp = engine.fingerprint(&corpus.articles);
    let find = |id: &str| {
        corpus
            .articles
            .iter()
            .position(|a| a.id == id)
            .expect("id in corpus")
    };
    for pair in args[2..].chunks(2) {
        let (a, b) = (find(&pair[0]), find(&pair[1]));
        let v = engine.verify(&fp.features[a], &fp.features[b]);
        println!(
            "{} {} kept {} {} {:?}",
            pair[0], pair[1], fp.features[a].kept, fp.features[b].kept, v
        );
    }
}
