defmodule Greenhouse.Readings do
  @moduledoc """
  Latest sensor readings in an ETS table, plus a Registry-based pub/sub so
  actuators react to new values without polling.
  """
  use GenServer

  @table __MODULE__

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @spec put(atom(), map()) :: :ok
  def put(kind, reading) do
    :ets.insert(@table, {kind, reading})

    Registry.dispatch(Greenhouse.Registry, {:readings, kind}, fn entries ->
      for {pid, _} <- entries, do: send(pid, {:reading, kind, reading})
    end)
  end

  @spec get(atom()) :: map() | nil
  def get(kind) do
    case :ets.lookup(@table, kind) do
      [{^kind, reading}] -> reading
      [] -> nil
    end
  end

  def subscribe(kind) do
    {:ok, _} = Registry.register(Greenhouse.Registry, {:readings, kind}, [])
    :ok
  end

  def all, do: Map.new(:ets.tab2list(@table))

  @impl true
  def init(_opts) do
    :ets.new(@table, [:named_table, :public, read_concurrency: true])
    {:ok, nil}
  end
end
