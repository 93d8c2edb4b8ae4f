-- Differences between Neovim 0.7 (Debian) and current releases, in one place.
local M = {}

M.has = function(feature)
  return vim.fn.has(feature) == 1
end

--- The LSP clients attached to a buffer (all clients when bufnr is nil).
function M.get_clients(bufnr, name)
  local list
  if vim.lsp.get_clients then
    list = vim.lsp.get_clients({ bufnr = bufnr })
  elseif bufnr then
    list = vim.tbl_values(vim.lsp.buf_get_clients(bufnr))
  else
    list = vim.lsp.get_active_clients()
  end
  if not name then
    return list
  end
  return vim.tbl_filter(function(c)
    return c.name == name
  end, list)
end

--- client.request with the calling convention of this version (method call from 0.11 on).
function M.request(client, method, params, handler, bufnr)
  if M.has("nvim-0.11") then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.cancel(client, id)
  if M.has("nvim-0.11") then
    client:cancel_request(id)
  else
    client.cancel_request(id)
  end
end

function M.offset_encoding(client)
  return (client and client.offset_encoding) or "utf-16"
end

--- Byte column -> LSP character index in the client's encoding.
function M.char_index(line, byte_col, encoding)
  byte_col = math.min(byte_col, #line)
  if encoding == "utf-8" then
    return byte_col
  end
  if M.has("nvim-0.11") then
    return vim.str_utfindex(line, encoding, byte_col, false)
  end
  local utf32, utf16 = vim.str_utfindex(line, byte_col)
  return encoding == "utf-32" and utf32 or utf16
end

--- LSP character index -> byte column.
function M.byte_index(line, char, encoding)
  if encoding == "utf-8" then
    return math.min(char, #line)
  end
  local ok, result
  if M.has("nvim-0.11") then
    ok, result = pcall(vim.str_byteindex, line, encoding, char, false)
  else
    ok, result = pcall(vim.str_byteindex, line, char, encoding == "utf-16")
  end
  return ok and result or #line
end

--- The nearest folder at or above `path` that holds one of `markers`.
function M.find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while dir and dir ~= "" do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      break
    end
    dir = parent
  end
  return nil
end

return M
