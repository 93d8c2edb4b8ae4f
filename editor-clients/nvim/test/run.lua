-- Headless tests of the plugin against the real `elixir-coder serve`:
--   nvim --headless -u NONE -i NONE --cmd "set rtp^=editor-clients/nvim" -c "luafile editor-clients/nvim/test/run.lua"
-- Each test runs in a coroutine resumed from timers, so Neovim's main loop (LSP messages, typed
-- keys) runs between steps. Prints TAP-like lines and "N passed, N failed"; exits 1 on failure.
-- Completion tests fail with a clear message while the server lacks inline completion.

local out = function(s)
  io.stdout:write(s .. "\n")
end

local tmp = vim.fn.tempname()
vim.fn.mkdir(tmp .. "/shop/lib", "p")
vim.env.ELIXIR_CODER_HOME = tmp .. "/home" -- feedback and caches stay in the scratch folder
local root = tmp .. "/shop"
local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end
write(root .. "/mix.exs", "defmodule Shop.MixProject do\n  use Mix.Project\nend\n")
local SAMPLE = root .. "/lib/sample.ex"
write(SAMPLE, table.concat({
  "defmodule Sample do",
  "  @moduledoc false",
  "  def big, do: 1000000",
  "",
  "  def show(x) do",
  "    IO.inspect(x)",
  "  end",
  "end",
  "",
}, "\n"))
local GREETER = root .. "/lib/greeter.ex"
write(GREETER, "defmodule Greeter do\n  @moduledoc false\n  def hello(name) do\n    \"Hello, \" <> name\n  end\n\nend\n")
local GHOST_LINE = 6 -- the empty line inside the module

local notes = {}
local coder = require("elixir_coder")
local ghost = require("elixir_coder.ghost")
coder.setup({
  settings = { analyzer = "builtin" },
  keys = { accept = "<Tab>", dismiss = "<C-]>", accept_word = "<C-g>w", accept_line = "<C-g>l" },
  ghost_text = { auto = false },
  notify = function(msg, level)
    table.insert(notes, { msg = msg, level = level })
  end,
})
vim.cmd("filetype on")
vim.o.showmode = false

-- --- a tiny coroutine test runner ----------------------------------------------------------
local tests, passed, failed = {}, 0, 0
local function test(name, fn)
  table.insert(tests, { name = name, fn = fn })
end

local function sleep(ms)
  local co = coroutine.running()
  vim.defer_fn(function()
    assert(coroutine.resume(co))
  end, ms)
  coroutine.yield()
end

local function wait_until(what, cond, timeout_ms)
  local deadline = vim.loop.now() + (timeout_ms or 20000)
  while true do
    local ok, value = pcall(cond)
    if ok and value then
      return value
    end
    if vim.loop.now() > deadline then
      error("timed out waiting for " .. what, 2)
    end
    sleep(25)
  end
end

local function eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    error(("%s: expected %s, got %s"):format(what or "value", vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

local function feed(keys)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), "m", false)
end

local function normal_mode()
  if vim.api.nvim_get_mode().mode ~= "n" then
    feed("<Esc>")
  end
  wait_until("normal mode", function()
    return vim.api.nvim_get_mode().mode == "n"
  end)
end

-- Appends at the end of line `row` of the current window, starting from normal mode so that the
-- wait below sees the new insert mode, not one an earlier step left open. Otherwise the request is
-- sent while that step's <Esc> is still queued; Neovim 0.11 can handle the server's answer before
-- the queued keys, so the ghost text is shown and then dismissed by that old <Esc>.
local function append_at(row)
  normal_mode()
  vim.api.nvim_win_set_cursor(0, { row, 0 })
  feed("A")
  wait_until("insert mode", function()
    return vim.api.nvim_get_mode().mode == "i"
  end)
end

local function lines(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr or 0, 0, -1, false), "\n")
end

local function wait_command(name)
  return wait_until("workspace/executeCommand " .. name .. " answered", function()
    local c = ghost.last_command
    return c and c.command == name and c.done and c
  end)
end

local function require_inline(client)
  local caps = client.server_capabilities or {}
  assert(caps.inlineCompletionProvider or caps.completionProvider,
    "the server does not advertise textDocument/inlineCompletion (nor textDocument/completion) yet")
end

local function wait_ghost(bufnr)
  local ok, s = pcall(wait_until, "ghost text", function()
    return ghost.current(bufnr)
  end, 15000)
  if not ok then
    error("no ghost text; last response: " .. vim.inspect(ghost.last_response), 2)
  end
  return s
end

local function wait_model(client)
  local start = vim.loop.now()
  local status
  wait_until("elixirCoder/status", function()
    coder.status(function(s)
      status = s
    end)
    sleep(100)
    if type(status) ~= "table" then
      return false
    end
    local waited = vim.loop.now() - start
    return status.modelLoaded or (status.error ~= nil and status.error ~= vim.NIL)
      or (not status.loading and waited > 10000)
  end, 60000)
  assert(status.modelLoaded, "model not loaded: " .. vim.inspect(status.error))
  return status
end

-- --- the tests ------------------------------------------------------------------------------
local sample_buf

test("opening an Elixir file starts and attaches the server", function()
  vim.cmd("edit " .. SAMPLE)
  sample_buf = vim.api.nvim_get_current_buf()
  eq(vim.bo.filetype, "elixir", "filetype")
  local client = wait_until("client attached", function()
    return coder.client(sample_buf)
  end)
  eq(client.name, "elixir-coder", "client name")
  wait_until("initialized", function()
    return client.server_capabilities and client.server_capabilities.codeActionProvider
  end)
end)

test("diagnostics from the real server arrive", function()
  local diags = wait_until("two diagnostics", function()
    local d = vim.diagnostic.get(sample_buf)
    return #d >= 2 and d
  end)
  local codes = {}
  for _, d in ipairs(diags) do
    table.insert(codes, tostring(d.code or (d.user_data and d.user_data.lsp.code)))
  end
  table.sort(codes)
  eq(codes, { "Readability.LargeNumbers", "Warning.IoInspect" }, "diagnostic codes")
  eq(diags[1].source, "credo", "source")
end)

test("a code action picked by title prefix rewrites the buffer", function()
  vim.api.nvim_win_set_cursor(0, { 3, 16 })
  local title
  coder.code_action("Add underscores", function(action, msg)
    title = action and action.title or ("none: " .. tostring(msg))
  end)
  wait_until("code action", function()
    return title
  end)
  assert(title:match("^Add underscores to the number"), "action: " .. title)
  eq(vim.api.nvim_buf_get_lines(sample_buf, 2, 3, false)[1], "  def big, do: 1_000_000", "fixed line")
end)

test(":ElixirCoderExplain runs an Explain: action or says there is none", function()
  vim.api.nvim_win_set_cursor(0, { 6, 5 })
  local before = lines(sample_buf)
  notes = {}
  local result
  coder.code_action("Explain:", function(action, msg)
    result = { action = action, msg = msg }
  end)
  wait_until("explain answered", function()
    return result
  end)
  if result.action then
    assert(result.action.title:match("^Explain:"), result.action.title)
  else
    eq(result.msg, "no 'Explain:' action on this line", "message")
    eq(notes[1].msg, "ElixirCoder: no 'Explain:' action on this line", "notification")
    eq(lines(sample_buf), before, "buffer untouched")
  end
  -- The command itself is defined and runs to an answer.
  notes = {}
  vim.cmd("ElixirCoderExplain")
  if not result.action then
    wait_until(":ElixirCoderExplain notification", function()
      return notes[1]
    end)
  end
end)

test(":ElixirCoderStatus and the statusline show the server's status", function()
  notes = {}
  vim.cmd("ElixirCoderStatus")
  local note = wait_until("status notification", function()
    return notes[1]
  end)
  assert(note.msg:match("^ElixirCoder"), note.msg)
  assert(note.msg:match("\nadapter: "), note.msg)
  assert(coder.statusline():match("^ElixirCoder"), coder.statusline())
end)

local greeter_buf

test("ghost text from the server, accepted with the configured key", function()
  vim.cmd("edit " .. GREETER)
  greeter_buf = vim.api.nvim_get_current_buf()
  local client = wait_until("client attached", function()
    return coder.client(greeter_buf)
  end)
  require_inline(client)
  wait_model(client)
  append_at(GHOST_LINE)
  eq(vim.api.nvim_win_get_cursor(0), { GHOST_LINE, 0 }, "cursor")
  coder.suggest()
  local s = wait_ghost(greeter_buf)
  local marks = vim.api.nvim_buf_get_extmarks(greeter_buf, ghost.ns, 0, -1, { details = true })
  eq(#marks, 1, "one extmark")
  eq(marks[1][4].virt_text[1][1], vim.split(s.shown, "\n", { plain = true })[1], "virtual text")
  feed("<Tab>")
  wait_until("accepted", function()
    return not ghost.visible(greeter_buf)
  end)
  local text = lines(greeter_buf)
  local expected = vim.deepcopy(s.suggestion.text)
  assert(text:find(expected, 1, true), "inserted text:\n" .. text)
  local cmd = wait_command("elixirCoder.completionAccepted")
  eq(cmd.err, nil, "server error for completionAccepted")
  eq(cmd.arguments[1].index, 0, "index")
  assert(type(cmd.arguments[1].requestId) == "string", "requestId")
  feed("<Esc>")
end)

test("accept the next word, then the next line; the accepted length is reported once", function()
  local client = coder.client(greeter_buf)
  require_inline(client)
  vim.api.nvim_buf_set_lines(greeter_buf, 0, -1, false, vim.split(io.open(GREETER):read("*a"), "\n"))
  append_at(GHOST_LINE)
  coder.suggest()
  local shown = wait_ghost(greeter_buf).shown
  local word = shown:match("^%s*[%w_]+[?!]?") or shown:match("^%s*[^%w%s]+") or shown
  assert(#word < #shown, "the model proposed a single word; nothing to accept partly: " .. shown)
  ghost.last_command = nil
  feed("<C-g>w")
  -- The text from the cursor's line on, as long as `text` in lines (the line was empty).
  local function region(text)
    local n = #vim.split(text, "\n", { plain = true })
    return table.concat(vim.api.nvim_buf_get_lines(greeter_buf, GHOST_LINE - 1, GHOST_LINE - 1 + n, false), "\n")
  end
  wait_until("the word inserted", function()
    return region(word) == word
  end)
  sleep(100) -- TextChangedI runs: the rest must stay
  local s = ghost.current(greeter_buf)
  assert(s, "the rest of the suggestion is no longer shown")
  eq(s.shown, shown:sub(#word + 1), "the rest")
  local word_lines = vim.split(word, "\n", { plain = true })
  eq(vim.api.nvim_win_get_cursor(0), { GHOST_LINE + #word_lines - 1, #word_lines[#word_lines] }, "cursor after the word")
  eq(ghost.last_command, nil, "nothing reported yet")
  feed("<C-g>l")
  local line_part = s.shown:match("^[^\n]+") or s.shown:match("^\n[^\n]*") or s.shown
  local inserted = word .. line_part
  wait_until("the line inserted", function()
    return region(inserted) == inserted
  end)
  feed("<C-]>") -- the rest is dismissed: what was taken is reported as a partial acceptance
  local cmd = wait_command("elixirCoder.completionAccepted")
  eq(cmd.err, nil, "server error for completionAccepted")
  eq(cmd.result, true, "the server knew the request")
  eq(cmd.arguments[1].acceptedChars, vim.fn.strchars(inserted), "accepted characters")
  eq(ghost.visible(greeter_buf), false, "ghost text gone")
  feed("<Esc>")
end)

test("a dismissed suggestion sends the rejection command", function()
  local client = coder.client(greeter_buf)
  require_inline(client)
  vim.api.nvim_buf_set_lines(greeter_buf, 0, -1, false, vim.split(io.open(GREETER):read("*a"), "\n"))
  append_at(GHOST_LINE)
  coder.suggest()
  wait_ghost(greeter_buf)
  local before = lines(greeter_buf)
  ghost.last_command = nil
  feed("<C-]>")
  local cmd = wait_command("elixirCoder.completionRejected")
  eq(cmd.err, nil, "server error for completionRejected")
  eq(lines(greeter_buf), before, "buffer untouched")
  eq(#vim.api.nvim_buf_get_extmarks(greeter_buf, ghost.ns, 0, -1, {}), 0, "ghost text gone")
  feed("<Esc>")
end)

test("a missing server executable is one clear message", function()
  local saved = vim.deepcopy(coder.config)
  notes = {}
  coder.setup({ cmd = { "/nonexistent/elixir-coder", "serve" }, autostart = false,
    notify = function(msg, level) table.insert(notes, { msg = msg, level = level }) end })
  local id = coder.start(sample_buf)
  coder.config = saved
  eq(id, nil, "no client")
  eq(#notes, 1, "one notification")
  assert(notes[1].msg:match("`/nonexistent/elixir%-coder` was not found%. Install it with `pip install elixir%-coder`"),
    notes[1].msg)
  eq(notes[1].level, vim.log.levels.ERROR, "level")
end)

-- --- run --------------------------------------------------------------------------------------
local function finish()
  out(("%d passed, %d failed"):format(passed, failed))
  for _, client in ipairs(require("elixir_coder.compat").get_clients(nil, "elixir-coder")) do
    client.stop()
  end
  vim.fn.delete(tmp, "rf")
  vim.cmd(failed == 0 and "qall!" or "cquit! 1")
end

local v = vim.version()
out(("# Neovim %d.%d.%d"):format(v.major, v.minor, v.patch))
local co = coroutine.create(function()
  for i, t in ipairs(tests) do
    local ok, err = xpcall(t.fn, debug.traceback)
    if ok then
      passed = passed + 1
      out(("ok %d - %s"):format(i, t.name))
    else
      failed = failed + 1
      out(("not ok %d - %s\n  %s"):format(i, t.name, tostring(err):gsub("\n", "\n  ")))
    end
    -- Each test leaves normal mode and no ghost text behind, passed or failed.
    local clean, why = pcall(function()
      normal_mode()
      for _, buf in ipairs(vim.api.nvim_list_bufs()) do
        if ghost.visible(buf) then
          ghost.clear(buf)
        end
        eq(#vim.api.nvim_buf_get_extmarks(buf, ghost.ns, 0, -1, {}), 0, "ghost text left in buffer " .. buf)
      end
    end)
    if not clean then
      failed = failed + 1
      out(("not ok %d - %s leaves no ghost text\n  %s"):format(i, t.name, tostring(why)))
    end
  end
  finish()
end)
vim.defer_fn(function()
  local ok, err = coroutine.resume(co)
  if not ok then
    out("runner error: " .. tostring(err))
    vim.cmd("cquit! 2")
  end
end, 0)
