defmodule Shelf.Application do
  @moduledoc false
  use Application

  @impl true
  def start(_type, _args) do
    children = [
      ShelfWeb.Telemetry,
      Shelf.Repo,
      {DNSCluster, query: Application.get_env(:shelf, :dns_cluster_query) || :ignore},
      {Phoenix.PubSub, name: Shelf.PubSub},
      {Oban, Application.fetch_env!(:shelf, Oban)},
      ShelfWeb.Endpoint
    ]

    opts = [strategy: :one_for_one, name: Shelf.Supervisor]
    Supervisor.start_link(children, opts)
  end

  @impl true
  def config_change(changed, _new, removed) do
    ShelfWeb.Endpoint.config_change(changed, removed)
    :ok
  end
end
