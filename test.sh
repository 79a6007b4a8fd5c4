#!/usr/bin/env bash
# Sets everything up and runs every check: build, lint, typecheck, all vitest suites (pnpm test via turbo),
# then the conformance CLI on backend-cpu.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
pnpm turbo run build lint typecheck test
pnpm conformance --backend cpu
pnpm bench --quick
