defmodule Tracker.Power do
  @moduledoc """
  Switches peripherals' power rails through GPIO-controlled load switches
  and puts the GPS back to sleep after five idle minutes.
  """
  use GenServer
  require Logger

  alias Circuits.GPIO

  @rails %{gps: 23, modem: 24}
  @idle_ms 5 * 60 * 1000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def wake(rail) when is_map_key(@rails, rail), do: GenServer.cast(__MODULE__, {:wake, rail})

  def status, do: GenServer.call(__MODULE__, :status)

  @impl true
  def init(_opts) do
    gpios =
      Map.new(@rails, fn {name, pin} ->
        {:ok, gpio} = GPIO.open(pin, :output, initial_value: 0)
        {name, gpio}
      end)

    {:ok, %{gpios: gpios, timers: %{}}}
  end

  @impl true
  def handle_call(:status, _from, state) do
    {:reply, Map.new(state.gpios, fn {name, g} -> {name, GPIO.read(g) == 1} end), state}
  end

  @impl true
  def handle_cast({:wake, rail}, state) do
    GPIO.write(state.gpios[rail], 1)
    if t = state.timers[rail], do: Process.cancel_timer(t)
    timer = Process.send_after(self(), {:sleep, rail}, @idle_ms)
    {:noreply, put_in(state.timers[rail], timer)}
  end

  @impl true
  def handle_info({:sleep, rail}, state) do
    Logger.debug("powering down #{rail}")
    GPIO.write(state.gpios[rail], 0)
    {:noreply, %{state | timers: Map.delete(state.timers, rail)}}
  end
end
