defmodule Kitchen.Orders do
  @moduledoc """
  Orders from the dining room to the kitchen. Every change is broadcast on
  `"orders"` so the kitchen display and the waiters' tablets stay in sync.
  """
  import Ecto.Query

  alias Kitchen.Repo
  alias Kitchen.Orders.Order

  @topic "orders"

  def subscribe, do: Phoenix.PubSub.subscribe(Kitchen.PubSub, @topic)

  def open_orders do
    Order
    |> where([o], o.status in [:received, :cooking, :ready])
    |> order_by([o], asc: o.inserted_at)
    |> Repo.all()
  end

  def orders_for_table(table) do
    Repo.all(from o in Order, where: o.table_number == ^table, order_by: [desc: o.inserted_at])
  end

  def get_order!(id), do: Repo.get!(Order, id)

  def place_order(attrs) do
    %Order{}
    |> Order.changeset(attrs)
    |> Repo.insert()
    |> broadcast(:order_placed)
  end

  def advance(%Order{} = order, status) do
    order
    |> Order.status_changeset(status)
    |> Repo.update()
    |> broadcast(:order_updated)
  end

  def change_order(%Order{} = order, attrs \\ %{}), do: Order.changeset(order, attrs)

  @doc "Average minutes from order to ready over the last `hours` hours."
  def average_prep_minutes(hours \\ 3) do
    since = DateTime.add(DateTime.utc_now(), -hours * 3600, :second)

    from(o in Order,
      where: not is_nil(o.ready_at) and o.inserted_at > ^since,
      select: avg(fragment("EXTRACT(EPOCH FROM ? - ?)", o.ready_at, o.inserted_at))
    )
    |> Repo.one()
    |> case do
      nil -> nil
      seconds -> seconds |> Decimal.to_float() |> Kernel./(60) |> Float.round(1)
    end
  end

  defp broadcast({:ok, order} = result, event) do
    Phoenix.PubSub.broadcast(Kitchen.PubSub, @topic, {event, order})
    result
  end

  defp broadcast({:error, _} = error, _event), do: error
end
