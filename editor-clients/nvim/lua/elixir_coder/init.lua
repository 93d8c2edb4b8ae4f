-- ElixirCoder for Neovim: starts `elixir-coder serve` for Elixir buffers (vim.lsp.start where it
-- exists, vim.lsp.start_client + buf_attach_client on 0.7), shows the model's inline completions
-- as ghost text, and adds :ElixirCoderExplain, :ElixirCoderGenerate and :ElixirCoderStatus.
-- Needs no other plugin; nvim-lspconfig users can register it there too (M.lspconfig()).
local compat = require("elixir_coder.compat")
local ghost = require("elixir_coder.ghost")

local M = {}

M.NAME = "elixir-coder"

local defaults = {
  cmd = { "elixir-coder", "serve" },
  filetypes = { "elixir", "eelixir", "heex", "eex" },
  root_markers = { "mix.exs", ".git" },
  -- Server settings (docs/protocol.md): sent as initializationOptions and workspace/configuration.
  settings = {},
  ghost_text = {
    enabled = true,
    auto = true, -- ask after typing pauses in insert mode; false: only on the `suggest` key
    debounce_ms = 150,
    reject_on_insert_leave = true, -- leaving insert mode over a suggestion counts as dismissing it
  },
  keys = {
    accept = "<Tab>",
    accept_word = "<M-Right>", -- the next word of the suggestion; the rest stays shown
    accept_line = "<M-Down>", -- the next line of the suggestion
    next = "<M-]>", -- the next of up to three candidates
    prev = "<M-[>",
    dismiss = "<C-]>",
    suggest = "<M-\\>",
  },
  on_attach = nil,
  notify = function(msg, level)
    vim.notify(msg, level)
  end,
}

M.config = vim.deepcopy(defaults)
M.last_status = nil

local clients_by_root = {} -- 0.7 path: one client per root, reused across buffers
local timers = {}
local warned_missing = false

local function notify(msg, level)
  M.config.notify("ElixirCoder: " .. msg, level or vim.log.levels.INFO)
end

--- The elixir-coder client attached to a buffer (nil when none).
function M.client(bufnr)
  return compat.get_clients(bufnr or vim.api.nvim_get_current_buf(), M.NAME)[1]
end

local function with_client(fn)
  local client = M.client()
  if not client then
    notify("no elixir-coder server is attached to this buffer", vim.log.levels.WARN)
    return nil
  end
  return fn(client)
end

--- Asks for a suggestion now (the `suggest` key).
function M.suggest()
  return with_client(function(client)
    local ok, what = ghost.request(client, { invoked = true })
    if not ok and what then
      notify(what, vim.log.levels.WARN)
    end
    return ok
  end)
end

M.accept = ghost.accept
M.accept_word = ghost.accept_word
M.accept_line = ghost.accept_line
M.cycle = ghost.cycle
M.dismiss = ghost.dismiss
M.visible = ghost.visible

local function feed(key)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(key, true, false, true), "n", false)
end

local function schedule_suggestion(bufnr)
  local cfg = M.config.ghost_text
  local timer = timers[bufnr]
  if timer then
    timer:stop()
  else
    timer = vim.loop.new_timer()
    timers[bufnr] = timer
  end
  timer:start(cfg.debounce_ms, 0, vim.schedule_wrap(function()
    if vim.api.nvim_get_current_buf() ~= bufnr or vim.api.nvim_get_mode().mode:sub(1, 1) ~= "i" then
      return
    end
    local client = M.client(bufnr)
    if client then
      ghost.request(client, { invoked = false })
    end
  end))
end

local function attach_buffer(client, bufnr)
  if vim.b[bufnr].elixir_coder_attached then
    return
  end
  vim.b[bufnr].elixir_coder_attached = true
  local keys, cfg = M.config.keys, M.config.ghost_text
  if keys.accept then
    vim.keymap.set("i", keys.accept, function()
      if not ghost.accept(bufnr) then
        feed(keys.accept)
      end
    end, { buffer = bufnr, desc = "ElixirCoder: accept the suggestion" })
  end
  if keys.dismiss then
    vim.keymap.set("i", keys.dismiss, function()
      if not ghost.dismiss(bufnr) then
        feed(keys.dismiss)
      end
    end, { buffer = bufnr, desc = "ElixirCoder: dismiss the suggestion" })
  end
  for name, fn in pairs({
    accept_word = ghost.accept_word,
    accept_line = ghost.accept_line,
    next = function(b) return ghost.cycle(b, 1) end,
    prev = function(b) return ghost.cycle(b, -1) end,
  }) do
    local key = keys[name]
    if key then
      vim.keymap.set("i", key, function()
        if not fn(bufnr) then
          feed(key)
        end
      end, { buffer = bufnr, desc = "ElixirCoder: " .. name:gsub("_", " ") })
    end
  end
  if keys.suggest then
    vim.keymap.set("i", keys.suggest, M.suggest, { buffer = bufnr, desc = "ElixirCoder: suggest" })
  end
  local group = vim.api.nvim_create_augroup("ElixirCoderBuffer" .. bufnr, { clear = true })
  if cfg.enabled then
    vim.api.nvim_create_autocmd({ "TextChangedI", "TextChangedP" }, {
      group = group, buffer = bufnr,
      callback = function()
        if ghost.own_change(bufnr) then
          return -- a partial acceptance: the rest of the suggestion stays
        end
        ghost.clear(bufnr) -- typing replaces the suggestion (the server records it as ignored)
        if cfg.auto then
          schedule_suggestion(bufnr)
        end
      end,
    })
    vim.api.nvim_create_autocmd("CursorMovedI", {
      group = group, buffer = bufnr,
      callback = function()
        local s = ghost.current(bufnr)
        local cur = vim.api.nvim_win_get_cursor(0)
        if s and (cur[1] - 1 ~= s.row or cur[2] ~= s.col) then
          ghost.clear(bufnr)
        end
      end,
    })
    vim.api.nvim_create_autocmd("InsertLeave", {
      group = group, buffer = bufnr,
      callback = function()
        if cfg.reject_on_insert_leave then
          ghost.dismiss(bufnr)
        else
          ghost.clear(bufnr)
        end
      end,
    })
  end
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

local function capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  caps.textDocument = caps.textDocument or {}
  caps.textDocument.inlineCompletion = caps.textDocument.inlineCompletion or { dynamicRegistration = false }
  return caps
end

--- The client configuration for a buffer, shared by both start paths and by lspconfig users.
function M.client_config(root_dir)
  -- An empty table would go out as a JSON array; the server wants an object.
  local settings = next(M.config.settings or {}) and M.config.settings or vim.empty_dict()
  return {
    name = M.NAME,
    cmd = M.config.cmd,
    root_dir = root_dir,
    init_options = { elixirCoder = settings },
    settings = { elixirCoder = settings },
    capabilities = capabilities(),
    on_attach = function(client, bufnr)
      attach_buffer(client, bufnr)
    end,
  }
end

--- Starts (or reuses) the server for a buffer and attaches it.
function M.start(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  if vim.fn.executable(M.config.cmd[1]) ~= 1 then
    if not warned_missing then
      warned_missing = true
      notify(("`%s` was not found. Install it with `pip install elixir-coder`, or pass "
        .. "setup({ cmd = { '/path/to/elixir-coder', 'serve' } })"):format(M.config.cmd[1]), vim.log.levels.ERROR)
    end
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = compat.find_root(name ~= "" and name or vim.fn.getcwd(), M.config.root_markers) or vim.fn.getcwd()
  local config = M.client_config(root)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  if not id or not vim.lsp.get_client_by_id(id) or vim.lsp.client_is_stopped(id) then
    id = vim.lsp.start_client(config)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

-- The LSP diagnostics on a line, for the code action context. Neovim keeps the server's extra
-- fields (code, data, ...) in user_data.lsp (the whole diagnostic from 0.10 on); range, message
-- and severity are rebuilt from the diagnostic itself where they are missing.
local function lsp_diagnostics(bufnr, row, enc)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr, { lnum = row })) do
    local lsp = vim.deepcopy((d.user_data and d.user_data.lsp) or {})
    if not lsp.range then
      local function pos(lnum, col)
        local text = vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, false)[1] or ""
        return { line = lnum, character = compat.char_index(text, col or 0, enc) }
      end
      lsp.range = { start = pos(d.lnum, d.col), ["end"] = pos(d.end_lnum or d.lnum, d.end_col or d.col) }
    end
    lsp.message = lsp.message or d.message
    lsp.severity = lsp.severity or d.severity
    lsp.source = lsp.source or d.source
    lsp.code = lsp.code or d.code
    table.insert(out, lsp)
  end
  return out
end

--- Runs the server's code action at the cursor whose title starts with `prefix`.
--- @param prefix string e.g. "Explain:" or "Generate implementation"
--- @param done function|nil called with (action or nil, message)
function M.code_action(prefix, done)
  done = done or function() end
  return with_client(function(client)
    local bufnr = vim.api.nvim_get_current_buf()
    local row = vim.api.nvim_win_get_cursor(0)[1] - 1
    local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
    local enc = compat.offset_encoding(client)
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      range = { start = { line = row, character = 0 }, ["end"] = { line = row, character = compat.char_index(line, #line, enc) } },
      context = { diagnostics = lsp_diagnostics(bufnr, row, enc) },
    }
    compat.request(client, "textDocument/codeAction", params, function(err, actions)
      if err then
        notify("textDocument/codeAction failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
        return done(nil, err.message)
      end
      local action
      for _, a in ipairs(actions or {}) do
        if type(a.title) == "string" and a.title:sub(1, #prefix) == prefix then
          action = a
          break
        end
      end
      if not action then
        local msg = ("no '%s' action on this line"):format(prefix)
        notify(msg, vim.log.levels.WARN)
        return done(nil, msg)
      end
      if action.edit then
        vim.lsp.util.apply_workspace_edit(action.edit, enc)
      end
      local command = type(action.command) == "table" and action.command or (type(action.command) == "string" and action)
      if command then
        ghost.execute(client, command.command, command.arguments)
      end
      done(action, action.title)
    end, bufnr)
  end)
end

--- Asks `elixirCoder/status`; `done(status, err)` gets the result.
function M.status(done)
  return with_client(function(client)
    -- "no params": sent as null, which every server framework reads.
    compat.request(client, "elixirCoder/status", vim.NIL, function(err, result)
      if not err then
        M.last_status = result
      end
      if done then
        done(result, err)
      end
    end)
  end)
end

--- One line for a statusline: model version and adapter, loading, or why there is no model.
function M.statusline()
  local s = M.last_status
  if type(s) ~= "table" then
    return ""
  end
  if s.loading then
    return "ElixirCoder: loading model"
  end
  if s.error ~= nil and s.error ~= vim.NIL then
    return "ElixirCoder: no model"
  end
  if not s.modelLoaded then
    return "ElixirCoder: model not loaded"
  end
  local adapter = (type(s.adapter) == "string") and (" · " .. s.adapter) or ""
  local off = s.completionsEnabled == false and " (off)" or ""
  return ("ElixirCoder %s%s%s"):format(type(s.version) == "string" and s.version or "?", adapter, off)
end

local function show_status()
  M.status(function(s, err)
    if err then
      return notify("elixirCoder/status failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
    local function val(v)
      return (v == nil or v == vim.NIL) and "-" or tostring(v)
    end
    local adapters = type(s.adapters) == "table" and table.concat(s.adapters, ", ") or "-"
    notify(table.concat({
      M.statusline(),
      "model: " .. val(s.version) .. (s.modelLoaded and "" or " (not loaded)") .. (s.loading and ", loading" or ""),
      "adapter: " .. val(s.adapter) .. " (available: " .. adapters .. ")",
      "backend: " .. val(s.backend) .. ", queue: " .. val(s.queue),
      "completions: " .. (s.completionsEnabled == false and "off" or "on"),
      "error: " .. val(s.error),
    }, "\n"))
  end)
end

--- Registers the server with nvim-lspconfig (when installed) as `elixir_coder`.
function M.lspconfig()
  local ok, configs = pcall(require, "lspconfig.configs")
  if not ok then
    return false
  end
  if not configs.elixir_coder then
    local util = require("lspconfig.util")
    local cfg = M.client_config(nil)
    cfg.root_dir = util.root_pattern(unpack(M.config.root_markers))
    cfg.filetypes = M.config.filetypes
    configs.elixir_coder = { default_config = cfg }
  end
  return true
end

--- Configures the plugin and starts the server for Elixir buffers.
--- @param opts table|nil overrides of the defaults above
function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  warned_missing = false
  local group = vim.api.nvim_create_augroup("ElixirCoder", { clear = true })
  if M.config.autostart ~= false then
    vim.api.nvim_create_autocmd("FileType", {
      group = group,
      pattern = M.config.filetypes,
      callback = function(args)
        M.start(args.buf)
      end,
    })
  end
  vim.api.nvim_create_user_command("ElixirCoderExplain", function()
    M.code_action("Explain:")
  end, { desc = "Explain the diagnostic on this line" })
  vim.api.nvim_create_user_command("ElixirCoderGenerate", function()
    M.code_action("Generate implementation")
  end, { desc = "Generate the implementation of the function on this line" })
  vim.api.nvim_create_user_command("ElixirCoderStatus", show_status, { desc = "Show the model's status" })
  -- Buffers already open (setup called late) get the server too.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(M.config.filetypes, vim.bo[bufnr].filetype) then
      M.start(bufnr)
    end
  end
end

return M
