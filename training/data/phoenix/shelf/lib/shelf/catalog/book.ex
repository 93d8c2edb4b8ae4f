defmodule Shelf.Catalog.Book do
  @moduledoc """
  A book in the catalog. The ISBN is stored without dashes and checked
  with the ISBN-13 checksum before it reaches the database.
  """
  use Ecto.Schema
  import Ecto.Changeset

  alias Shelf.Catalog.Author

  @formats ~w(hardcover paperback ebook audio)

  schema "books" do
    field :title, :string
    field :isbn, :string
    field :format, :string, default: "paperback"
    field :published_on, :date
    field :copies, :integer, default: 1
    field :summary, :string

    belongs_to :author, Author
    has_many :loans, Shelf.Lending.Loan

    timestamps(type: :utc_datetime)
  end

  @doc false
  def changeset(book, attrs) do
    book
    |> cast(attrs, [:title, :isbn, :format, :published_on, :copies, :summary, :author_id])
    |> validate_required([:title, :isbn, :author_id])
    |> update_change(:isbn, &normalize_isbn/1)
    |> validate_length(:title, min: 1, max: 200)
    |> validate_inclusion(:format, @formats)
    |> validate_number(:copies, greater_than_or_equal_to: 0)
    |> validate_isbn()
    |> unique_constraint(:isbn)
    |> assoc_constraint(:author)
  end

  def formats, do: @formats

  defp normalize_isbn(nil), do: nil
  defp normalize_isbn(isbn), do: String.replace(isbn, ~r/[\s-]/, "")

  defp validate_isbn(changeset) do
    validate_change(changeset, :isbn, fn :isbn, isbn ->
      if valid_isbn13?(isbn), do: [], else: [isbn: "is not a valid ISBN-13"]
    end)
  end

  defp valid_isbn13?(isbn) when byte_size(isbn) == 13 do
    case Integer.parse(isbn) do
      {_, ""} ->
        digits = isbn |> String.graphemes() |> Enum.map(&String.to_integer/1)

        sum =
          digits
          |> Enum.with_index()
          |> Enum.reduce(0, fn {d, i}, acc -> acc + d * if(rem(i, 2) == 0, do: 1, else: 3) end)

        rem(sum, 10) == 0

      _ ->
        false
    end
  end

  defp valid_isbn13?(_), do: false
end
