import Config

config :app, AppWeb.Endpoint,
  https: [port: 443, keyfile: "priv/key.pem"],
  secret_key_base: "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4"

config :app, App.Repo,
  username: "app",
  db_password: "hunter2",
  api_secret: "${API_SECRET}"
