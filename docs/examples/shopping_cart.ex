defmodule Shop.Cart do
  @moduledoc """
  A shopping cart: line items keyed by SKU, with quantities and unit prices in cents.
  """

  defstruct items: %{}

  @type t :: %__MODULE__{items: %{String.t() => {pos_integer(), non_neg_integer()}}}

  @doc "Adds `quantity` units of `sku` at `price` cents each."
  @spec add(t(), String.t(), pos_integer(), non_neg_integer()) :: t()
  def add(%__MODULE__{items: items} = cart, sku, quantity, price) do
    items = Map.update(items, sku, {quantity, price}, fn {q, p} -> {q + quantity, p} end)
    %{cart | items: items}
  end

  @doc "Total price of the cart in cents."
  @spec total(t()) :: non_neg_integer()
  def total(%__MODULE__{items: items}) do
    items
    |> Map.values()
    |> Enum.map(fn {quantity, price} -> quantity * price end)
    |> Enum.sum()
  end

  @doc "Removes a SKU from the cart."
  @spec remove(t(), String.t()) :: t()
  def remove(%__MODULE__{items: items} = cart, sku) do
    %{cart | items: Map.delete(items, sku)}
  end
end
