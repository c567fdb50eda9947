#!/usr/bin/env bash
# The whole test suite: unit, view snapshots, app flow, CLI, and the real binary in tmux.
# Benchmarks are separate (cargo bench; clippy still compiles them); they print figures and
# assert nothing.
set -euo pipefail
cd "$(dirname "$0")"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --tests
