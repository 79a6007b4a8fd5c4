#!/usr/bin/env bash
# Sets everything up and runs the main job (the demo app) on the default backend.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
pnpm start -- "$@"
