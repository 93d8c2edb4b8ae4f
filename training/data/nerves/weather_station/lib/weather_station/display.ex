defmodule WeatherStation.Display do
  @moduledoc """
  Small SPI e-paper panel: refreshes at most once a minute because full
  refreshes are slow and wear the panel.
  """
  use GenServer

  alias Circuits.{GPIO, SPI}

  @min_refresh_ms 60_000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def show(lines) when is_list(lines), do: GenServer.cast(__MODULE__, {:show, lines})

  @impl true
  def init(opts) do
    {:ok, spi} = SPI.open(Keyword.fetch!(opts, :bus), speed_hz: 4_000_000)
    {:ok, dc} = GPIO.open(Keyword.fetch!(opts, :dc_pin), :output)
    {:ok, reset} = GPIO.open(Keyword.fetch!(opts, :reset_pin), :output, initial_value: 1)
    hardware_reset(reset)
    {:ok, %{spi: spi, dc: dc, last_refresh: nil, pending: nil}}
  end

  @impl true
  def handle_cast({:show, lines}, state) do
    now = System.monotonic_time(:millisecond)

    if state.last_refresh && now - state.last_refresh < @min_refresh_ms do
      Process.send_after(self(), :flush, @min_refresh_ms - (now - state.last_refresh))
      {:noreply, %{state | pending: lines}}
    else
      draw(state, lines)
      {:noreply, %{state | last_refresh: now, pending: nil}}
    end
  end

  @impl true
  def handle_info(:flush, %{pending: nil} = state), do: {:noreply, state}
  def handle_info(:flush, state), do: handle_cast({:show, state.pending}, %{state | last_refresh: nil})

  defp hardware_reset(pin) do
    GPIO.write(pin, 0)
    Process.sleep(10)
    GPIO.write(pin, 1)
    Process.sleep(10)
  end

  defp draw(state, lines) do
    command(state, 0x24)
    data(state, WeatherStation.Font.render(lines, width: 250, height: 122))
    command(state, 0x22)
    data(state, <<0xF7>>)
    command(state, 0x20)
  end

  defp command(%{spi: spi, dc: dc}, byte) do
    GPIO.write(dc, 0)
    {:ok, _} = SPI.transfer(spi, <<byte>>)
  end

  defp data(%{spi: spi, dc: dc}, bytes) do
    GPIO.write(dc, 1)

    for <<chunk::binary-size(4096) <- bytes>> do
      {:ok, _} = SPI.transfer(spi, chunk)
    end
  end
end
