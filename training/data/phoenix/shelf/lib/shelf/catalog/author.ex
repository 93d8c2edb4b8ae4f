defmodule Shelf.Catalog.Author do
  use Ecto.Schema
  import Ecto.Changeset

  schema "authors" do
    field :name, :string
    field :born, :integer
    field :country, :string
    has_many :books, Shelf.Catalog.Book

    timestamps(type: :utc_datetime)
  end

  def changeset(author, attrs) do
    author
    |> cast(attrs, [:name, :born, :country])
    |> validate_required([:name])
    |> validate_length(:country, is: 2)
    |> validate_number(:born, greater_than: 1000, less_than_or_equal_to: Date.utc_today().year)
    |> update_change(:country, &String.upcase/1)
  end
end
