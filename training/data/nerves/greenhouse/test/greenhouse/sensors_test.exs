defmodule Greenhouse.SensorsTest do
  use ExUnit.Case, async: true

  alias Greenhouse.Sensors.{Scale, SoilMoisture}

  describe "SoilMoisture.normalize/1" do
    test "dry probe reads zero" do
      assert SoilMoisture.normalize(18_500) == 0.0
    end

    test "wet probe reads one" do
      assert SoilMoisture.normalize(7_000) == 1.0
    end

    test "midpoint is about a half" do
      assert_in_delta SoilMoisture.normalize(12_850), 0.5, 0.01
    end
  end

  describe "Scale.parse/1" do
    test "stable readings" do
      assert Scale.parse("ST,GS,+0012.35kg") == {:ok, 12.35}
    end

    test "unstable readings are skipped" do
      assert Scale.parse("US,GS,+0012.10kg") == :unstable
    end

    test "garbage" do
      assert {:error, _} = Scale.parse("hello")
      assert {:error, :bad_number} = Scale.parse("ST,GS,abc")
    end
  end
end
