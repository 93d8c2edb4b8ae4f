defmodule ShelfWeb.Plugs.ApiToken do
  @moduledoc "Authenticates API requests with a bearer token."
  import Plug.Conn

  alias Shelf.Accounts

  def init(opts), do: opts

  def call(conn, _opts) do
    with ["Bearer " <> token] <- get_req_header(conn, "authorization"),
         {:ok, raw} <- Base.url_decode64(token, padding: false),
         %Accounts.User{} = user <- Accounts.get_user_by_session_token(raw) do
      assign(conn, :current_user, user)
    else
      _ ->
        conn
        |> put_resp_content_type("application/json")
        |> send_resp(401, Jason.encode!(%{errors: %{detail: "invalid token"}}))
        |> halt()
    end
  end
end
