defmodule KitchenWeb.BoardLive do
  @moduledoc "The kitchen display: one column per status, updated live."
  use KitchenWeb, :live_view

  alias Kitchen.Orders

  @columns [:received, :cooking, :ready]

  @impl true
  def mount(_params, _session, socket) do
    if connected?(socket) do
      Orders.subscribe()
      :timer.send_interval(30_000, :tick)
    end

    {:ok,
     socket
     |> assign(:columns, @columns)
     |> assign(:now, DateTime.utc_now())
     |> assign(:avg_minutes, Orders.average_prep_minutes())
     |> assign_orders(Orders.open_orders())}
  end

  defp assign_orders(socket, orders) do
    assign(socket, :orders, Enum.group_by(orders, & &1.status))
  end

  @impl true
  def handle_event("advance", %{"id" => id, "to" => to}, socket) do
    order = Orders.get_order!(id)

    case Orders.advance(order, String.to_existing_atom(to)) do
      {:ok, _order} -> {:noreply, socket}
      {:error, changeset} -> {:noreply, put_flash(socket, :error, inspect(changeset.errors[:status]))}
    end
  end

  @impl true
  def handle_info({event, _order}, socket) when event in [:order_placed, :order_updated] do
    {:noreply, assign_orders(socket, Orders.open_orders())}
  end

  def handle_info(:tick, socket) do
    {:noreply, assign(socket, now: DateTime.utc_now(), avg_minutes: Orders.average_prep_minutes())}
  end

  defp age_minutes(order, now), do: div(DateTime.diff(now, order.inserted_at), 60)

  defp next_status(:received), do: :cooking
  defp next_status(:cooking), do: :ready
  defp next_status(:ready), do: :served

  @impl true
  def render(assigns) do
    ~H"""
    <div class="flex items-baseline justify-between">
      <h1 class="text-2xl font-bold">Kitchen</h1>
      <p :if={@avg_minutes} class="text-sm text-zinc-500">Average prep: {@avg_minutes} min</p>
    </div>
    <div class="mt-6 grid grid-cols-3 gap-4">
      <section :for={col <- @columns} id={"col-#{col}"} class="rounded-lg bg-zinc-50 p-3">
        <h2 class="mb-3 font-semibold uppercase tracking-wide">{col}</h2>
        <article
          :for={order <- Map.get(@orders, col, [])}
          id={"order-#{order.id}"}
          class={["mb-3 rounded border bg-white p-3", age_minutes(order, @now) > 20 && "border-red-400"]}
        >
          <header class="flex justify-between">
            <span class="font-bold">Table {order.table_number}</span>
            <span class="text-xs text-zinc-500">{age_minutes(order, @now)} min</span>
          </header>
          <ul class="mt-2 text-sm">
            <li :for={item <- order.items}>
              {item.quantity}x {item.dish}
              <span :if={item.allergies != []} class="text-red-600">({Enum.join(item.allergies, ", ")})</span>
            </li>
          </ul>
          <p :if={order.notes} class="mt-1 text-xs italic">{order.notes}</p>
          <button
            phx-click="advance"
            phx-value-id={order.id}
            phx-value-to={next_status(col)}
            class="mt-2 w-full rounded bg-zinc-900 py-1 text-white"
          >
            Mark {next_status(col)}
          </button>
        </article>
      </section>
    </div>
    """
  end
end
