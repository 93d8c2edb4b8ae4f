#!/usr/bin/env bash
# The extension in a real VS Code (code-server + headless Chromium); see vscode.e2e.mjs.
# Usage: e2e/run.sh VSIX. Needs `elixir-coder` on PATH (this checkout's server) and Debian's
# chromium. Skips (exit 0, with a message) only when the npm registry cannot be reached to
# install code-server and playwright-core the first time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vsix="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
repo="$(cd "$here/../../.." && pwd)"

server="$(command -v elixir-coder)" || { echo "e2e: elixir-coder is not on PATH" >&2; exit 1; }
chromium="$(command -v chromium || command -v chromium-browser)" || {
  echo "e2e: no chromium on PATH (apt-get install chromium)" >&2; exit 1; }

status=0
cache="$("$here/install.sh")" || status=$?
if [ "$status" = 3 ]; then
  echo "e2e: SKIPPED the real-VS-Code test: the npm registry cannot be reached to install code-server and playwright-core"
  exit 0
elif [ "$status" != 0 ]; then
  exit "$status"
fi

E2E_CACHE="$cache" E2E_VSIX="$vsix" E2E_SERVER="$server" E2E_CHROMIUM="$chromium" \
  E2E_PROJECT="$repo/tests/data/phoenix_app" E2E_OUT="$here/out" E2E_PYTHON="$(command -v python3)" \
  timeout 300 node "$here/vscode.e2e.mjs"
