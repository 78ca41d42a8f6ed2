//! The bodies of the `cargo fuzz` targets in `fuzz/fuzz_targets/`.
//!
//! Each function panics when an invariant breaks, which is what libFuzzer
//! reports; `tests/fuzz_corpus.rs` replays the checked-in corpus through the
//! same functions on stable Rust.

use lamina::h1::{Config, Connection, HeadStatus, HeaderSlots};
use lamina::time::Instant;

use crate::exchange::{App, Setup, run};
use crate::{client, escape};

/// The request-head parser on arbitrary bytes: never panics; a complete head
/// lies inside the input and its views agree with it.
pub fn h1_head(data: &[u8]) {
    let mut conn: Connection = Connection::new(Config::new(), data.len().max(1), Instant::ZERO);
    if let Ok(HeadStatus::Complete(head)) = conn.handle_head(data, &mut HeaderSlots::new(), Instant::ZERO) {
        assert!(head.len() <= data.len());
        assert!(!head.method().is_empty() && !head.target().is_empty());
        assert!(head.headers().len() <= lamina::h1::DEFAULT_MAX_HEADERS);
        for h in head.headers().iter() {
            assert!(!h.value.contains(&b'\r') && !h.value.contains(&b'\n'), "CR/LF in a parsed value");
        }
    }
}

/// The chunked decoder, behind a chunked POST head: any body bytes, whole and
/// split, give the same well-framed outcome.
pub fn h1_chunked(data: &[u8]) {
    let mut input = b"POST /c HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    input.extend_from_slice(data);
    let setup = Setup { config: Config::new().max_body_len(4096), ..Setup::default() };
    same_outcome_at_any_split(&input, &[&[], &[1], &[3, 7]], &setup);
}

/// The whole connection state machine: the first byte picks a setup (bits
/// 0–1 the app, 2 a small buffer, 3 four header slots, 4 an 8-byte body
/// limit, 5 a client that stays silent at the end, 6–7 a split size), the
/// rest is the byte stream; whole, byte by byte and in odd pieces the outcome is
/// identical and every response is well framed.
pub fn h1_connection(data: &[u8]) {
    let Some((&knobs, input)) = data.split_first() else { return };
    let setup = Setup {
        app: [App::Echo, App::Fail, App::Stream, App::IgnoreBody][usize::from(knobs & 3)],
        buffer_len: if knobs & 4 == 0 { 4096 } else { 96 },
        max_headers: if knobs & 8 == 0 { 32 } else { 4 },
        config: Config::new().max_body_len(if knobs & 16 == 0 { 1 << 20 } else { 8 }).max_drain_len(32),
        body_limit: None,
        wait_at_end: knobs & 32 != 0,
    };
    let step = usize::from(knobs >> 6) + 2;
    same_outcome_at_any_split(input, &[&[], &[1], &[step]], &setup);
}

/// Runs `input` with each piece pattern and asserts identical, well-framed
/// transcripts — from the reference driver and from the real one
/// ([`served`](crate::served)).
pub fn same_outcome_at_any_split(input: &[u8], patterns: &[&[usize]], setup: &Setup) {
    let first = run(input, patterns.first().copied().unwrap_or(&[]), setup);
    if let Err(e) = client::check(&first) {
        panic!("badly framed output: {e}\ninput: {}\noutput: {}", escape(input), escape(&first.output));
    }
    for pattern in patterns.iter().skip(1) {
        let other = run(input, pattern, setup);
        assert!(
            other.same_outcome(&first),
            "outcome depends on the split {pattern:?}\ninput: {}\nwhole: {}\nsplit: {}",
            escape(input),
            escape(&first.output),
            escape(&other.output)
        );
    }
    for pattern in patterns {
        let real = crate::served::run(input, pattern, setup);
        assert!(
            real.same_outcome(&first),
            "the real driver differs when split as {pattern:?}\ninput: {}\nreference: {} ({:?})\ndriver:    {} ({:?})",
            escape(input),
            escape(&first.output),
            first.end,
            escape(&real.output),
            real.end
        );
    }
}
