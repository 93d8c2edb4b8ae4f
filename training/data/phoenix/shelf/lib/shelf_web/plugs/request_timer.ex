defmodule ShelfWeb.Plugs.RequestTimer do
  @moduledoc """
  Adds an `x-response-time` header and logs slow requests.
  """
  require Logger
  import Plug.Conn

  @slow_ms 500

  def init(opts), do: Keyword.get(opts, :slow_ms, @slow_ms)

  def call(conn, slow_ms) do
    start = System.monotonic_time()

    register_before_send(conn, fn conn ->
      elapsed = System.convert_time_unit(System.monotonic_time() - start, :native, :microsecond)

      if elapsed > slow_ms * 1000 do
        Logger.warning("slow request #{conn.method} #{conn.request_path} took #{div(elapsed, 1000)}ms")
      end

      put_resp_header(conn, "x-response-time", "#{elapsed}us")
    end)
  end
end
