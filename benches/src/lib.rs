//! Benchmarks of lamina; the targets are `[[bench]]` files beside this crate
//! and the measured figures are in `benches/README.md`.
