defmodule Tracker.Log do
  @moduledoc """
  Appends fixes to a file on the writable application partition (`/data`),
  rotating at 1 MB so the SD card never fills up.
  """
  use GenServer

  @max_bytes 1_000_000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def append(fix), do: GenServer.cast(__MODULE__, {:append, fix})

  @impl true
  def init(opts) do
    dir = Keyword.get(opts, :dir, "/data/tracker")
    File.mkdir_p!(dir)
    path = Path.join(dir, "fixes.csv")
    {:ok, %{path: path, size: file_size(path)}}
  end

  @impl true
  def handle_cast({:append, fix}, state) do
    line = "#{DateTime.to_iso8601(fix.at)},#{fix.lat},#{fix.lon},#{fix.knots}\n"
    state = maybe_rotate(state)
    File.write!(state.path, line, [:append])
    {:noreply, %{state | size: state.size + byte_size(line)}}
  end

  defp maybe_rotate(%{size: size} = state) when size < @max_bytes, do: state

  defp maybe_rotate(state) do
    File.rename!(state.path, state.path <> ".1")
    %{state | size: 0}
  end

  defp file_size(path) do
    case File.stat(path) do
      {:ok, %File.Stat{size: size}} -> size
      {:error, :enoent} -> 0
    end
  end
end
