defmodule ShelfWeb.Router do
  use ShelfWeb, :router

  import ShelfWeb.UserAuth

  pipeline :browser do
    plug :accepts, ["html"]
    plug :fetch_session
    plug :fetch_live_flash
    plug :put_root_layout, html: {ShelfWeb.Layouts, :root}
    plug :protect_from_forgery
    plug :put_secure_browser_headers
    plug :fetch_current_user
  end

  pipeline :api do
    plug :accepts, ["json"]
    plug ShelfWeb.Plugs.ApiToken
  end

  scope "/", ShelfWeb do
    pipe_through :browser

    get "/", PageController, :home
    live "/books", BookLive.Index, :index
    live "/books/:id", BookLive.Show, :show
  end

  scope "/", ShelfWeb do
    pipe_through [:browser, :require_authenticated_user]

    live_session :members, on_mount: [{ShelfWeb.UserAuth, :ensure_authenticated}] do
      live "/loans", LoanLive.Index, :index
      live "/loans/:id", LoanLive.Show, :show
    end
  end

  scope "/admin", ShelfWeb.Admin, as: :admin do
    pipe_through [:browser, :require_authenticated_user, ShelfWeb.Plugs.RequireRole]

    live "/books/new", BookLive.Index, :new
    live "/books/:id/edit", BookLive.Index, :edit
    resources "/authors", AuthorController, except: [:delete]
  end

  scope "/api/v1", ShelfWeb.Api, as: :api do
    pipe_through :api

    resources "/books", BookController, only: [:index, :show, :create, :update]
    post "/books/:book_id/loans", LoanController, :create
    put "/loans/:id/return", LoanController, :return
  end

  if Application.compile_env(:shelf, :dev_routes) do
    import Phoenix.LiveDashboard.Router

    scope "/dev" do
      pipe_through :browser
      live_dashboard "/dashboard", metrics: ShelfWeb.Telemetry
    end
  end
end
