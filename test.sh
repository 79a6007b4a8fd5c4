#!/usr/bin/env bash
# Sets everything up and runs every check: build, lint, typecheck, all vitest suites (pnpm test via turbo),
# then the conformance CLI on backend-cpu and on backend-gpujs (WebGL through headless-gl, under Xvfb).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
pnpm turbo run build lint typecheck test
pnpm conformance --backend cpu
# From the package folder: @cnn/backend-gpujs resolves there, so the CLI's registry offers 'gpujs'.
(cd packages/backend-gpujs && sh scripts/xvfb.sh node ../conformance/dist/cli.js --backend gpujs --tolerance webgl)
pnpm bench --quick
