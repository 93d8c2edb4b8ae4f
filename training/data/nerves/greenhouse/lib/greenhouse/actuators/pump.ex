defmodule Greenhouse.Actuators.Pump do
  @moduledoc """
  Drives the irrigation pump relay on a GPIO pin. Every run has a hard
  limit so a stuck sensor cannot flood the bed.
  """
  use GenServer
  require Logger

  alias Circuits.GPIO

  @max_run_ms 30_000
  @cooldown_ms 120_000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @doc "Runs the pump for `ms` milliseconds (capped); refuses during the cool-down."
  @spec run(pos_integer()) :: :ok | {:error, :cooling_down | :running}
  def run(ms), do: GenServer.call(__MODULE__, {:run, ms})

  def stop, do: GenServer.cast(__MODULE__, :stop)

  def running?, do: GenServer.call(__MODULE__, :running?)

  @impl true
  def init(opts) do
    pin = Keyword.fetch!(opts, :pin)
    {:ok, gpio} = GPIO.open(pin, :output, initial_value: 0)
    {:ok, %{gpio: gpio, timer: nil, last_stop: nil}}
  end

  @impl true
  def handle_call({:run, _ms}, _from, %{timer: t} = state) when t != nil do
    {:reply, {:error, :running}, state}
  end

  def handle_call({:run, ms}, _from, state) do
    if cooling_down?(state) do
      {:reply, {:error, :cooling_down}, state}
    else
      ms = min(ms, @max_run_ms)
      :ok = GPIO.write(state.gpio, 1)
      Logger.info("pump on for #{ms} ms")
      timer = Process.send_after(self(), :off, ms)
      {:reply, :ok, %{state | timer: timer}}
    end
  end

  def handle_call(:running?, _from, state), do: {:reply, state.timer != nil, state}

  @impl true
  def handle_cast(:stop, state), do: {:noreply, switch_off(state)}

  @impl true
  def handle_info(:off, state), do: {:noreply, switch_off(state)}

  @impl true
  def terminate(_reason, state) do
    # Never leave the relay closed when the process dies.
    GPIO.write(state.gpio, 0)
  end

  defp switch_off(state) do
    if state.timer, do: Process.cancel_timer(state.timer)
    :ok = GPIO.write(state.gpio, 0)
    %{state | timer: nil, last_stop: System.monotonic_time(:millisecond)}
  end

  defp cooling_down?(%{last_stop: nil}), do: false

  defp cooling_down?(%{last_stop: t}) do
    System.monotonic_time(:millisecond) - t < @cooldown_ms
  end
end
