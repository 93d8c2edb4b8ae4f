defmodule Tracker.GPS do
  @moduledoc """
  NMEA GPS receiver on a UART. Parses `$GPRMC` sentences into fixes and
  keeps the last valid one.
  """
  use GenServer
  require Logger

  alias Circuits.UART

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def last_fix, do: GenServer.call(__MODULE__, :last_fix)

  @impl true
  def init(opts) do
    {:ok, uart} = UART.start_link()
    device = Keyword.get(opts, :device, "ttyAMA0")
    :ok = UART.open(uart, device, speed: 9600, active: true, framing: {UART.Framing.Line, separator: "\r\n"})
    {:ok, %{uart: uart, fix: nil}}
  end

  @impl true
  def handle_call(:last_fix, _from, state), do: {:reply, state.fix, state}

  @impl true
  def handle_info({:circuits_uart, _dev, "$GPRMC," <> _ = sentence}, state) do
    case parse_rmc(sentence) do
      {:ok, fix} ->
        Tracker.Log.append(fix)
        {:noreply, %{state | fix: fix}}

      {:error, _} ->
        {:noreply, state}
    end
  end

  def handle_info({:circuits_uart, _dev, _other}, state), do: {:noreply, state}

  @doc false
  def parse_rmc(sentence) do
    with [body, checksum] <- String.split(sentence, "*"),
         :ok <- verify(body, checksum),
         ["$GPRMC", time, "A", lat, ns, lon, ew, speed, _course, date | _] <- String.split(body, ",") do
      {:ok,
       %{
         lat: coordinate(lat, 2) |> sign(ns),
         lon: coordinate(lon, 3) |> sign(ew),
         knots: String.to_float(speed),
         at: timestamp(date, time)
       }}
    else
      [_ | _] -> {:error, :no_fix}
      {:error, _} = error -> error
      _ -> {:error, :malformed}
    end
  end

  defp verify("$" <> body, checksum) do
    sum = body |> :binary.bin_to_list() |> Enum.reduce(0, &Bitwise.bxor/2)
    if Integer.to_string(sum, 16) |> String.pad_leading(2, "0") == String.upcase(checksum),
      do: :ok,
      else: {:error, :checksum}
  end

  defp coordinate(value, degree_digits) do
    {deg, min} = String.split_at(value, degree_digits)
    String.to_integer(deg) + String.to_float(min) / 60
  end

  defp sign(v, dir) when dir in ["S", "W"], do: -v
  defp sign(v, _), do: v

  defp timestamp(<<d::binary-2, m::binary-2, y::binary-2>>, <<hh::binary-2, mm::binary-2, ss::binary-2, _::binary>>) do
    {:ok, dt} =
      NaiveDateTime.new(2000 + String.to_integer(y), String.to_integer(m), String.to_integer(d),
        String.to_integer(hh), String.to_integer(mm), String.to_integer(ss))

    DateTime.from_naive!(dt, "Etc/UTC")
  end
end
