defmodule ShelfWeb.BookLive.FormComponent do
  use ShelfWeb, :live_component

  alias Shelf.Catalog

  @impl true
  def render(assigns) do
    ~H"""
    <div>
      <.header>{@title}</.header>

      <.simple_form for={@form} id="book-form" phx-target={@myself} phx-change="validate" phx-submit="save">
        <.input field={@form[:title]} type="text" label="Title" />
        <.input field={@form[:isbn]} type="text" label="ISBN-13" />
        <.input field={@form[:author_id]} type="select" label="Author" options={@authors} />
        <.input field={@form[:format]} type="select" label="Format" options={Shelf.Catalog.Book.formats()} />
        <.input field={@form[:copies]} type="number" label="Copies" min="0" />
        <.input field={@form[:published_on]} type="date" label="Published" />
        <:actions>
          <.button phx-disable-with="Saving...">Save book</.button>
        </:actions>
      </.simple_form>
    </div>
    """
  end

  @impl true
  def update(%{book: book} = assigns, socket) do
    authors = Enum.map(Catalog.list_authors(), &{&1.name, &1.id})

    {:ok,
     socket
     |> assign(assigns)
     |> assign(:authors, authors)
     |> assign_new(:form, fn -> to_form(Catalog.change_book(book)) end)}
  end

  @impl true
  def handle_event("validate", %{"book" => params}, socket) do
    changeset = Catalog.change_book(socket.assigns.book, params)
    {:noreply, assign(socket, form: to_form(changeset, action: :validate))}
  end

  def handle_event("save", %{"book" => params}, socket) do
    save_book(socket, socket.assigns.action, params)
  end

  defp save_book(socket, :edit, params) do
    case Catalog.update_book(socket.assigns.book, params) do
      {:ok, book} ->
        notify_parent({:saved, book})

        {:noreply,
         socket
         |> put_flash(:info, "Book updated")
         |> push_patch(to: socket.assigns.patch)}

      {:error, %Ecto.Changeset{} = changeset} ->
        {:noreply, assign(socket, form: to_form(changeset))}
    end
  end

  defp save_book(socket, :new, params) do
    case Catalog.create_book(params) do
      {:ok, book} ->
        notify_parent({:saved, Shelf.Repo.preload(book, :author)})

        {:noreply,
         socket
         |> put_flash(:info, "Book created")
         |> push_patch(to: socket.assigns.patch)}

      {:error, %Ecto.Changeset{} = changeset} ->
        {:noreply, assign(socket, form: to_form(changeset))}
    end
  end

  defp notify_parent(msg), do: send(self(), {__MODULE__, msg})
end
