defmodule KitchenWeb.UserSocket do
  use Phoenix.Socket

  channel "table:*", KitchenWeb.TableChannel

  @max_age 86_400

  @impl true
  def connect(%{"token" => token}, socket, _connect_info) do
    case Phoenix.Token.verify(socket, "waiter socket", token, max_age: @max_age) do
      {:ok, waiter_id} -> {:ok, assign(socket, :waiter_id, waiter_id)}
      {:error, _reason} -> :error
    end
  end

  def connect(_params, _socket, _connect_info), do: :error

  @impl true
  def id(socket), do: "waiter_socket:#{socket.assigns.waiter_id}"
end
