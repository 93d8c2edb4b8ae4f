defmodule Greenhouse.Network do
  @moduledoc """
  Watches VintageNet connectivity, drives the status LED pattern and can
  switch wlan0 into an access point for first-time setup.
  """
  use GenServer
  require Logger

  @ifname "wlan0"

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def connected?, do: VintageNet.get(["interface", @ifname, "connection"]) == :internet

  def start_setup_ap, do: GenServer.cast(__MODULE__, :setup_ap)

  @doc "Configure a Wi-Fi network and persist it."
  def configure_wifi(ssid, psk) when byte_size(psk) >= 8 do
    VintageNetWiFi.quick_configure(ssid, psk)
  end

  def configure_wifi(_ssid, _psk), do: {:error, :psk_too_short}

  @impl true
  def init(_opts) do
    VintageNet.subscribe(["interface", @ifname, "connection"])
    VintageNet.subscribe(["interface", "eth0", "connection"])
    {:ok, %{ap?: false}, {:continue, :initial}}
  end

  @impl true
  def handle_continue(:initial, state) do
    Greenhouse.StatusLed.pattern(led_pattern(VintageNet.get(["interface", @ifname, "connection"])))
    {:noreply, state}
  end

  @impl true
  def handle_cast(:setup_ap, state) do
    config = %{
      type: VintageNetWiFi,
      vintage_net_wifi: %{
        networks: [%{mode: :ap, ssid: "greenhouse-setup", key_mgmt: :none}]
      },
      ipv4: %{method: :static, address: "192.168.24.1", netmask: "255.255.255.0"},
      dhcpd: %{start: "192.168.24.10", end: "192.168.24.50"}
    }

    case VintageNet.configure(@ifname, config, persist: false) do
      :ok ->
        Greenhouse.StatusLed.pattern(:setup)
        {:noreply, %{state | ap?: true}}

      {:error, reason} ->
        Logger.error("could not start the access point: #{inspect(reason)}")
        {:noreply, state}
    end
  end

  @impl true
  def handle_info({VintageNet, ["interface", ifname, "connection"], old, new, _meta}, state) do
    Logger.info("#{ifname}: #{old} -> #{new}")
    unless state.ap?, do: Greenhouse.StatusLed.pattern(led_pattern(new))
    {:noreply, state}
  end

  defp led_pattern(:internet), do: :steady
  defp led_pattern(:lan), do: :slow_blink
  defp led_pattern(_), do: :fast_blink
end
