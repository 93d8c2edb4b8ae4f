defmodule WeatherStation.Anemometer do
  @moduledoc """
  Cup anemometer with a reed switch: counts falling edges on a GPIO and
  converts pulses per second into wind speed every ten seconds.
  """
  use GenServer

  alias Circuits.GPIO

  # One pulse per second is 2.4 km/h for the common SparkFun/Argent sensor.
  @kmh_per_hz 2.4
  @window_ms 10_000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def speed_kmh, do: GenServer.call(__MODULE__, :speed)

  @impl true
  def init(opts) do
    {:ok, gpio} = GPIO.open(Keyword.fetch!(opts, :pin), :input, pull_mode: :pullup)
    GPIO.set_interrupts(gpio, :falling)
    :timer.send_interval(@window_ms, :tick)
    {:ok, %{gpio: gpio, pulses: 0, speed: 0.0, gust: 0.0}}
  end

  @impl true
  def handle_call(:speed, _from, s), do: {:reply, %{speed: s.speed, gust: s.gust}, s}

  @impl true
  def handle_info({:circuits_gpio, _pin, _ts, 0}, s), do: {:noreply, %{s | pulses: s.pulses + 1}}
  def handle_info({:circuits_gpio, _pin, _ts, _}, s), do: {:noreply, s}

  def handle_info(:tick, s) do
    speed = Float.round(s.pulses / (@window_ms / 1000) * @kmh_per_hz, 1)
    WeatherStation.Publisher.publish("sensors/wind", %{kmh: speed})
    {:noreply, %{s | pulses: 0, speed: speed, gust: max(s.gust, speed)}}
  end
end
