#!/usr/bin/env bash
# Regenerate the README's screenshots with dbfleet's own off-screen renderer, from the demo
# fleet at a fixed seed and start (the incident is on at that instant), so they are
# reproducible byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
# DBFLEET_BIN: an already built binary (a debug build draws the same bytes, and saves the
# release build's ten minutes on a small machine).
if [ -z "${DBFLEET_BIN:-}" ]; then
  cargo build --release --quiet
fi
bin="${DBFLEET_BIN:-${CARGO_TARGET_DIR:-target}/release/dbfleet}"
common=(--demo --seed 42 --start 2026-11-18T15:37:00Z --tz America/New_York)
for size in 120x40 80x24; do
  for view in fleet replication detail; do
    "$bin" render "${common[@]}" --view "$view" --size "$size" --format svg -o "screenshots/$view-$size.svg"
  done
done
for view in kafka maintenance findings; do
  "$bin" render "${common[@]}" --view "$view" --size 120x40 --format svg -o "screenshots/$view-120x40.svg"
done
"$bin" render "${common[@]}" --view maintenance --size 80x24 --format svg -o screenshots/maintenance-80x24.svg
"$bin" render "${common[@]}" --view kafka --size 80x24 --format svg -o screenshots/kafka-80x24.svg
"$bin" render "${common[@]}" --view detail --select billing-cdc-sink --size 120x40 --format svg -o screenshots/consumer-detail-120x40.svg
"$bin" render "${common[@]}" --view detail --select payments-aurora-sv2-1 --size 120x40 --format svg -o screenshots/serverless-detail-120x40.svg
"$bin" render "${common[@]}" --view detail --select orders-api-mysql --size 120x40 --format svg -o screenshots/custom-limit-detail-120x40.svg
"$bin" render "${common[@]}" --view events --size 120x40 --format svg -o screenshots/events-120x40.svg
"$bin" render "${common[@]}" --view events --size 80x24 --format svg -o screenshots/events-80x24.svg
"$bin" render "${common[@]}" --view detail --select orders-mysql --size 120x40 --format svg -o screenshots/failover-detail-120x40.svg
"$bin" render "${common[@]}" --view evidence --select billing-pg/auto-upgrade-in-peak --size 120x40 --format svg -o screenshots/evidence-120x40.svg
"$bin" render "${common[@]}" --view fleet --size 120x40 --theme high-contrast --format svg -o screenshots/fleet-high-contrast-120x40.svg
"$bin" render "${common[@]}" --view fleet --size 120x40 --theme light --format svg -o screenshots/fleet-light-120x40.svg
"$bin" render "${common[@]}" --view kafka --size 120x40 --theme high-contrast --spacious --redact=names --format svg -o screenshots/kafka-presentation-120x40.svg
echo "screenshots written to screenshots/"
