defmodule Tracker.Accelerometer do
  @moduledoc """
  ADXL345 accelerometer over I2C; raises a motion event when the magnitude
  deviates from 1 g by more than the threshold, to wake the GPS.
  """
  use GenServer

  alias Circuits.I2C

  @address 0x53
  @power_ctl 0x2D
  @data_format 0x31
  @data_x0 0x32
  @lsb_g 0.0039
  @threshold_g 0.25

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @impl true
  def init(opts) do
    {:ok, i2c} = I2C.open(Keyword.get(opts, :bus, "i2c-1"))
    :ok = I2C.write(i2c, @address, <<@data_format, 0x08>>)
    :ok = I2C.write(i2c, @address, <<@power_ctl, 0x08>>)
    :timer.send_interval(200, :sample)
    {:ok, %{i2c: i2c, moving_since: nil}}
  end

  @impl true
  def handle_info(:sample, state) do
    case I2C.write_read(state.i2c, @address, <<@data_x0>>, 6) do
      {:ok, <<x::little-signed-16, y::little-signed-16, z::little-signed-16>>} ->
        g = :math.sqrt(x * x + y * y + z * z) * @lsb_g
        {:noreply, track(state, abs(g - 1.0) > @threshold_g)}

      {:error, _} ->
        {:noreply, state}
    end
  end

  defp track(%{moving_since: nil} = state, true) do
    Tracker.Power.wake(:gps)
    %{state | moving_since: System.monotonic_time(:second)}
  end

  defp track(state, true), do: state
  defp track(state, false), do: %{state | moving_since: nil}
end
