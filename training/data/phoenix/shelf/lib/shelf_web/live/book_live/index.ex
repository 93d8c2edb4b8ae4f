defmodule ShelfWeb.BookLive.Index do
  use ShelfWeb, :live_view

  alias Shelf.Catalog
  alias Shelf.Catalog.Book

  @impl true
  def mount(_params, _session, socket) do
    if connected?(socket), do: Shelf.Lending.subscribe()

    {:ok,
     socket
     |> assign(:formats, Book.formats())
     |> assign(:filters, %{"q" => "", "format" => ""})
     |> stream(:books, Catalog.list_books())}
  end

  @impl true
  def handle_params(params, _url, socket) do
    {:noreply, apply_action(socket, socket.assigns.live_action, params)}
  end

  defp apply_action(socket, :edit, %{"id" => id}) do
    socket
    |> assign(:page_title, "Edit book")
    |> assign(:book, Catalog.get_book!(id))
  end

  defp apply_action(socket, :new, _params) do
    socket
    |> assign(:page_title, "New book")
    |> assign(:book, %Book{})
  end

  defp apply_action(socket, :index, _params) do
    socket
    |> assign(:page_title, "Books")
    |> assign(:book, nil)
  end

  @impl true
  def handle_event("filter", %{"filters" => filters}, socket) do
    books = Catalog.list_books(filters)

    {:noreply,
     socket
     |> assign(:filters, filters)
     |> stream(:books, books, reset: true)}
  end

  def handle_event("delete", %{"id" => id}, socket) do
    book = Catalog.get_book!(id)
    {:ok, _} = Catalog.delete_book(book)

    {:noreply, stream_delete(socket, :books, book)}
  end

  @impl true
  def handle_info({ShelfWeb.BookLive.FormComponent, {:saved, book}}, socket) do
    {:noreply, stream_insert(socket, :books, book)}
  end

  def handle_info({:checked_out, loan}, socket) do
    book = Catalog.get_book!(loan.book_id)
    {:noreply, stream_insert(socket, :books, book)}
  end

  @impl true
  def render(assigns) do
    ~H"""
    <.header>
      Books
      <:actions>
        <.link :if={@current_user && @current_user.role != :member} patch={~p"/admin/books/new"}>
          <.button>New book</.button>
        </.link>
      </:actions>
    </.header>

    <.form for={%{}} as={:filters} phx-change="filter" id="book-filters">
      <.input type="search" name="filters[q]" value={@filters["q"]} placeholder="Title" phx-debounce="300" />
      <.input
        type="select"
        name="filters[format]"
        value={@filters["format"]}
        options={[{"Any format", ""} | Enum.map(@formats, &{String.capitalize(&1), &1})]}
      />
    </.form>

    <.table id="books" rows={@streams.books} row_click={fn {_id, book} -> JS.navigate(~p"/books/#{book}") end}>
      <:col :let={{_id, book}} label="Title">{book.title}</:col>
      <:col :let={{_id, book}} label="Author">{book.author && book.author.name}</:col>
      <:col :let={{_id, book}} label="Available">{book.copies}</:col>
      <:action :let={{id, book}}>
        <.link phx-click={JS.push("delete", value: %{id: book.id}) |> hide("##{id}")} data-confirm="Delete?">
          Delete
        </.link>
      </:action>
    </.table>

    <.modal :if={@live_action in [:new, :edit]} id="book-modal" show on_cancel={JS.patch(~p"/books")}>
      <.live_component
        module={ShelfWeb.BookLive.FormComponent}
        id={@book.id || :new}
        title={@page_title}
        action={@live_action}
        book={@book}
        patch={~p"/books"}
      />
    </.modal>
    """
  end
end
