defmodule ShelfWeb.Api.LoanController do
  use ShelfWeb, :controller

  alias Shelf.Lending

  action_fallback ShelfWeb.FallbackController

  plug :require_member when action in [:create]

  def create(conn, %{"book_id" => book_id}) do
    user = conn.assigns.current_user

    case Lending.checkout(book_id, user.id) do
      {:ok, loan} ->
        conn
        |> put_status(:created)
        |> json(%{data: %{id: loan.id, due_on: loan.due_on}})

      {:error, :unavailable} ->
        conn
        |> put_status(:conflict)
        |> json(%{errors: %{detail: "no copies available"}})

      {:error, reason} ->
        {:error, reason}
    end
  end

  def return(conn, %{"id" => id}) do
    loan = Lending.get_loan!(id)

    with :ok <- authorize(conn.assigns.current_user, loan),
         {:ok, loan} <- Lending.return(loan) do
      json(conn, %{data: %{id: loan.id, returned_at: loan.returned_at}})
    end
  end

  defp authorize(%{role: role}, _loan) when role in [:librarian, :admin], do: :ok
  defp authorize(%{id: id}, %{user_id: id}), do: :ok
  defp authorize(_, _), do: {:error, :forbidden}

  defp require_member(conn, _opts) do
    if conn.assigns[:current_user] do
      conn
    else
      conn
      |> put_status(:unauthorized)
      |> json(%{errors: %{detail: "sign in first"}})
      |> halt()
    end
  end
end
