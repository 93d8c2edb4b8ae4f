defmodule Tracker.GPSTest do
  use ExUnit.Case, async: true

  alias Tracker.GPS

  @valid "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A"

  test "parses a valid RMC sentence" do
    assert {:ok, fix} = GPS.parse_rmc(@valid)
    assert_in_delta fix.lat, 48.1173, 0.0001
    assert_in_delta fix.lon, 11.5167, 0.0001
    assert fix.knots == 22.4
    assert fix.at == ~U[1994-03-23 12:35:19Z]
  end

  test "rejects a bad checksum" do
    assert {:error, :checksum} = GPS.parse_rmc(String.replace(@valid, "*6A", "*00"))
  end

  test "a void fix is not a fix" do
    sentence = "$GPRMC,123519,V,,,,,,,230394,,*" <> checksum("GPRMC,123519,V,,,,,,,230394,,")
    assert {:error, :no_fix} = GPS.parse_rmc(sentence)
  end

  defp checksum(body) do
    body
    |> :binary.bin_to_list()
    |> Enum.reduce(0, &Bitwise.bxor/2)
    |> Integer.to_string(16)
    |> String.pad_leading(2, "0")
  end
end
