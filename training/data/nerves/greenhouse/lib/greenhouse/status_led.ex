defmodule Greenhouse.StatusLed do
  @moduledoc "Blink patterns on the board LED through the Linux LED class (sysfs)."
  use GenServer

  @patterns %{
    steady: {:on, nil},
    slow_blink: {:timer, {1000, 1000}},
    fast_blink: {:timer, {150, 150}},
    setup: {:timer, {80, 920}},
    off: {:off, nil}
  }

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def pattern(name) when is_map_key(@patterns, name), do: GenServer.cast(__MODULE__, {:pattern, name})

  @impl true
  def init(_opts) do
    led = Application.get_env(:greenhouse, :status_led, "led0")
    {:ok, %{dir: Path.join("/sys/class/leds", led), current: nil}}
  end

  @impl true
  def handle_cast({:pattern, name}, %{current: name} = state), do: {:noreply, state}

  def handle_cast({:pattern, name}, state) do
    apply_pattern(state.dir, Map.fetch!(@patterns, name))
    {:noreply, %{state | current: name}}
  end

  defp apply_pattern(dir, {:on, _}), do: write(dir, trigger: "none", brightness: "1")
  defp apply_pattern(dir, {:off, _}), do: write(dir, trigger: "none", brightness: "0")

  defp apply_pattern(dir, {:timer, {on_ms, off_ms}}) do
    write(dir, trigger: "timer", delay_on: Integer.to_string(on_ms), delay_off: Integer.to_string(off_ms))
  end

  defp write(dir, pairs) do
    for {file, value} <- pairs do
      _ = File.write(Path.join(dir, Atom.to_string(file)), value)
    end

    :ok
  end
end
