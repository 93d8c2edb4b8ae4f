defmodule Shelf.Workers.OverdueReminder do
  @moduledoc """
  Nightly job: e-mails every member with an overdue loan, once per day.
  """
  use Oban.Worker, queue: :mailers, max_attempts: 3, unique: [period: 60 * 60 * 20]

  import Ecto.Query
  alias Shelf.{Lending, Mailer, Repo}
  alias Shelf.Lending.Loan

  @impl Oban.Worker
  def perform(%Oban.Job{args: %{"loan_id" => loan_id}}) do
    case Repo.get(Loan, loan_id) |> Repo.preload([:book, :user]) do
      %Loan{returned_at: nil} = loan ->
        loan
        |> Shelf.Emails.overdue_notice()
        |> Mailer.deliver()
        |> case do
          {:ok, _} -> :ok
          {:error, reason} -> {:error, reason}
        end

      _ ->
        {:cancel, :already_returned}
    end
  end

  def perform(%Oban.Job{args: %{}}) do
    Lending.overdue_loans()
    |> Enum.map(&new(%{"loan_id" => &1.id}))
    |> Oban.insert_all()

    :ok
  end

  def overdue_count do
    Repo.aggregate(from(l in Loan, where: is_nil(l.returned_at) and l.due_on < ^Date.utc_today()), :count)
  end
end
