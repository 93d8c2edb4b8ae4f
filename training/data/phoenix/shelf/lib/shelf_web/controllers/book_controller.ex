defmodule ShelfWeb.Api.BookController do
  use ShelfWeb, :controller

  alias Shelf.Catalog
  alias Shelf.Catalog.Book

  action_fallback ShelfWeb.FallbackController

  def index(conn, params) do
    books = Catalog.list_books(Map.take(params, ["q", "format", "author_id"]))
    render(conn, :index, books: books)
  end

  def create(conn, %{"book" => book_params}) do
    with {:ok, %Book{} = book} <- Catalog.create_book(book_params) do
      conn
      |> put_status(:created)
      |> put_resp_header("location", ~p"/api/v1/books/#{book}")
      |> render(:show, book: book)
    end
  end

  def show(conn, %{"id" => id}) do
    book = Catalog.get_book!(id)
    render(conn, :show, book: book)
  end

  def update(conn, %{"id" => id, "book" => book_params}) do
    book = Catalog.get_book!(id)

    with {:ok, %Book{} = book} <- Catalog.update_book(book, book_params) do
      render(conn, :show, book: book)
    end
  end
end
