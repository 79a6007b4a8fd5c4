#!/usr/bin/env bash
# Sets everything up and runs every check: build, lint, typecheck, all vitest suites (pnpm test via turbo),
# the conformance CLI on backend-cpu, the benchmark smoke run, the API reference check (no undocumented
# export) and the packaging check (the packed packages installed with npm in a fresh project, the
# examples, strict TypeScript consumers, a browser bundle in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
# Two tasks at a time: the suites are CPU-bound and this machine has 2 cores (more only thrash and time out).
pnpm turbo run build lint typecheck test --concurrency=2
pnpm conformance --backend cpu
# From the package folder: @cnn/backend-gpujs resolves there, so the CLI's registry offers 'gpujs'.
(cd packages/backend-gpujs && sh scripts/xvfb.sh node ../conformance/dist/cli.js --backend gpujs --tolerance webgl)
# Under Xvfb too, so the smoke run covers gpujs (headless-gl) like the conformance run above.
sh packages/backend-gpujs/scripts/xvfb.sh pnpm bench --quick
node tools/packaging/api-docs.mjs --check
node tools/packaging/check-consumer.mjs --no-build
