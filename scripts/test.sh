#!/usr/bin/env bash
# `make test`: build, start a throw-away PostGIS, run every test, stop it.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${COVIDMAP_TEST_PG_PORT:-55433}"
# Under /tmp: as root the cluster runs as `postgres`, which must be able to reach its folder
# wherever the checkout lives.
dir="${TMPDIR:-/tmp}/covidmap-test-pg-$$"

# A fresh build gains nothing from incremental compilation, which only fills the disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo build --workspace --all-targets

rm -rf "$dir"
bin=target/debug/covidmap
cleanup() { "$bin" --data-dir "$dir" --pg-port "$port" db stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"$bin" --data-dir "$dir" --pg-port "$port" db start

export COVIDMAP_TEST_DATABASE_URL="postgres://covidmap@127.0.0.1:${port}/postgres"
cargo test --workspace --no-fail-fast
