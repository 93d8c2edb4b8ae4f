defmodule Greenhouse.Sensors.Scale do
  @moduledoc """
  Water tank scale on a serial port. The scale streams lines like
  `ST,GS,+0012.35kg`; only stable readings (`ST`) are kept.
  """
  use GenServer
  require Logger

  alias Circuits.UART

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def weight, do: GenServer.call(__MODULE__, :weight)

  @impl true
  def init(opts) do
    {:ok, uart} = UART.start_link()
    port = Keyword.get(opts, :port, "ttyUSB0")

    :ok =
      UART.open(uart, port,
        speed: 9600,
        active: true,
        framing: {UART.Framing.Line, separator: "\r\n"}
      )

    {:ok, %{uart: uart, weight: nil}}
  end

  @impl true
  def handle_call(:weight, _from, state), do: {:reply, state.weight, state}

  @impl true
  def handle_info({:circuits_uart, _port, line}, state) when is_binary(line) do
    case parse(line) do
      {:ok, kg} ->
        Greenhouse.Readings.put(:tank, %{kg: kg})
        {:noreply, %{state | weight: kg}}

      :unstable ->
        {:noreply, state}

      {:error, _} ->
        Logger.debug("scale: ignoring #{inspect(line)}")
        {:noreply, state}
    end
  end

  def handle_info({:circuits_uart, _port, {:error, reason}}, state) do
    Logger.warning("scale disconnected: #{inspect(reason)}")
    {:noreply, state}
  end

  @doc false
  def parse("ST,GS," <> rest) do
    case Float.parse(String.trim_trailing(rest, "kg")) do
      {kg, ""} -> {:ok, kg}
      _ -> {:error, :bad_number}
    end
  end

  def parse("US," <> _), do: :unstable
  def parse(_), do: {:error, :unknown}
end
