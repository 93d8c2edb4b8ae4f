defmodule Greenhouse.ControllerTest do
  use ExUnit.Case, async: true

  alias Greenhouse.Controller

  defmodule FakePump do
    def run(ms) do
      send(self(), {:pump_ran, ms})
      :ok
    end
  end

  defmodule BusyPump do
    def run(_ms), do: {:error, :cooling_down}
  end

  defp state(opts \\ []) do
    struct!(
      %Controller{pump: FakePump, target: 0.4, clock: fn -> ~N[2024-05-01 10:00:00] end},
      opts
    )
  end

  test "waters when the soil is drier than the target" do
    new = Controller.maybe_water(state(), %{moisture: 0.2})
    assert_received {:pump_ran, 8_000}
    assert new.last_watered == ~N[2024-05-01 10:00:00]
  end

  test "does nothing when moist enough" do
    assert Controller.maybe_water(state(), %{moisture: 0.55}) == state()
    refute_received {:pump_ran, _}
  end

  test "respects quiet hours" do
    s = state(clock: fn -> ~N[2024-05-01 22:30:00] end)
    Controller.maybe_water(s, %{moisture: 0.1})
    refute_received {:pump_ran, _}
  end

  test "disabled controller never waters" do
    Controller.maybe_water(state(enabled: false), %{moisture: 0.0})
    refute_received {:pump_ran, _}
  end

  test "keeps going when the pump refuses" do
    s = state(pump: BusyPump)
    assert %Controller{last_watered: nil} = Controller.maybe_water(s, %{moisture: 0.1})
  end

  test "missing readings are ignored" do
    assert Controller.maybe_water(state(), nil) == state()
  end
end
