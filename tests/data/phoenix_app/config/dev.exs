import Config

config :app, App.Repo, password: "dev-files-are-not-read"
