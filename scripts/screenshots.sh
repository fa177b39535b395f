#!/usr/bin/env bash
# Regenerates screenshots/*.svg from the real UI: the demo mesh runs in-process
# on loopback and the app is driven headless through the same update loop and
# task runner as the TUI, then drawn into a TestBackend and converted to SVG.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release --example screenshots -- screenshots
