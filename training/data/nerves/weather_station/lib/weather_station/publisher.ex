defmodule WeatherStation.Publisher do
  @moduledoc """
  Buffers readings while the network is down and publishes them once
  VintageNet reports internet connectivity again.
  """
  use GenServer
  require Logger

  @max_buffer 500

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def publish(topic, payload), do: GenServer.cast(__MODULE__, {:publish, topic, payload})

  @impl true
  def init(opts) do
    VintageNet.subscribe(["connection"])
    online? = VintageNet.get(["connection"]) == :internet
    {:ok, %{transport: Keyword.fetch!(opts, :transport), online?: online?, buffer: :queue.new(), size: 0}}
  end

  @impl true
  def handle_cast({:publish, topic, payload}, %{online?: true} = s) do
    send_or_buffer(s, {topic, payload, System.os_time(:second)})
  end

  def handle_cast({:publish, topic, payload}, s) do
    {:noreply, buffer(s, {topic, payload, System.os_time(:second)})}
  end

  @impl true
  def handle_info({VintageNet, ["connection"], _old, :internet, _}, s) do
    Logger.info("online, flushing #{s.size} buffered readings")
    {:noreply, flush(%{s | online?: true})}
  end

  def handle_info({VintageNet, ["connection"], _old, _new, _}, s), do: {:noreply, %{s | online?: false}}

  defp send_or_buffer(s, msg) do
    case s.transport.send(msg) do
      :ok -> {:noreply, s}
      {:error, _} -> {:noreply, buffer(s, msg)}
    end
  end

  # Drop the oldest reading once the buffer is full: recent data matters more.
  defp buffer(%{size: @max_buffer} = s, msg) do
    {_, q} = :queue.out(s.buffer)
    %{s | buffer: :queue.in(msg, q)}
  end

  defp buffer(s, msg), do: %{s | buffer: :queue.in(msg, s.buffer), size: s.size + 1}

  defp flush(s) do
    case :queue.out(s.buffer) do
      {:empty, _} ->
        s

      {{:value, msg}, rest} ->
        case s.transport.send(msg) do
          :ok -> flush(%{s | buffer: rest, size: s.size - 1})
          {:error, _} -> s
        end
    end
  end
end
