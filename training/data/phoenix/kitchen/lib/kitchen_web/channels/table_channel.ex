defmodule KitchenWeb.TableChannel do
  @moduledoc """
  Waiters' tablets join `"table:<n>"` to place orders and hear when a
  table's food is ready.
  """
  use KitchenWeb, :channel

  alias Kitchen.Orders
  alias KitchenWeb.Presence

  @impl true
  def join("table:" <> number, _payload, socket) do
    case Integer.parse(number) do
      {table, ""} when table > 0 ->
        send(self(), :after_join)
        Orders.subscribe()
        {:ok, assign(socket, :table, table)}

      _ ->
        {:error, %{reason: "unknown table"}}
    end
  end

  @impl true
  def handle_in("place_order", %{"items" => items} = payload, socket) do
    attrs = %{table_number: socket.assigns.table, items: items, notes: payload["notes"]}

    case Orders.place_order(attrs) do
      {:ok, order} ->
        {:reply, {:ok, %{id: order.id, total_cents: order.total_cents}}, socket}

      {:error, changeset} ->
        {:reply, {:error, %{errors: KitchenWeb.ChangesetJSON.error(%{changeset: changeset})}}, socket}
    end
  end

  def handle_in("ping", _payload, socket), do: {:reply, {:ok, %{pong: true}}, socket}

  @impl true
  def handle_info(:after_join, socket) do
    {:ok, _} =
      Presence.track(socket, socket.assigns.waiter_id, %{
        online_at: System.system_time(:second),
        table: socket.assigns.table
      })

    push(socket, "presence_state", Presence.list(socket))
    {:noreply, socket}
  end

  def handle_info({:order_updated, %{status: :ready, table_number: table} = order}, socket)
      when table == socket.assigns.table do
    push(socket, "order_ready", %{id: order.id})
    {:noreply, socket}
  end

  def handle_info({_event, _order}, socket), do: {:noreply, socket}
end
