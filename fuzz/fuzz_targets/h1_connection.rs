//! `cargo +nightly fuzz run h1_connection`: see `lamina_tests::fuzz::h1_connection` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lamina_tests::fuzz::h1_connection(data));
