#!/usr/bin/env bash
# Installs what the repository needs on a fresh Debian machine with Node 20 + npm (idempotent):
# the pinned pnpm and the workspace's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=12.4.2
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v)" != "$PNPM_VERSION" ]; then
  npm install -g "pnpm@$PNPM_VERSION"
fi
pnpm install --frozen-lockfile
