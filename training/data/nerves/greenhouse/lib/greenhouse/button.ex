defmodule Greenhouse.Button do
  @moduledoc """
  Front-panel button: a short press waters for ten seconds, a press held
  for five seconds starts the Wi-Fi setup access point.
  """
  use GenServer
  require Logger

  alias Circuits.GPIO

  @debounce_ms 40
  @long_press_ms 5_000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @impl true
  def init(opts) do
    pin = Keyword.fetch!(opts, :pin)
    {:ok, gpio} = GPIO.open(pin, :input, pull_mode: :pullup)
    :ok = GPIO.set_interrupts(gpio, :both)
    {:ok, %{gpio: gpio, pressed_at: nil, last_edge: 0}}
  end

  @impl true
  def handle_info({:circuits_gpio, _pin, ts, value}, state) do
    # Timestamps are in nanoseconds; ignore edges inside the bounce window.
    if ts - state.last_edge < @debounce_ms * 1_000_000 do
      {:noreply, state}
    else
      {:noreply, edge(value, ts, %{state | last_edge: ts})}
    end
  end

  # Active low: 0 = pressed.
  defp edge(0, ts, state), do: %{state | pressed_at: ts}

  defp edge(1, _ts, %{pressed_at: nil} = state), do: state

  defp edge(1, ts, state) do
    held_ms = div(ts - state.pressed_at, 1_000_000)

    if held_ms >= @long_press_ms do
      Logger.info("button held #{held_ms} ms: starting Wi-Fi setup")
      Greenhouse.Network.start_setup_ap()
    else
      Greenhouse.Actuators.Pump.run(10_000)
    end

    %{state | pressed_at: nil}
  end
end
