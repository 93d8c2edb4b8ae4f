import Config

config :app, AppWeb.Endpoint,
  url: [host: "localhost"],
  secret_key_base: "only-checked-outside-config-exs"

import_config "#{config_env()}.exs"
