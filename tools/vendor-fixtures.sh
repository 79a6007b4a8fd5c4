#!/usr/bin/env bash
# Copies the reference fixtures (ONNX node tests, PyTorch values) from the shared folder into
# packages/conformance/fixtures, with their README and LICENSE. Tests read only the vendored copy.
set -euo pipefail
src=${1:-"$(dirname "$0")/../../shared/fixtures"}
dst="$(dirname "$0")/../packages/conformance/fixtures"
rm -rf "$dst"
mkdir -p "$dst"
cp -r "$src/onnx" "$src/torch" "$dst/"
chmod -R u+w "$dst"
echo "vendored $(ls "$dst/onnx" | wc -l) onnx and $(ls "$dst/torch" | wc -l) torch files into $dst"
