#!/usr/bin/env bash
# Sets everything up and runs the main job (LeNet-5 on MNIST, apps/mnist) on the default backend.
# Flags go straight to the app (`./run.sh --help`); node is called directly so pnpm never takes them.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
pnpm turbo run build --filter=@cnn/mnist... --output-logs=errors-only
node apps/mnist/dist/cli.js "$@"
