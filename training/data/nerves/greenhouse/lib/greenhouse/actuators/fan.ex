defmodule Greenhouse.Actuators.Fan do
  @moduledoc "Ventilation fan on a GPIO with simple hysteresis on air temperature."
  use GenServer

  alias Circuits.GPIO

  @on_above 28.0
  @off_below 25.5

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def state, do: GenServer.call(__MODULE__, :state)

  def force(value) when value in [:on, :off, :auto], do: GenServer.call(__MODULE__, {:force, value})

  @impl true
  def init(opts) do
    {:ok, gpio} = GPIO.open(Keyword.fetch!(opts, :pin), :output, initial_value: 0)
    Greenhouse.Readings.subscribe(:air)
    {:ok, %{gpio: gpio, on?: false, mode: :auto}}
  end

  @impl true
  def handle_call(:state, _from, s), do: {:reply, Map.take(s, [:on?, :mode]), s}

  def handle_call({:force, :auto}, _from, s), do: {:reply, :ok, %{s | mode: :auto}}
  def handle_call({:force, :on}, _from, s), do: {:reply, :ok, set(%{s | mode: :manual}, true)}
  def handle_call({:force, :off}, _from, s), do: {:reply, :ok, set(%{s | mode: :manual}, false)}

  @impl true
  def handle_info({:reading, :air, %{temperature_c: t}}, %{mode: :auto} = s) do
    cond do
      not s.on? and t > @on_above -> {:noreply, set(s, true)}
      s.on? and t < @off_below -> {:noreply, set(s, false)}
      true -> {:noreply, s}
    end
  end

  def handle_info({:reading, _, _}, s), do: {:noreply, s}

  defp set(s, on?) do
    GPIO.write(s.gpio, if(on?, do: 1, else: 0))
    %{s | on?: on?}
  end
end
