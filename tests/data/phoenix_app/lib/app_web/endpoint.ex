defmodule AppWeb.Endpoint do
  use Phoenix.Endpoint, otp_app: :app

  socket "/socket", AppWeb.UserSocket, websocket: [check_origin: false]
  socket "/live", Phoenix.LiveView.Socket, websocket: [check_origin: true]
end
