//! Arbitrary bytes as a `.jsonl` file.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::read_as("jsonl", data);
});
