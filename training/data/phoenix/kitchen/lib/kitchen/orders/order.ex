defmodule Kitchen.Orders.Order do
  use Ecto.Schema
  import Ecto.Changeset

  @statuses [:received, :cooking, :ready, :served, :cancelled]

  @type t :: %__MODULE__{}

  schema "orders" do
    field :table_number, :integer
    field :status, Ecto.Enum, values: @statuses, default: :received
    field :notes, :string
    field :total_cents, :integer, default: 0
    field :ready_at, :utc_datetime

    embeds_many :items, Item, on_replace: :delete do
      field :dish, :string
      field :quantity, :integer, default: 1
      field :price_cents, :integer
      field :allergies, {:array, :string}, default: []
    end

    timestamps(type: :utc_datetime)
  end

  def changeset(order, attrs) do
    order
    |> cast(attrs, [:table_number, :notes])
    |> cast_embed(:items, with: &item_changeset/2, required: true)
    |> validate_required([:table_number])
    |> validate_number(:table_number, greater_than: 0, less_than: 100)
    |> compute_total()
  end

  defp item_changeset(item, attrs) do
    item
    |> cast(attrs, [:dish, :quantity, :price_cents, :allergies])
    |> validate_required([:dish, :price_cents])
    |> validate_number(:quantity, greater_than: 0)
  end

  defp compute_total(changeset) do
    items = get_field(changeset, :items) || []
    total = Enum.reduce(items, 0, fn item, acc -> acc + item.quantity * item.price_cents end)
    put_change(changeset, :total_cents, total)
  end

  @transitions %{
    received: [:cooking, :cancelled],
    cooking: [:ready, :cancelled],
    ready: [:served],
    served: [],
    cancelled: []
  }

  def status_changeset(%__MODULE__{status: from} = order, to) do
    if to in Map.fetch!(@transitions, from) do
      order
      |> change(status: to)
      |> maybe_stamp_ready(to)
    else
      order
      |> change()
      |> add_error(:status, "cannot go from %{from} to %{to}", from: from, to: to)
    end
  end

  defp maybe_stamp_ready(changeset, :ready), do: put_change(changeset, :ready_at, DateTime.utc_now(:second))
  defp maybe_stamp_ready(changeset, _), do: changeset
end
