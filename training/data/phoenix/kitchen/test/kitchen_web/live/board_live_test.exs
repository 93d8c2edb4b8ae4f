defmodule KitchenWeb.BoardLiveTest do
  use KitchenWeb.ConnCase

  import Phoenix.LiveViewTest

  alias Kitchen.Orders

  defp place(table) do
    {:ok, order} =
      Orders.place_order(%{
        table_number: table,
        items: [%{dish: "Ramen", quantity: 2, price_cents: 1250, allergies: ["egg"]}]
      })

    order
  end

  test "shows open orders by status", %{conn: conn} do
    order = place(4)
    {:ok, view, html} = live(conn, ~p"/board")

    assert html =~ "Table 4"
    assert has_element?(view, "#col-received #order-#{order.id}")
    assert render(view) =~ "(egg)"
  end

  test "advancing moves the card to the next column", %{conn: conn} do
    order = place(7)
    {:ok, view, _html} = live(conn, ~p"/board")

    view
    |> element("#order-#{order.id} button")
    |> render_click()

    assert has_element?(view, "#col-cooking #order-#{order.id}")
    refute has_element?(view, "#col-received #order-#{order.id}")
  end

  test "orders placed elsewhere appear live", %{conn: conn} do
    {:ok, view, _html} = live(conn, ~p"/board")
    order = place(12)
    assert render(view) =~ "Table 12"
    assert has_element?(view, "#order-#{order.id}")
  end

  test "an invalid transition shows an error", %{conn: conn} do
    order = place(3)
    {:ok, view, _html} = live(conn, ~p"/board")

    render_click(view, "advance", %{"id" => order.id, "to" => "served"})
    assert render(view) =~ "cannot go from"
    assert Orders.get_order!(order.id).status == :received
  end
end
