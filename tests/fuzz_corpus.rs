//! Replays every file of `fuzz/corpus/<target>/` through its fuzz target's
//! body, on stable Rust, as part of `cargo test`.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut count = 0;
    for entry in entries {
        let path = entry.expect("corpus entry").path();
        let data = std::fs::read(&path).expect("corpus file");
        run(&data);
        count += 1;
    }
    assert!(count > 0, "the {target} corpus is empty");
}

#[test]
fn h1_head_corpus() {
    replay("h1_head", lamina_tests::fuzz::h1_head);
}

#[test]
fn h1_chunked_corpus() {
    replay("h1_chunked", lamina_tests::fuzz::h1_chunked);
}

#[test]
fn h1_connection_corpus() {
    replay("h1_connection", lamina_tests::fuzz::h1_connection);
}
