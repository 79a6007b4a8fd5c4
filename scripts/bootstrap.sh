#!/usr/bin/env bash
# Installs what the repository needs on a fresh Debian machine with Node 20 + npm (idempotent):
# the pinned pnpm, the workspace's dependencies, and Chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=12.4.2
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v)" != "$PNPM_VERSION" ]; then
  npm install -g "pnpm@$PNPM_VERSION"
fi
pnpm install --frozen-lockfile
# Debian's Chromium, driven by Playwright in @cnn/backend-tfjs's `test:browser` (never `playwright install`).
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO apt-get install -y chromium
fi
