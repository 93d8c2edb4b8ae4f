#!/usr/bin/env bash
# Installs what the real-VS-Code test needs into a cache outside the repository, once:
# code-server (VS Code in a browser; 4.100.3 is the newest release that runs on node 20) and
# playwright-core (drives Debian's chromium; browsers are never downloaded).
# Prints the cache folder on stdout. Exit status 3: the npm registry cannot be reached and
# nothing is cached (the caller skips the test); any other failure is a real one.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.57.0
cache="${ELIXIR_CODER_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/elixir-coder/vscode-e2e}"
stamp="$cache/installed-$CODE_SERVER_VERSION-$PLAYWRIGHT_VERSION"

if [ -f "$stamp" ]; then
  echo "$cache"
  exit 0
fi

if ! timeout 30 npm ping >/dev/null 2>&1; then
  echo "install.sh: the npm registry cannot be reached and $cache holds no install" >&2
  exit 3
fi

for tool in g++ make pkg-config rg; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "install.sh: $tool is missing (apt-get install g++ make pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep)" >&2
    exit 1
  }
done

mkdir -p "$cache"
rm -rf "$cache/node_modules" "$cache"/installed-*
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# @vscode/ripgrep's postinstall downloads rg from GitHub: hand it Debian's rg under the name and
# in the folder it looks in first (the folder carries the @vscode/ripgrep version).
seed="$scratch/tmp/vscode-ripgrep-cache-1.15.11"
mkdir -p "$seed"
tar -czf "$seed/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg

echo '{"name": "elixir-coder-vscode-e2e", "private": true}' > "$cache/package.json"
(
  cd "$cache"
  # nodedir: node-gyp builds native modules against the installed node headers (no download);
  # unsafe_perm: code-server's postinstall refuses to run as root otherwise; yes: node-pty's
  # postinstall runs `npx node-gyp`, which would wait at a prompt.
  TMPDIR="$scratch/tmp" npm_config_nodedir=/usr npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --no-audit --no-fund --loglevel=error \
    "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >&2
)
[ -x "$cache/node_modules/.bin/code-server" ] || { echo "install.sh: code-server did not install" >&2; exit 1; }
touch "$stamp"
echo "$cache"
