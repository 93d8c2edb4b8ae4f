defmodule AppWeb.PageController do
  use AppWeb, :controller

  def show(conn, %{"name" => name}) do
    render(conn, "show.html", name: name, title: "Page")
  end

  def download(conn, %{"path" => path}) do
    contents = File.read!(path)
    send_resp(conn, 200, contents)
  end

  # sobelow_skip ["Traversal.FileModule"]
  def skipped(conn, %{"path" => path}) do
    File.read!(path)
    text(conn, "ok")
  end
end
