defmodule Shelf.Accounts do
  @moduledoc "Members and staff accounts."
  import Ecto.Query

  alias Shelf.Repo
  alias Shelf.Accounts.{User, UserToken}

  def get_user!(id), do: Repo.get!(User, id)

  def get_user_by_email(email) when is_binary(email) do
    Repo.get_by(User, email: String.downcase(email))
  end

  def get_user_by_email_and_password(email, password) do
    user = get_user_by_email(email)
    if User.valid_password?(user, password), do: user
  end

  def register_user(attrs) do
    %User{}
    |> User.registration_changeset(attrs)
    |> Repo.insert()
  end

  def change_user_registration(%User{} = user, attrs \\ %{}) do
    User.registration_changeset(user, attrs)
  end

  def promote(%User{} = user, role) when role in [:librarian, :admin] do
    user
    |> User.role_changeset(%{role: role})
    |> Repo.update()
  end

  def generate_session_token(user) do
    {token, record} = UserToken.build_session_token(user)
    Repo.insert!(record)
    token
  end

  def get_user_by_session_token(token) do
    {:ok, query} = UserToken.verify_session_token_query(token)
    Repo.one(query)
  end

  def delete_session_token(token) do
    Repo.delete_all(from t in UserToken, where: t.token == ^token and t.context == "session")
    :ok
  end

  def librarians do
    Repo.all(from u in User, where: u.role in [:librarian, :admin], order_by: u.name)
  end
end
