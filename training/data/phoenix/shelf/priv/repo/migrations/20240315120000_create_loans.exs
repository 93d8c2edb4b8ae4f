defmodule Shelf.Repo.Migrations.CreateLoans do
  use Ecto.Migration

  def change do
    create table(:loans) do
      add :book_id, references(:books, on_delete: :delete_all), null: false
      add :user_id, references(:users, on_delete: :delete_all), null: false
      add :borrowed_at, :utc_datetime, null: false
      add :due_on, :date, null: false
      add :returned_at, :utc_datetime
      add :renewals, :integer, null: false, default: 0

      timestamps(type: :utc_datetime)
    end

    create index(:loans, [:user_id])
    create index(:loans, [:due_on], where: "returned_at IS NULL")

    create unique_index(:loans, [:book_id, :user_id],
             name: :loans_open_book_user_index,
             where: "returned_at IS NULL"
           )
  end
end
