defmodule ShelfWeb.BookComponents do
  @moduledoc "Small function components for book listings."
  use Phoenix.Component

  alias Shelf.Catalog.Book

  attr :book, Book, required: true
  attr :class, :string, default: nil

  def availability(assigns) do
    ~H"""
    <span class={["rounded px-2 py-0.5 text-xs", badge_class(@book.copies), @class]}>
      {availability_text(@book.copies)}
    </span>
    """
  end

  defp badge_class(0), do: "bg-zinc-200 text-zinc-600"
  defp badge_class(n) when n < 3, do: "bg-amber-100 text-amber-800"
  defp badge_class(_), do: "bg-emerald-100 text-emerald-800"

  defp availability_text(0), do: "On loan"
  defp availability_text(1), do: "1 copy left"
  defp availability_text(n), do: "#{n} copies"

  attr :books, :list, required: true
  slot :empty

  def shelf(assigns) do
    ~H"""
    <ul :if={@books != []} class="divide-y divide-zinc-100">
      <li :for={book <- @books} id={"book-#{book.id}"} class="flex items-center justify-between py-3">
        <div>
          <.link navigate={"/books/#{book.id}"} class="font-medium hover:underline">{book.title}</.link>
          <p :if={book.author} class="text-sm text-zinc-500">{book.author.name}</p>
        </div>
        <.availability book={book} />
      </li>
    </ul>
    <div :if={@books == []} class="py-8 text-center text-zinc-500">
      {render_slot(@empty) || "Nothing here yet."}
    </div>
    """
  end
end
