#!/usr/bin/env bash
# Installs what the repository needs on a fresh Debian machine with Node 20 + npm (idempotent):
# the pinned pnpm, the workspace's dependencies, Chromium for the browser tests, and what the native
# `gl` module (headless-gl, @cnn/backend-gpujs's WebGL in Node) needs to build from source and run.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=12.4.2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    $SUDO apt-get update
    APT_UPDATED=1
  fi
  $SUDO apt-get install -y "$@"
}

# gl (gpu.js's optional dependency) has no prebuilt binary reachable from here: node-gyp compiles it,
# which needs a compiler, Python, the X11/GL headers, and Xvfb to run it without a display.
GL_PACKAGES="build-essential python3 pkg-config libx11-dev libxext-dev libxi-dev libgl1-mesa-dev libgl1-mesa-dri xvfb xauth"
MISSING=""
for p in $GL_PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || MISSING="$MISSING $p"
done
if [ -n "$MISSING" ]; then
  # shellcheck disable=SC2086
  apt_install $MISSING
fi

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v)" != "$PNPM_VERSION" ]; then
  npm install -g "pnpm@$PNPM_VERSION"
fi
# node-gyp takes the Node headers from Debian's nodejs (/usr/include/node) instead of downloading them
# (pnpm 12 ignores `nodedir` in .npmrc: the environment variable is the way); JOBS=2 halves the build.
if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
export JOBS="${JOBS:-2}"
pnpm install --frozen-lockfile

# A failed gl build is silent (it is an optional dependency): check that it loads and opens a context.
if ! (cd packages/backend-gpujs && sh scripts/xvfb.sh node -e "
  const gpuRequire = require('module').createRequire(require.resolve('gpu.js'));
  const gl = gpuRequire('gl')(1, 1);
  if (!gl || !gl.getExtension('OES_texture_float')) process.exit(1);
"); then
  echo "bootstrap: the native gl module (headless-gl) did not build or cannot open a WebGL context." >&2
  echo "  @cnn/backend-gpujs needs it in Node. Check the gl build output of: npm_config_nodedir=/usr JOBS=2 pnpm install" >&2
  echo "  (apt packages: $GL_PACKAGES; pnpm-workspace.yaml allowBuilds: { gl: true })." >&2
  exit 1
fi

# Fashion-MNIST (60,000 + 10,000 IDX images, MIT, Zalando) for @cnn/datasets' loadFashionMnist and the
# main job's --dataset fashion-mnist; Debian packages it, so CI and users need no download from elsewhere.
if [ ! -d /usr/share/datasets/fashion-mnist ]; then
  apt_install dataset-fashion-mnist
fi

# Debian's Chromium, driven by Playwright in the `test:browser` suites (never `playwright install`).
if ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium
fi
