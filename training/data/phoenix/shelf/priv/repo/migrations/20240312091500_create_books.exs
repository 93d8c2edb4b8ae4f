defmodule Shelf.Repo.Migrations.CreateBooks do
  use Ecto.Migration

  def change do
    create table(:authors) do
      add :name, :string, null: false
      add :born, :integer
      add :country, :string, size: 2

      timestamps(type: :utc_datetime)
    end

    create table(:books) do
      add :title, :string, null: false
      add :isbn, :string, size: 13, null: false
      add :format, :string, null: false, default: "paperback"
      add :published_on, :date
      add :copies, :integer, null: false, default: 1
      add :summary, :text
      add :author_id, references(:authors, on_delete: :restrict), null: false

      timestamps(type: :utc_datetime)
    end

    create unique_index(:books, [:isbn])
    create index(:books, [:author_id])
    create constraint(:books, :copies_not_negative, check: "copies >= 0")
  end
end
