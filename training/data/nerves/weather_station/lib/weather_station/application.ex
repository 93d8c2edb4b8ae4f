defmodule WeatherStation.Application do
  @moduledoc false
  use Application

  @target Mix.target()

  @impl true
  def start(_type, _args) do
    opts = [strategy: :rest_for_one, name: WeatherStation.Supervisor]
    Supervisor.start_link(children(@target), opts)
  end

  def children(:host) do
    [{WeatherStation.Publisher, transport: WeatherStation.Publisher.LogTransport}]
  end

  def children(_target) do
    [
      {WeatherStation.BME280, bus: "i2c-1", address: 0x76},
      {WeatherStation.Anemometer, pin: 5},
      {WeatherStation.Display, bus: "spidev0.0", dc_pin: 24, reset_pin: 25},
      {WeatherStation.Publisher, transport: WeatherStation.Publisher.MQTT},
      {Task.Supervisor, name: WeatherStation.TaskSupervisor}
    ]
  end
end
