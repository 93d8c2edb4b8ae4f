defmodule Shelf.Catalog do
  @moduledoc """
  The Catalog context: books and their authors.
  """
  import Ecto.Query, warn: false

  alias Shelf.Repo
  alias Shelf.Catalog.{Author, Book}

  @type filters :: %{optional(String.t()) => String.t()}

  @doc """
  Lists books, newest first, filtered by the optional `"q"`, `"format"`
  and `"author_id"` keys.
  """
  @spec list_books(filters()) :: [Book.t()]
  def list_books(filters \\ %{}) do
    Book
    |> filter_by(filters)
    |> order_by([b], desc: b.published_on, asc: b.title)
    |> preload(:author)
    |> Repo.all()
  end

  defp filter_by(query, filters) do
    Enum.reduce(filters, query, fn
      {"q", term}, q when term != "" ->
        pattern = "%" <> String.replace(term, "%", "\\%") <> "%"
        where(q, [b], ilike(b.title, ^pattern))

      {"format", format}, q when format != "" ->
        where(q, [b], b.format == ^format)

      {"author_id", id}, q when id != "" ->
        where(q, [b], b.author_id == ^id)

      _, q ->
        q
    end)
  end

  def get_book!(id), do: Book |> Repo.get!(id) |> Repo.preload(:author)

  def get_book_by_isbn(isbn) do
    Repo.get_by(Book, isbn: String.replace(isbn, "-", ""))
  end

  def create_book(attrs \\ %{}) do
    %Book{}
    |> Book.changeset(attrs)
    |> Repo.insert()
  end

  def update_book(%Book{} = book, attrs) do
    book
    |> Book.changeset(attrs)
    |> Repo.update()
  end

  def delete_book(%Book{} = book), do: Repo.delete(book)

  def change_book(%Book{} = book, attrs \\ %{}), do: Book.changeset(book, attrs)

  @doc "Number of books per format, as a map."
  def count_by_format do
    Book
    |> group_by([b], b.format)
    |> select([b], {b.format, count(b.id)})
    |> Repo.all()
    |> Map.new()
  end

  def list_authors do
    Repo.all(from a in Author, order_by: a.name)
  end

  def get_author!(id), do: Repo.get!(Author, id)

  def create_author(attrs) do
    %Author{}
    |> Author.changeset(attrs)
    |> Repo.insert()
  end

  @doc "Authors with at least `min` books, with the count."
  def prolific_authors(min \\ 3) do
    from(a in Author,
      join: b in assoc(a, :books),
      group_by: a.id,
      having: count(b.id) >= ^min,
      select: {a, count(b.id)},
      order_by: [desc: count(b.id)]
    )
    |> Repo.all()
  end
end
