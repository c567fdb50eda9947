#!/usr/bin/env bash
# The whole test suite: unit, view snapshots, app flow, CLI, and the real binary in tmux.
# Benchmarks are separate (cargo bench; clippy still compiles them); they print figures and
# assert nothing.
set -euo pipefail
cd "$(dirname "$0")"
# Snapshots and fixtures are found from here at run time, even when the test binaries were
# built in another checkout sharing CARGO_TARGET_DIR.
export INSTA_WORKSPACE_ROOT="$PWD"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked --tests
