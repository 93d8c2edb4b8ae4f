defmodule WeatherStation.PublisherTest do
  use ExUnit.Case

  alias WeatherStation.Publisher

  defmodule Collect do
    def send(msg) do
      Kernel.send(:publisher_test, {:sent, msg})
      :ok
    end
  end

  setup do
    Process.register(self(), :publisher_test)
    pid = start_supervised!({Publisher, transport: Collect})
    {:ok, pid: pid}
  end

  test "buffers while offline and flushes when online", %{pid: pid} do
    :sys.replace_state(pid, &%{&1 | online?: false})
    Publisher.publish("sensors/wind", %{kmh: 3.2})
    Publisher.publish("sensors/wind", %{kmh: 4.0})
    refute_receive {:sent, _}, 50

    send(pid, {VintageNet, ["connection"], :disconnected, :internet, %{}})
    assert_receive {:sent, {"sensors/wind", %{kmh: 3.2}, _}}
    assert_receive {:sent, {"sensors/wind", %{kmh: 4.0}, _}}
    assert :sys.get_state(pid).size == 0
  end

  test "publishes directly when online", %{pid: pid} do
    :sys.replace_state(pid, &%{&1 | online?: true})
    Publisher.publish("sensors/bme280", %{temperature_c: 21.5})
    assert_receive {:sent, {"sensors/bme280", %{temperature_c: 21.5}, _}}
  end
end
