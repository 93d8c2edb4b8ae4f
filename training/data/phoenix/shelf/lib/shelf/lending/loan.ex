defmodule Shelf.Lending.Loan do
  use Ecto.Schema
  import Ecto.Changeset

  @loan_days 21

  schema "loans" do
    field :borrowed_at, :utc_datetime
    field :due_on, :date
    field :returned_at, :utc_datetime
    field :renewals, :integer, default: 0

    belongs_to :book, Shelf.Catalog.Book
    belongs_to :user, Shelf.Accounts.User

    timestamps(type: :utc_datetime)
  end

  def checkout_changeset(loan, attrs, now \\ DateTime.utc_now()) do
    loan
    |> cast(attrs, [:book_id, :user_id])
    |> validate_required([:book_id, :user_id])
    |> put_change(:borrowed_at, DateTime.truncate(now, :second))
    |> put_change(:due_on, Date.add(DateTime.to_date(now), @loan_days))
    |> foreign_key_constraint(:book_id)
    |> unique_constraint([:book_id, :user_id],
      name: :loans_open_book_user_index,
      message: "already borrowed"
    )
  end

  def return_changeset(%__MODULE__{returned_at: nil} = loan, now \\ DateTime.utc_now()) do
    change(loan, returned_at: DateTime.truncate(now, :second))
  end

  def renew_changeset(%__MODULE__{renewals: n} = loan) when n >= 2 do
    loan
    |> change()
    |> add_error(:renewals, "limit reached")
  end

  def renew_changeset(%__MODULE__{} = loan) do
    change(loan, renewals: loan.renewals + 1, due_on: Date.add(loan.due_on, @loan_days))
  end

  def overdue?(%__MODULE__{returned_at: nil, due_on: due}, today \\ Date.utc_today()) do
    Date.compare(today, due) == :gt
  end
end
