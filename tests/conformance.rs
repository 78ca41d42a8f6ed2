//! The Connect conformance cases of `shared/conformance/` against lamina:
//! every `"framework": "connect"` case of `cases.json`, every Express case
//! whose app uses only Connect behaviour, and the Connect case of
//! `divergences.json` with the behaviour its `lamina_note` describes. Each
//! request is served by lamina's connection driver over an in-memory
//! connection.

use std::path::PathBuf;

use lamina_tests::conformance::{self, Case, Expect, Selected, connect, express};

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

/// Runs one case against its expectation; `Err` lists how it differed.
fn check(case: &Case, expect: &Expect) -> Result<(), String> {
    let run = if case.app["framework"] == "express" { express::run } else { connect::run };
    let got = run(case).map_err(|e| format!("{}: could not run: {e}", case.id))?;
    let diffs = conformance::compare(expect, &got);
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.iter().map(|d| format!("{}: {d}", case.id)).collect::<Vec<_>>().join("\n"))
    }
}

/// Runs `f` on a thread with a 16 MiB stack. Unoptimized, a request through
/// four nested 12-layer apps (`own_cases_recorded_from_connect`) needs
/// about 3 MiB of stack, more than a test thread's default 2 MiB; optimized
/// builds need far less.
fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    let thread = std::thread::Builder::new().stack_size(16 << 20).spawn(f).expect("a test thread");
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

fn selected() -> Selected {
    conformance::select(&shared()).expect("shared/conformance")
}

/// Runs `cases`, returning how many passed and the failures.
fn run_all(cases: &[(Case, Expect)]) -> (usize, Vec<String>) {
    let failures: Vec<String> = cases.iter().filter_map(|(case, expect)| check(case, expect).err()).collect();
    (cases.len() - failures.len(), failures)
}

#[test]
fn connect_cases() {
    with_big_stack(|| {
        let selected = selected();
        let (passed, mut failures) = run_all(&selected.connect);
        let (passed_divergences, more) = run_all(&selected.divergences);
        failures.extend(more);
        eprintln!(
            "connect conformance: {passed} of {} cases and {passed_divergences} of {} divergences pass",
            selected.connect.len(),
            selected.divergences.len()
        );
        assert_eq!(selected.connect.len(), 41, "every connect case of cases.json runs");
        assert_eq!(selected.divergences.len(), 1, "the connect case of divergences.json runs");
        assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
    });
}

/// [`conformance::OWN_CASES`]: sub-apps continuing into, failing into and
/// recovering into their parents, and edge cases of the mount at `/`.
#[test]
fn own_cases_recorded_from_connect() {
    with_big_stack(|| {
        let selected = selected();
        assert_eq!(selected.own.len(), 10);
        let (_, failures) = run_all(&selected.own);
        assert!(failures.is_empty(), "{} failing:\n{}", failures.len(), failures.join("\n"));
    });
}

/// Express cases written only in the Connect vocabulary exercise Connect
/// behaviour that Express inherited (see [`conformance::EXPRESS_ONLY`] for
/// the ones Express's own helpers answer differently).
#[test]
fn express_cases_that_use_only_connect_behaviour() {
    with_big_stack(|| {
        let selected = selected();
        let (passed, failures) = run_all(&selected.express_as_connect);
        let ran = selected.express_as_connect.len();
        assert!(failures.is_empty(), "{passed}/{ran} passed:\n{}", failures.join("\n"));
        assert!(
            ran >= 20,
            "only {ran} Express cases in the Connect vocabulary: did the interpreter stop building them?"
        );
    });
}

/// Every Express case of `cases.json` (and the Express cases of
/// `divergences.json`, with lamina's behaviour), through the Express
/// interpreter: routes, params, routers, settings and Express's helpers.
#[test]
fn express_cases() {
    with_big_stack(|| {
        let selected = selected();
        let (passed, failures) = run_all(&selected.express);
        let ran = selected.express.len();
        eprintln!("express conformance: {passed} of {ran} cases pass");
        assert_eq!(ran, 132, "every express case of cases.json and divergences.json runs");
        // Each failure starts with its case's id; the pending ones (and only
        // they) may fail.
        let failed: std::collections::BTreeSet<&str> = failures.iter().filter_map(|f| f.split(':').next()).collect();
        let pending: std::collections::BTreeSet<&str> =
            conformance::EXPRESS_PENDING.iter().map(|(id, _)| *id).collect();
        let unexpected: Vec<&String> =
            failures.iter().filter(|f| !pending.contains(f.split(':').next().unwrap_or(""))).collect();
        assert!(unexpected.is_empty(), "{passed}/{ran} passed; failing:\n{unexpected:#?}");
        let now_passing: Vec<&&str> = pending.iter().filter(|id| !failed.contains(**id)).collect();
        assert!(now_passing.is_empty(), "pending cases that pass now (take them off EXPRESS_PENDING): {now_passing:?}");
    });
}
