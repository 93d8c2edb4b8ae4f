defmodule Greenhouse.Sensors.SHT31 do
  @moduledoc """
  Polls an SHT31 temperature and humidity sensor over I2C every few seconds
  and stores the reading in `Greenhouse.Readings`.
  """
  use GenServer
  require Logger

  alias Circuits.I2C

  @measure_high_repeatability <<0x24, 0x00>>
  @poll_ms 5_000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @doc "The latest reading, or `nil` before the first one."
  def read, do: GenServer.call(__MODULE__, :read)

  @impl true
  def init(opts) do
    bus = Keyword.fetch!(opts, :bus)
    address = Keyword.get(opts, :address, 0x44)

    case I2C.open(bus) do
      {:ok, ref} ->
        send(self(), :poll)
        {:ok, %{i2c: ref, address: address, last: nil, failures: 0}}

      {:error, reason} ->
        {:stop, {:i2c_open_failed, reason}}
    end
  end

  @impl true
  def handle_call(:read, _from, state), do: {:reply, state.last, state}

  @impl true
  def handle_info(:poll, state) do
    Process.send_after(self(), :poll, @poll_ms)

    case measure(state) do
      {:ok, reading} ->
        Greenhouse.Readings.put(:air, reading)
        {:noreply, %{state | last: reading, failures: 0}}

      {:error, reason} ->
        Logger.warning("SHT31 read failed: #{inspect(reason)}")
        {:noreply, %{state | failures: state.failures + 1}}
    end
  end

  defp measure(%{i2c: i2c, address: addr}) do
    with :ok <- I2C.write(i2c, addr, @measure_high_repeatability),
         :ok <- Process.sleep(20),
         {:ok, <<t::16, t_crc, h::16, h_crc>>} <- I2C.read(i2c, addr, 6),
         :ok <- check_crc(<<t::16>>, t_crc),
         :ok <- check_crc(<<h::16>>, h_crc) do
      {:ok,
       %{
         temperature_c: Float.round(-45 + 175 * t / 65_535, 2),
         humidity: Float.round(100 * h / 65_535, 1),
         at: System.system_time(:second)
       }}
    end
  end

  defp check_crc(data, expected) do
    if crc8(data) == expected, do: :ok, else: {:error, :crc_mismatch}
  end

  # CRC-8 with polynomial 0x31 and initial value 0xFF, as in the datasheet.
  defp crc8(data) do
    for <<byte <- data>>, reduce: 0xFF do
      crc ->
        Enum.reduce(1..8, Bitwise.bxor(crc, byte), fn _, c ->
          if Bitwise.band(c, 0x80) != 0 do
            Bitwise.band(Bitwise.bxor(Bitwise.bsl(c, 1), 0x31), 0xFF)
          else
            Bitwise.band(Bitwise.bsl(c, 1), 0xFF)
          end
        end)
    end
  end
end
