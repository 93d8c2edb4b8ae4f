defmodule Greenhouse.Firmware do
  @moduledoc """
  Firmware housekeeping: marks a freshly installed image as valid once the
  sensors have produced readings, and exposes version information.
  """
  use GenServer
  require Logger

  @validate_after_ms 90_000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def info do
    %{
      version: Nerves.Runtime.KV.get_active("nerves_fw_version"),
      platform: Nerves.Runtime.KV.get_active("nerves_fw_platform"),
      partition: Nerves.Runtime.KV.get("nerves_fw_active"),
      validated: Nerves.Runtime.firmware_valid?(),
      serial: Nerves.Runtime.serial_number()
    }
  end

  @impl true
  def init(_opts) do
    if Nerves.Runtime.firmware_valid?() do
      :ignore
    else
      Process.send_after(self(), :validate, @validate_after_ms)
      {:ok, %{}}
    end
  end

  @impl true
  def handle_info(:validate, state) do
    if Greenhouse.Readings.get(:air) && Greenhouse.Readings.get(:soil) do
      Logger.info("sensors healthy, validating firmware #{info().version}")
      Nerves.Runtime.validate_firmware()
      {:stop, :normal, state}
    else
      # Without a good reading the device reboots into the previous image.
      Logger.error("no sensor readings after #{@validate_after_ms} ms, reverting")
      Nerves.Runtime.revert(reboot: true)
      {:noreply, state}
    end
  end
end
