defmodule Kitchen.OrdersTest do
  use Kitchen.DataCase, async: true

  alias Kitchen.Orders
  alias Kitchen.Orders.Order

  @items [%{dish: "Soup", quantity: 1, price_cents: 700}, %{dish: "Bread", quantity: 3, price_cents: 250}]

  test "place_order/1 computes the total and broadcasts" do
    Orders.subscribe()
    assert {:ok, %Order{total_cents: 1450} = order} = Orders.place_order(%{table_number: 2, items: @items})
    assert_receive {:order_placed, %Order{id: id}}
    assert id == order.id
  end

  test "place_order/1 needs at least one item" do
    assert {:error, changeset} = Orders.place_order(%{table_number: 2, items: []})
    assert %{items: [_]} = errors_on(changeset)
  end

  test "advance/2 follows the allowed transitions" do
    {:ok, order} = Orders.place_order(%{table_number: 5, items: @items})
    assert {:ok, order} = Orders.advance(order, :cooking)
    assert {:ok, %Order{status: :ready, ready_at: %DateTime{}} = order} = Orders.advance(order, :ready)
    assert {:error, changeset} = Orders.advance(order, :cooking)
    assert "cannot go from %{from} to %{to}" in errors_on(changeset).status
  end

  test "open_orders/0 leaves out served and cancelled orders" do
    {:ok, a} = Orders.place_order(%{table_number: 1, items: @items})
    {:ok, b} = Orders.place_order(%{table_number: 1, items: @items})
    {:ok, _} = Orders.advance(b, :cancelled)
    assert [%Order{id: id}] = Orders.open_orders()
    assert id == a.id
  end
end
