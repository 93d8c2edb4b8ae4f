defmodule Tracker.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    children = [
      Tracker.Log,
      Tracker.Power,
      {Tracker.GPS, device: "ttyAMA0"},
      {Tracker.Accelerometer, bus: "i2c-1"},
      Tracker.Modem
    ]

    # GPS and the accelerometer both call Power and Log; start those first and
    # restart everything after a crashed dependency.
    Supervisor.start_link(children, strategy: :rest_for_one, name: Tracker.Supervisor)
  end
end
