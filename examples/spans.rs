//! Prints word spans that run backwards (a debugging aid).
use reprint::features::Prepared;
use reprint::Params;
fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap();
        let a = Prepared::aligned(&text, &Params::default(), |_| false);
        let chars: Vec<char> = text.chars().collect();
        for (i, &(s, e)) in a.spans.iter().enumerate() {
            if s > e || e > chars.len() {
                let lo = e.min(s).saturating_sub(20);
                let hi = (s.max(e) + 20).min(chars.len());
                println!(
                    "{path} word {i}: {s}..{e} context {:?}",
                    chars[lo..hi].iter().collect::<String>()
                );
            }
        }
    }
}
