defmodule Shelf.CatalogTest do
  use Shelf.DataCase, async: true

  alias Shelf.Catalog
  alias Shelf.Catalog.Book

  import Shelf.CatalogFixtures

  describe "books" do
    @invalid_attrs %{title: nil, isbn: nil}

    test "list_books/0 returns all books" do
      book = book_fixture()
      assert [%Book{id: id}] = Catalog.list_books()
      assert id == book.id
    end

    test "list_books/1 filters by title" do
      book_fixture(title: "The Left Hand of Darkness")
      book_fixture(title: "Kindred", isbn: "9780807083697")

      assert [%Book{title: "Kindred"}] = Catalog.list_books(%{"q" => "kind"})
    end

    test "create_book/1 with valid data creates a book" do
      author = author_fixture()
      attrs = %{title: "Dune", isbn: "978-0-441-17271-9", author_id: author.id, copies: 2}

      assert {:ok, %Book{} = book} = Catalog.create_book(attrs)
      assert book.title == "Dune"
      assert book.isbn == "9780441172719"
      assert book.copies == 2
    end

    test "create_book/1 rejects a bad checksum" do
      author = author_fixture()
      attrs = %{title: "Dune", isbn: "9780441172710", author_id: author.id}

      assert {:error, changeset} = Catalog.create_book(attrs)
      assert "is not a valid ISBN-13" in errors_on(changeset).isbn
    end

    test "create_book/1 with invalid data returns error changeset" do
      assert {:error, %Ecto.Changeset{}} = Catalog.create_book(@invalid_attrs)
    end

    test "update_book/2 changes the format" do
      book = book_fixture()
      assert {:ok, %Book{format: "ebook"}} = Catalog.update_book(book, %{format: "ebook"})
    end

    test "update_book/2 refuses unknown formats" do
      book = book_fixture()
      assert {:error, changeset} = Catalog.update_book(book, %{format: "scroll"})
      assert %{format: ["is invalid"]} = errors_on(changeset)
      assert book == Catalog.get_book!(book.id)
    end

    test "delete_book/1 deletes the book" do
      book = book_fixture()
      assert {:ok, %Book{}} = Catalog.delete_book(book)
      assert_raise Ecto.NoResultsError, fn -> Catalog.get_book!(book.id) end
    end

    test "count_by_format/0 groups books" do
      book_fixture(format: "ebook")
      book_fixture(format: "ebook", isbn: "9780807083697")
      assert %{"ebook" => 2} = Catalog.count_by_format()
    end
  end
end
