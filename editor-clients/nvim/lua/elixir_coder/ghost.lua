-- Ghost text: ask the server for an inline completion at the cursor and show it as extmark
-- virtual text; accept it (the text goes in, the item's acceptance command goes back to the
-- server) or dismiss it (the rejection command goes back).
local compat = require("elixir_coder.compat")

local M = {}

M.ns = vim.api.nvim_create_namespace("elixir_coder_ghost")

local ACCEPTED = "elixirCoder.completionAccepted"
local REJECTED = "elixirCoder.completionRejected"

-- Per buffer: { item, row, col, shown, client_id, mark } while a suggestion is visible;
-- pending request ids so a newer keystroke cancels an older request.
local state = {}
local pending = {}

--- The last completion response (method, error, result), for tests and troubleshooting.
M.last_response = nil

--- The last workspace/executeCommand the plugin sent and the server's answer (for tests and :messages).
M.last_command = nil

local function lines_of(text)
  return vim.split(text, "\n", { plain = true })
end

local function text_of(value)
  if type(value) == "table" then
    return value.value or ""
  end
  return value or ""
end

-- Snippet placeholders out, so the ghost shows what accepting inserts.
local function plain_snippet(text)
  text = text:gsub("%${%d+:([^}]*)}", "%1"):gsub("%$%d+", "")
  return text
end

--- Normalises an inline completion item or a classic completion item to {text, range, command}.
local function to_suggestion(item, from_completion)
  if not from_completion then
    return { text = text_of(item.insertText), range = item.range, command = item.command }
  end
  local text = item.textEdit and item.textEdit.newText or item.insertText or item.label or ""
  if item.insertTextFormat == 2 then
    text = plain_snippet(text)
  end
  local range = item.textEdit and (item.textEdit.range or item.textEdit.replace) or nil
  return { text = text, range = range, command = item.command }
end

local report_partial -- defined below: sends the acceptance of a partly accepted suggestion

function M.clear(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local s = state[bufnr]
  if vim.api.nvim_buf_is_valid(bufnr) then
    vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  end
  state[bufnr] = nil
  if s and s.accepted then
    report_partial(s)
  end
end

--- True when the buffer has not changed since the suggestion was shown or partly accepted: a
--- TextChangedI then reports an older change (or the partial acceptance), and the suggestion stays.
--- Neovim 0.7 fires TextChangedI for a change made outside insert mode when insert mode starts;
--- 0.11 may fire it later, after the suggestion is already shown.
function M.own_change(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local s = state[bufnr]
  return s ~= nil and s.tick ~= nil and s.tick == vim.api.nvim_buf_get_changedtick(bufnr)
end

function M.visible(bufnr)
  return state[bufnr or vim.api.nvim_get_current_buf()] ~= nil
end

function M.current(bufnr)
  return state[bufnr or vim.api.nvim_get_current_buf()]
end

-- Draws `text` as ghost text at (row, col); returns the extmark id.
local function place(bufnr, text, row, col)
  local parts = lines_of(text)
  local opts = { virt_text = { { parts[1], "Comment" } }, hl_mode = "combine" }
  -- Inline virtual text arrived in 0.10; before it, overlay at the cursor (end of line, usually).
  opts.virt_text_pos = compat.has("nvim-0.10") and "inline" or "overlay"
  if #parts > 1 then
    opts.virt_lines = {}
    for i = 2, #parts do
      table.insert(opts.virt_lines, { { parts[i], "Comment" } })
    end
  end
  vim.api.nvim_buf_clear_namespace(bufnr, M.ns, 0, -1)
  return vim.api.nvim_buf_set_extmark(bufnr, M.ns, row, col, opts)
end

local function render(bufnr, client, suggestion, row, col, items, index)
  local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
  local enc = compat.offset_encoding(client)
  local text = suggestion.text
  -- The item may replace part of the line before the cursor: show only what is new.
  if suggestion.range and suggestion.range.start.line == row then
    local start_byte = compat.byte_index(line, suggestion.range.start.character, enc)
    local typed = line:sub(start_byte + 1, col)
    if start_byte < col and text:sub(1, #typed) == typed then
      text = text:sub(#typed + 1)
    end
  end
  if text == "" then
    return
  end
  M.clear(bufnr)
  local mark = place(bufnr, text, row, col)
  state[bufnr] = {
    suggestion = suggestion, row = row, col = col, shown = text, client_id = client.id, mark = mark,
    items = items or { suggestion }, index = index or 1, tick = vim.api.nvim_buf_get_changedtick(bufnr),
  }
end

--- Asks the server for a suggestion at the cursor of the current window.
--- @param opts table|nil { invoked = bool } (explicit request rather than typing)
function M.request(client, opts)
  opts = opts or {}
  local bufnr = vim.api.nvim_get_current_buf()
  local cursor = vim.api.nvim_win_get_cursor(0)
  local row, col = cursor[1] - 1, cursor[2]
  local line = vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = row, character = compat.char_index(line, col, compat.offset_encoding(client)) },
  }
  local caps = client.server_capabilities or {}
  local method, from_completion
  if caps.inlineCompletionProvider then
    method = "textDocument/inlineCompletion"
    params.context = { triggerKind = opts.invoked and 1 or 2 }
  elseif caps.completionProvider then
    method, from_completion = "textDocument/completion", true
    params.context = { triggerKind = 1 }
  else
    return false, "the server offers neither textDocument/inlineCompletion nor textDocument/completion"
  end
  if pending[bufnr] then
    compat.cancel(client, pending[bufnr])
  end
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  local ok, id
  ok, id = compat.request(client, method, params, function(err, result)
    -- A cancelled request may still be answered: only the newest one may show its suggestion.
    if pending[bufnr] ~= id then
      return
    end
    pending[bufnr] = nil
    M.last_response = { method = method, err = err, result = result }
    if err or not result then
      return
    end
    local items = result.items or result
    if type(items) ~= "table" or not items[1] then
      return
    end
    -- Only show it if the cursor is still where the request was made and the text is unchanged.
    local now = vim.api.nvim_win_get_cursor(0)
    if vim.api.nvim_get_current_buf() ~= bufnr or now[1] - 1 ~= row or now[2] ~= col
      or vim.api.nvim_buf_get_changedtick(bufnr) ~= tick then
      return
    end
    -- Up to three candidates to cycle through; the first is shown.
    local candidates = {}
    for i = 1, math.min(3, #items) do
      candidates[i] = to_suggestion(items[i], from_completion)
      candidates[i].index = i - 1
    end
    render(bufnr, client, candidates[1], row, col, candidates, 1)
  end, bufnr)
  if ok then
    pending[bufnr] = id
  end
  return ok, method
end

function M.execute(client, command, arguments)
  local params = { command = command, arguments = arguments }
  M.last_command = { command = command, arguments = arguments, done = false }
  local record = M.last_command
  compat.request(client, "workspace/executeCommand", params, function(err, result)
    record.done, record.err, record.result = true, err, result
  end)
end

--- Inserts the visible suggestion and sends its acceptance command. Returns false when none is visible.
function M.accept(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local s = state[bufnr]
  if not s then
    return false
  end
  local client = vim.lsp.get_client_by_id(s.client_id)
  s.accepted = nil -- the whole item is accepted: reported below, not as a partial acceptance
  M.clear(bufnr)
  local parts = lines_of(s.shown)
  -- Insert what was shown at the cursor (the rest of the item's range was already typed).
  vim.api.nvim_buf_set_text(bufnr, s.row, s.col, s.row, s.col, parts)
  local end_row = s.row + #parts - 1
  local end_col = (#parts == 1) and (s.col + #parts[1]) or #parts[#parts]
  if vim.api.nvim_get_current_buf() == bufnr then
    pcall(vim.api.nvim_win_set_cursor, 0, { end_row + 1, end_col })
  end
  local command = s.suggestion.command
  if client and command and command.command then
    M.execute(client, command.command, command.arguments)
  end
  return true
end

report_partial = function(s)
  local client = vim.lsp.get_client_by_id(s.client_id)
  local command = s.suggestion.command
  local arg = command and command.command == ACCEPTED and command.arguments and command.arguments[1]
  if client and type(arg) == "table" then
    -- Characters of the item's text accepted: what was typed before it was shown, then the parts taken.
    local before = vim.fn.strchars(s.suggestion.text) - vim.fn.strchars(s.first_shown or s.shown)
    M.execute(client, ACCEPTED, { vim.tbl_extend("force", arg, { acceptedChars = before + s.accepted }) })
  end
end

-- The next word of a suggestion: blanks, then an identifier (with a trailing ? or !) or a run of symbols.
local function next_word(text)
  return text:match("^%s*[%w_]+[?!]?") or text:match("^%s*[^%w%s]+") or text:match("^%s+") or text
end

-- The rest of the current line; when the suggestion starts a new line, that line.
local function next_line(text)
  local rest = text:match("^[^\n]+")
  return rest or text:match("^\n[^\n]*") or text
end

local function accept_part(bufnr, take)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local s = state[bufnr]
  if not s then
    return false
  end
  local part = take(s.shown)
  if part == "" or part == s.shown then
    return M.accept(bufnr)
  end
  local parts = lines_of(part)
  vim.api.nvim_buf_set_text(bufnr, s.row, s.col, s.row, s.col, parts)
  local end_row = s.row + #parts - 1
  local end_col = (#parts == 1) and (s.col + #parts[1]) or #parts[#parts]
  if vim.api.nvim_get_current_buf() == bufnr then
    pcall(vim.api.nvim_win_set_cursor, 0, { end_row + 1, end_col })
  end
  s.first_shown = s.first_shown or s.shown
  s.accepted = (s.accepted or 0) + vim.fn.strchars(part)
  s.shown = s.shown:sub(#part + 1)
  s.row, s.col = end_row, end_col
  s.mark = place(bufnr, s.shown, end_row, end_col)
  s.tick = vim.api.nvim_buf_get_changedtick(bufnr)
  return true
end

--- Inserts the next word of the visible suggestion and keeps the rest shown. The acceptance (with
--- the characters taken) is reported once, when the rest is accepted, dismissed or typed over.
function M.accept_word(bufnr)
  return accept_part(bufnr, next_word)
end

--- Inserts the next line of the visible suggestion and keeps the rest shown (see `accept_word`).
function M.accept_line(bufnr)
  return accept_part(bufnr, next_line)
end

--- Shows the next (step 1) or previous (step -1) of up to three candidates. False with only one.
function M.cycle(bufnr, step)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local s = state[bufnr]
  if not s or s.accepted or #s.items < 2 then
    return false
  end
  local client = vim.lsp.get_client_by_id(s.client_id)
  if not client then
    return false
  end
  local index = (s.index - 1 + (step or 1)) % #s.items + 1
  render(bufnr, client, s.items[index], s.row, s.col, s.items, index)
  return true
end

--- Hides the visible suggestion and reports the rejection. Returns false when none is visible.
function M.dismiss(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local s = state[bufnr]
  if not s then
    return false
  end
  if s.accepted then -- part of it was taken: that is an acceptance, reported by clear
    M.clear(bufnr)
    return true
  end
  M.clear(bufnr)
  local client = vim.lsp.get_client_by_id(s.client_id)
  local command = s.suggestion.command
  local arg = command and command.command == ACCEPTED and command.arguments and command.arguments[1]
  if client and type(arg) == "table" and arg.requestId then
    M.execute(client, REJECTED, { { requestId = arg.requestId } })
  end
  return true
end

return M
