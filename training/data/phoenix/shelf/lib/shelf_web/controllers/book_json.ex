defmodule ShelfWeb.Api.BookJSON do
  alias Shelf.Catalog.Book

  @doc "Renders a list of books."
  def index(%{books: books}) do
    %{data: for(book <- books, do: data(book))}
  end

  @doc "Renders a single book."
  def show(%{book: book}) do
    %{data: data(book)}
  end

  defp data(%Book{} = book) do
    %{
      id: book.id,
      title: book.title,
      isbn: book.isbn,
      format: book.format,
      copies: book.copies,
      published_on: book.published_on,
      author: author(book.author)
    }
  end

  defp author(%Shelf.Catalog.Author{} = a), do: %{id: a.id, name: a.name}
  defp author(_), do: nil
end
