defmodule ShelfWeb.Api.BookControllerTest do
  use ShelfWeb.ConnCase, async: true

  import Shelf.CatalogFixtures
  import Shelf.AccountsFixtures

  setup %{conn: conn} do
    user = user_fixture()
    token = Shelf.Accounts.generate_session_token(user) |> Base.url_encode64(padding: false)

    conn =
      conn
      |> put_req_header("accept", "application/json")
      |> put_req_header("authorization", "Bearer " <> token)

    {:ok, conn: conn, user: user}
  end

  describe "index" do
    test "lists books", %{conn: conn} do
      book = book_fixture()
      conn = get(conn, ~p"/api/v1/books")
      assert [%{"id" => id, "title" => title}] = json_response(conn, 200)["data"]
      assert id == book.id
      assert title == book.title
    end

    test "rejects requests without a token" do
      conn = build_conn() |> get(~p"/api/v1/books")
      assert json_response(conn, 401)["errors"]["detail"] == "invalid token"
    end
  end

  describe "create book" do
    test "renders the book when data is valid", %{conn: conn} do
      author = author_fixture()
      params = %{title: "Piranesi", isbn: "9781635575637", author_id: author.id}

      conn = post(conn, ~p"/api/v1/books", book: params)
      assert %{"id" => id} = json_response(conn, 201)["data"]

      conn = get(conn, ~p"/api/v1/books/#{id}")
      assert %{"title" => "Piranesi", "author" => %{"name" => _}} = json_response(conn, 200)["data"]
    end

    test "renders errors when data is invalid", %{conn: conn} do
      conn = post(conn, ~p"/api/v1/books", book: %{title: ""})
      assert json_response(conn, 422)["errors"] != %{}
    end
  end

  describe "loans" do
    test "borrowing the last copy leaves none", %{conn: conn} do
      book = book_fixture(copies: 1)
      conn = post(conn, ~p"/api/v1/books/#{book}/loans")
      assert %{"due_on" => _} = json_response(conn, 201)["data"]
      assert Shelf.Catalog.get_book!(book.id).copies == 0

      conn = post(conn, ~p"/api/v1/books/#{book}/loans")
      assert json_response(conn, 409)
    end
  end
end
