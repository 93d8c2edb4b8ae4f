defmodule App.MixProject do
  use Mix.Project

  def project do
    [app: :app, version: "0.1.0", deps: deps()]
  end

  defp deps do
    [{:phoenix, "~> 1.2.0"}, {:plug, "~> 1.3.0"}, {:ecto, "~> 2.2.0"}, {:coherence, "~> 0.5.0"}]
  end
end
