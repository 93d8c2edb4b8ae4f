defmodule ShelfWeb.LoanLive.Show do
  use ShelfWeb, :live_view

  alias Shelf.Lending
  alias Shelf.Lending.Loan

  @impl true
  def mount(%{"id" => id}, _session, socket) do
    loan = Lending.get_loan!(id)

    if loan.user_id != socket.assigns.current_user.id do
      {:ok,
       socket
       |> put_flash(:error, "That loan belongs to someone else")
       |> redirect(to: ~p"/loans")}
    else
      {:ok, assign(socket, loan: loan, page_title: loan.book.title)}
    end
  end

  @impl true
  def handle_event("renew", _params, socket) do
    case Lending.renew(socket.assigns.loan) do
      {:ok, loan} ->
        {:noreply,
         socket
         |> assign(:loan, %{loan | book: socket.assigns.loan.book})
         |> put_flash(:info, "Renewed until #{Calendar.strftime(loan.due_on, "%d %b %Y")}")}

      {:error, changeset} ->
        {:noreply, put_flash(socket, :error, error_text(changeset))}
    end
  end

  def handle_event("return", _params, socket) do
    {:ok, _loan} = Lending.return(socket.assigns.loan)

    {:noreply,
     socket
     |> put_flash(:info, "Thanks for returning #{socket.assigns.loan.book.title}")
     |> push_navigate(to: ~p"/loans")}
  end

  defp error_text(%Ecto.Changeset{errors: [{field, {msg, _}} | _]}), do: "#{field} #{msg}"

  @impl true
  def render(assigns) do
    ~H"""
    <.header>
      {@loan.book.title}
      <:subtitle>Borrowed {Calendar.strftime(@loan.borrowed_at, "%d %b %Y")}</:subtitle>
    </.header>

    <.list>
      <:item title="Due">{@loan.due_on}</:item>
      <:item title="Renewals">{@loan.renewals} of 2</:item>
      <:item :if={Loan.overdue?(@loan)} title="Status">
        <span class="text-red-600 font-semibold">Overdue</span>
      </:item>
    </.list>

    <div class="mt-6 flex gap-4">
      <.button phx-click="renew" disabled={@loan.renewals >= 2}>Renew</.button>
      <.button phx-click="return" data-confirm="Return this book?">Return</.button>
    </div>
    """
  end
end
