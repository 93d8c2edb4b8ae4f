defmodule WeatherStation.BME280 do
  @moduledoc """
  Bosch BME280 over I2C: reads the factory calibration once, then samples
  temperature and pressure in forced mode every 30 seconds.
  """
  use GenServer
  require Logger

  alias Circuits.I2C

  @reg_calib 0x88
  @reg_ctrl_meas 0xF4
  @reg_data 0xF7
  @interval 30_000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def latest, do: GenServer.call(__MODULE__, :latest)

  @impl true
  def init(opts) do
    address = Keyword.get(opts, :address, 0x76)

    with {:ok, i2c} <- I2C.open(Keyword.fetch!(opts, :bus)),
         {:ok, calib} <- I2C.write_read(i2c, address, <<@reg_calib>>, 24) do
      send(self(), :sample)
      {:ok, %{i2c: i2c, address: address, calib: parse_calibration(calib), latest: nil}}
    else
      {:error, reason} -> {:stop, reason}
    end
  end

  @impl true
  def handle_call(:latest, _from, state), do: {:reply, state.latest, state}

  @impl true
  def handle_info(:sample, state) do
    Process.send_after(self(), :sample, @interval)

    with :ok <- I2C.write(state.i2c, state.address, <<@reg_ctrl_meas, 0b00100101>>),
         :ok <- Process.sleep(10),
         {:ok, <<p::20, _::4, t::20, _::4>>} <- I2C.write_read(state.i2c, state.address, <<@reg_data>>, 6) do
      {temp, t_fine} = compensate_temperature(t, state.calib)
      reading = %{temperature_c: temp, pressure_hpa: compensate_pressure(p, t_fine, state.calib)}
      WeatherStation.Publisher.publish("sensors/bme280", reading)
      {:noreply, %{state | latest: reading}}
    else
      error ->
        Logger.warning("BME280: #{inspect(error)}")
        {:noreply, state}
    end
  end

  defp parse_calibration(
         <<t1::little-16, t2::little-signed-16, t3::little-signed-16, p1::little-16,
           p2::little-signed-16, p3::little-signed-16, p4::little-signed-16, p5::little-signed-16,
           p6::little-signed-16, p7::little-signed-16, p8::little-signed-16, p9::little-signed-16>>
       ) do
    %{t1: t1, t2: t2, t3: t3, p1: p1, p2: p2, p3: p3, p4: p4, p5: p5, p6: p6, p7: p7, p8: p8, p9: p9}
  end

  @doc false
  def compensate_temperature(raw, %{t1: t1, t2: t2, t3: t3}) do
    var1 = (raw / 16_384.0 - t1 / 1024.0) * t2
    var2 = :math.pow(raw / 131_072.0 - t1 / 8192.0, 2) * t3
    t_fine = var1 + var2
    {Float.round(t_fine / 5120.0, 2), t_fine}
  end

  @doc false
  def compensate_pressure(raw, t_fine, c) do
    var1 = t_fine / 2.0 - 64_000.0
    var2 = var1 * var1 * c.p6 / 32_768.0 + var1 * c.p5 * 2.0
    var2 = var2 / 4.0 + c.p4 * 65_536.0
    var1 = (c.p3 * var1 * var1 / 524_288.0 + c.p2 * var1) / 524_288.0
    var1 = (1.0 + var1 / 32_768.0) * c.p1

    if var1 == 0 do
      nil
    else
      p = (1_048_576.0 - raw - var2 / 4096.0) * 6250.0 / var1
      var1 = c.p9 * p * p / 2_147_483_648.0
      var2 = p * c.p8 / 32_768.0
      Float.round((p + (var1 + var2 + c.p7) / 16.0) / 100.0, 2)
    end
  end
end
