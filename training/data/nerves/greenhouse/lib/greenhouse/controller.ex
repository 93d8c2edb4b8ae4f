defmodule Greenhouse.Controller do
  @moduledoc """
  Irrigation control loop. Waters when the soil is drier than the target,
  in short pulses so the water has time to soak in before the next reading.
  """
  use GenServer
  require Logger

  alias Greenhouse.Actuators.Pump
  alias Greenhouse.Readings

  @pulse_ms 8_000
  @check_every_ms 60_000
  @quiet_hours 22..23

  defstruct target: 0.4, enabled: true, pump: Pump, last_watered: nil, clock: &NaiveDateTime.local_now/0

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: Keyword.get(opts, :name, __MODULE__))

  def set_target(server \\ __MODULE__, target) when target > 0 and target < 1 do
    GenServer.call(server, {:set_target, target})
  end

  def enable(server \\ __MODULE__, on?) when is_boolean(on?), do: GenServer.call(server, {:enable, on?})

  def status(server \\ __MODULE__), do: GenServer.call(server, :status)

  @impl true
  def init(opts) do
    state = %__MODULE__{
      target: Keyword.get(opts, :target_moisture, 0.4),
      pump: Keyword.get(opts, :pump, Pump),
      clock: Keyword.get(opts, :clock, &NaiveDateTime.local_now/0)
    }

    Readings.subscribe(:soil)
    schedule()
    {:ok, state}
  end

  @impl true
  def handle_call({:set_target, t}, _from, state), do: {:reply, :ok, %{state | target: t}}
  def handle_call({:enable, on?}, _from, state), do: {:reply, :ok, %{state | enabled: on?}}

  def handle_call(:status, _from, state) do
    {:reply, Map.take(state, [:target, :enabled, :last_watered]), state}
  end

  @impl true
  def handle_info(:check, state) do
    schedule()
    {:noreply, maybe_water(state, Readings.get(:soil))}
  end

  def handle_info({:reading, :soil, reading}, state), do: {:noreply, maybe_water(state, reading)}

  @doc false
  def maybe_water(%__MODULE__{enabled: false} = state, _reading), do: state
  def maybe_water(state, nil), do: state

  def maybe_water(state, %{moisture: m}) do
    now = state.clock.()

    cond do
      now.hour in @quiet_hours ->
        state

      m >= state.target ->
        state

      true ->
        case state.pump.run(@pulse_ms) do
          :ok ->
            Logger.info("soil at #{m}, target #{state.target}: watering")
            %{state | last_watered: now}

          {:error, reason} ->
            Logger.debug("not watering: #{reason}")
            state
        end
    end
  end

  defp schedule, do: Process.send_after(self(), :check, @check_every_ms)
end
