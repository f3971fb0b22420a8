//! Arbitrary bytes as a `.txt`, `.md` or `.html` file (the first byte picks
//! which; a text file holding a JSON object is read as JSON).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let ext = ["txt", "md", "html"][pick as usize % 3];
    common::read_as(ext, rest);
});
