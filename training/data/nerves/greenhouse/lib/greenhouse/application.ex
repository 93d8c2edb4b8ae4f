defmodule Greenhouse.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    children =
      [
        {Registry, keys: :unique, name: Greenhouse.Registry},
        Greenhouse.Readings
      ] ++ target_children(Nerves.Runtime.mix_target())

    Supervisor.start_link(children, strategy: :one_for_one, name: Greenhouse.Supervisor)
  end

  # On the host there is no hardware: only the readings store runs, tests feed it.
  defp target_children(:host), do: []

  defp target_children(_target) do
    bus = Application.fetch_env!(:greenhouse, :i2c_bus)

    [
      {Greenhouse.Sensors.SHT31, bus: bus, address: 0x44},
      {Greenhouse.Sensors.SoilMoisture, bus: bus, address: 0x48, channel: 0},
      {Greenhouse.Actuators.Pump, pin: Application.fetch_env!(:greenhouse, :pump_pin)},
      {Greenhouse.Actuators.Fan, pin: Application.fetch_env!(:greenhouse, :fan_pin)},
      {Greenhouse.Button, pin: Application.fetch_env!(:greenhouse, :button_pin)},
      Greenhouse.StatusLed,
      Greenhouse.Network,
      {Greenhouse.Controller, target_moisture: Application.fetch_env!(:greenhouse, :target_moisture)}
    ]
  end
end
