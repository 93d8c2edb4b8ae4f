defmodule Tracker.Modem do
  @moduledoc """
  Cellular uplink through VintageNetQMI. Uploads the fix log whenever the
  modem reports internet and at most once every fifteen minutes.
  """
  use GenServer
  require Logger

  @ifname "wwan0"
  @min_interval_ms 15 * 60 * 1000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def configure(apn) do
    VintageNet.configure(@ifname, %{
      type: VintageNetQMI,
      vintage_net_qmi: %{service_providers: [%{apn: apn}]}
    })
  end

  @impl true
  def init(opts) do
    VintageNet.subscribe(["interface", @ifname, "connection"])
    {:ok, %{uploader: Keyword.get(opts, :uploader, Tracker.Uploader), last_upload: nil}}
  end

  @impl true
  def handle_info({VintageNet, ["interface", @ifname, "connection"], _old, :internet, _meta}, state) do
    {:noreply, maybe_upload(state)}
  end

  def handle_info({VintageNet, _property, _old, new, _meta}, state) do
    Logger.debug("#{@ifname} is #{inspect(new)}")
    {:noreply, state}
  end

  defp maybe_upload(%{last_upload: last} = state) do
    now = System.monotonic_time(:millisecond)

    if last == nil or now - last >= @min_interval_ms do
      case state.uploader.upload("/data/tracker/fixes.csv") do
        :ok -> %{state | last_upload: now}
        {:error, reason} ->
          Logger.warning("upload failed: #{inspect(reason)}")
          state
      end
    else
      state
    end
  end
end
