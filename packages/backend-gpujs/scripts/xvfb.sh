#!/bin/sh
# Runs a command with the X server headless-gl needs: as it is when DISPLAY is set, else under
# `xvfb-run -a` (a private Xvfb on a free display number, stopped when the command ends).
if [ -n "$DISPLAY" ]; then exec "$@"; fi
if command -v xvfb-run >/dev/null 2>&1; then exec xvfb-run -a "$@"; fi
echo "@cnn/backend-gpujs: headless-gl needs an X server: set DISPLAY, or install xvfb (apt-get install -y xvfb xauth)" >&2
exit 1
