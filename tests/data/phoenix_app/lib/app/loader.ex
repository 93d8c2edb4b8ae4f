defmodule App.Loader do
  def load(binary) do
    :erlang.binary_to_term(binary)
  end

  def key(name), do: String.to_atom(name)
end
