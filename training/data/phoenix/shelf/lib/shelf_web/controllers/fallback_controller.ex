defmodule ShelfWeb.FallbackController do
  @moduledoc """
  Translates `{:error, _}` results from controller actions into responses.
  """
  use ShelfWeb, :controller

  def call(conn, {:error, %Ecto.Changeset{} = changeset}) do
    conn
    |> put_status(:unprocessable_entity)
    |> put_view(json: ShelfWeb.ChangesetJSON)
    |> render(:error, changeset: changeset)
  end

  def call(conn, {:error, :not_found}) do
    conn
    |> put_status(:not_found)
    |> put_view(html: ShelfWeb.ErrorHTML, json: ShelfWeb.ErrorJSON)
    |> render(:"404")
  end

  def call(conn, {:error, :forbidden}) do
    conn
    |> put_status(:forbidden)
    |> put_view(json: ShelfWeb.ErrorJSON)
    |> render(:"403")
  end
end
