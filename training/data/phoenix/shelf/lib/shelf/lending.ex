defmodule Shelf.Lending do
  @moduledoc """
  Borrowing and returning books. Checkout decrements the available copies
  in the same transaction as the loan insert, so two members cannot take
  the last copy at once.
  """
  import Ecto.Query

  alias Ecto.Multi
  alias Shelf.Repo
  alias Shelf.Catalog.Book
  alias Shelf.Lending.Loan

  def checkout(book_id, user_id) do
    Multi.new()
    |> Multi.run(:book, fn repo, _ ->
      case repo.one(from b in Book, where: b.id == ^book_id, lock: "FOR UPDATE") do
        nil -> {:error, :not_found}
        %Book{copies: 0} -> {:error, :unavailable}
        book -> {:ok, book}
      end
    end)
    |> Multi.update(:decrement, fn %{book: book} ->
      Ecto.Changeset.change(book, copies: book.copies - 1)
    end)
    |> Multi.insert(:loan, Loan.checkout_changeset(%Loan{}, %{book_id: book_id, user_id: user_id}))
    |> Repo.transaction()
    |> case do
      {:ok, %{loan: loan}} ->
        Phoenix.PubSub.broadcast(Shelf.PubSub, "loans", {:checked_out, loan})
        {:ok, loan}

      {:error, _step, reason, _changes} ->
        {:error, reason}
    end
  end

  def return(%Loan{} = loan) do
    Multi.new()
    |> Multi.update(:loan, Loan.return_changeset(loan))
    |> Multi.update_all(:increment, from(b in Book, where: b.id == ^loan.book_id), inc: [copies: 1])
    |> Repo.transaction()
    |> case do
      {:ok, %{loan: loan}} -> {:ok, loan}
      {:error, _, changeset, _} -> {:error, changeset}
    end
  end

  def renew(%Loan{} = loan) do
    loan
    |> Loan.renew_changeset()
    |> Repo.update()
  end

  def open_loans_for(user_id) do
    Loan
    |> where([l], l.user_id == ^user_id and is_nil(l.returned_at))
    |> order_by([l], asc: l.due_on)
    |> preload(book: :author)
    |> Repo.all()
  end

  def overdue_loans(today \\ Date.utc_today()) do
    from(l in Loan,
      where: is_nil(l.returned_at) and l.due_on < ^today,
      preload: [:book, :user]
    )
    |> Repo.all()
  end

  def get_loan!(id), do: Loan |> Repo.get!(id) |> Repo.preload([:book, :user])

  def subscribe, do: Phoenix.PubSub.subscribe(Shelf.PubSub, "loans")
end
