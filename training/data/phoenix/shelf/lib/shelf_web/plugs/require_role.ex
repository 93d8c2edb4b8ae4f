defmodule ShelfWeb.Plugs.RequireRole do
  @moduledoc """
  Lets librarians and admins through; everyone else is sent home with a flash.
  """
  @behaviour Plug

  import Plug.Conn
  import Phoenix.Controller, only: [put_flash: 3, redirect: 2]

  @impl Plug
  def init(opts), do: Keyword.get(opts, :roles, [:librarian, :admin])

  @impl Plug
  def call(conn, roles) do
    case conn.assigns[:current_user] do
      %{role: role} when is_list(roles) ->
        if role in roles, do: conn, else: deny(conn)

      _ ->
        deny(conn)
    end
  end

  defp deny(conn) do
    conn
    |> put_flash(:error, "You are not allowed to do that.")
    |> redirect(to: "/")
    |> halt()
  end
end
