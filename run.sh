#!/usr/bin/env bash
# Sets everything up and runs the main job (apps/mnist: LeNet-5 on MNIST by default; --dataset fashion-mnist,
# --model ...) on the default backend.
# Flags go straight to the app (`./run.sh --help`); node is called directly so pnpm never takes them.
# Asking only for help or the version (-h, --help, help, -V, --version) installs and builds nothing: the
# built CLI answers when it is there, else the help kept in scripts/mnist-help.txt.
set -euo pipefail
cd "$(dirname "$0")"
help_only=$#
for arg in "$@"; do
  case "$arg" in
    -h | --help | help | -V | --version) ;;
    *) help_only=0 ;;
  esac
done
if [ "$help_only" -gt 0 ]; then
  if [ -f apps/mnist/dist/cli.js ] && [ -d node_modules ] && node apps/mnist/dist/cli.js "$@" 2>/dev/null; then
    exit 0
  fi
  case " $* " in
    *" -V "* | *" --version "*) sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' apps/mnist/package.json | head -1 ;;
    *) cat scripts/mnist-help.txt ;;
  esac
  exit 0
fi
bash scripts/bootstrap.sh
pnpm turbo run build --filter=@cnn/mnist... --output-logs=errors-only
# gpujs is WebGL through headless-gl, which needs an X server: xvfb.sh starts one when DISPLAY is unset.
case " $* " in
  *gpujs*) exec sh packages/backend-gpujs/scripts/xvfb.sh node apps/mnist/dist/cli.js "$@" ;;
esac
node apps/mnist/dist/cli.js "$@"
