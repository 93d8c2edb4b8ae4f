defmodule Shelf.CatalogFixtures do
  @moduledoc "Test helpers for creating catalog entities."

  def author_fixture(attrs \\ %{}) do
    {:ok, author} =
      attrs
      |> Enum.into(%{name: "Octavia Butler", born: 1947, country: "us"})
      |> Shelf.Catalog.create_author()

    author
  end

  def book_fixture(attrs \\ %{}) do
    attrs = Map.new(attrs)
    author = Map.get_lazy(attrs, :author, fn -> author_fixture() end)

    {:ok, book} =
      attrs
      |> Map.delete(:author)
      |> Enum.into(%{
        title: "Parable of the Sower",
        isbn: "9781538732182",
        author_id: author.id,
        copies: 3,
        published_on: ~D[1993-10-01]
      })
      |> Shelf.Catalog.create_book()

    Shelf.Repo.preload(book, :author)
  end
end
