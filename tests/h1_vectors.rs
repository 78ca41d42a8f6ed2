//! The `.http` vectors of `tests/vectors/`: each fed whole, byte by byte and
//! split at every offset, with the identical outcome, which must match the
//! file's `expect` block. The format is documented in `src/vector.rs`.
//!
//! Each vector runs through both drivers: the reference over the sans-IO
//! core (`src/exchange.rs`) and the real one, `lamina::serve` (`src/served.rs`);
//! at every split the real driver must put the same bytes on the wire.

use lamina_tests::exchange::run;
use lamina_tests::{client, escape, served, vector};

#[test]
fn every_vector_at_every_split() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/vectors exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "http"))
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).expect("readable vector");
        if let Err(e) = check_vector(&text) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} vectors failed:\n{}", failures.len(), paths.len(), failures.join("\n"));
    assert!(paths.len() >= 60, "expected at least 60 vectors, found {}", paths.len());
}

fn check_vector(text: &str) -> Result<(), String> {
    let v = vector::parse(text)?;
    let whole = run(&v.request, &[], &v.setup);
    let responses = client::check(&whole).map_err(|e| format!("{e}\noutput: {}", escape(&whole.output)))?;
    let got: Vec<_> = responses
        .iter()
        .map(|r| {
            let body = String::from_utf8_lossy(&r.body);
            let keep = if r.close { "close" } else { "keep" };
            format!("{} {keep}{}{body}", r.status, if body.is_empty() { "" } else { " " })
        })
        .collect();
    let want: Vec<_> = v
        .expect
        .iter()
        .zip(
            responses
                .iter()
                .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                .chain(core::iter::repeat(String::new())),
        )
        .map(|(e, actual_body)| {
            let keep = if e.close { "close" } else { "keep" };
            // Without an expected body, compare status and connection only.
            let body = e.body.clone().unwrap_or(actual_body);
            format!("{} {keep}{}{body}", e.status, if body.is_empty() { "" } else { " " })
        })
        .collect();
    if got != want {
        return Err(format!(
            "responses differ\n  want: {want:?}\n  got:  {got:?}\n  output: {}",
            escape(&whole.output)
        ));
    }
    if let Some(end) = v.end {
        if whole.end != end {
            return Err(format!("connection ended {:?}, expected {end:?}", whole.end));
        }
    }
    let mut patterns: Vec<Vec<usize>> = vec![vec![1]];
    patterns.extend((1..v.request.len()).map(|k| vec![k, usize::MAX]));
    for pattern in &patterns {
        let split = run(&v.request, pattern, &v.setup);
        if !split.same_outcome(&whole) {
            return Err(format!(
                "outcome differs when split as {pattern:?}\n  whole: {}\n  split: {}",
                escape(&whole.output),
                escape(&split.output)
            ));
        }
    }
    for pattern in core::iter::once(&vec![]).chain(&patterns) {
        let real = served::run(&v.request, pattern, &v.setup);
        if !real.same_outcome(&whole) {
            return Err(format!(
                "the real driver differs when split as {pattern:?}\n  reference: {} ({:?})\n  driver:    {} ({:?})",
                escape(&whole.output),
                whole.end,
                escape(&real.output),
                real.end
            ));
        }
    }
    Ok(())
}
