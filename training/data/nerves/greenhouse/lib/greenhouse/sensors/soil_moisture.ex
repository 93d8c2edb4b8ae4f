defmodule Greenhouse.Sensors.SoilMoisture do
  @moduledoc """
  Reads a capacitive soil probe through an ADS1115 ADC on I2C. Values are
  mapped to 0.0 (dry, in air) .. 1.0 (in water) with a two-point calibration.
  """
  use GenServer
  import Bitwise

  alias Circuits.I2C

  @config_reg 0x01
  @conversion_reg 0x00
  @dry 17_800
  @wet 7_900

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def read, do: GenServer.call(__MODULE__, :read)

  @impl true
  def init(opts) do
    {:ok, i2c} = I2C.open(Keyword.fetch!(opts, :bus))
    state = %{i2c: i2c, address: Keyword.get(opts, :address, 0x48), channel: Keyword.get(opts, :channel, 0)}
    :timer.send_interval(10_000, :sample)
    {:ok, Map.put(state, :last, nil)}
  end

  @impl true
  def handle_call(:read, _from, state), do: {:reply, state.last, state}

  @impl true
  def handle_info(:sample, state) do
    with {:ok, raw} <- sample(state) do
      value = normalize(raw)
      Greenhouse.Readings.put(:soil, %{moisture: value, raw: raw})
      {:noreply, %{state | last: value}}
    else
      _ -> {:noreply, state}
    end
  end

  defp sample(%{i2c: i2c, address: addr, channel: ch}) do
    # Single-shot, single-ended input on `ch`, +/-4.096 V, 128 samples/s.
    mux = 0b100 + ch
    config = 0x8000 ||| mux <<< 12 ||| 0b001 <<< 9 ||| 0x0100 ||| 0b100 <<< 5 ||| 0x0003

    with :ok <- I2C.write(i2c, addr, <<@config_reg, config::16>>),
         :ok <- Process.sleep(9),
         {:ok, <<value::signed-16>>} <- I2C.write_read(i2c, addr, <<@conversion_reg>>, 2) do
      {:ok, value}
    end
  end

  @doc false
  def normalize(raw) do
    ((@dry - raw) / (@dry - @wet))
    |> max(0.0)
    |> min(1.0)
    |> Float.round(3)
  end
end
