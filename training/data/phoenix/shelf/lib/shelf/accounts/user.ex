defmodule Shelf.Accounts.User do
  use Ecto.Schema
  import Ecto.Changeset

  schema "users" do
    field :email, :string
    field :name, :string
    field :password, :string, virtual: true, redact: true
    field :hashed_password, :string, redact: true
    field :role, Ecto.Enum, values: [:member, :librarian, :admin], default: :member
    field :confirmed_at, :utc_datetime

    has_many :loans, Shelf.Lending.Loan
    timestamps(type: :utc_datetime)
  end

  def registration_changeset(user, attrs) do
    user
    |> cast(attrs, [:email, :name, :password])
    |> validate_required([:email, :name, :password])
    |> validate_format(:email, ~r/^[^\s@]+@[^\s@]+$/, message: "must have the @ sign and no spaces")
    |> validate_length(:email, max: 160)
    |> validate_length(:password, min: 12, max: 72)
    |> unsafe_validate_unique(:email, Shelf.Repo)
    |> unique_constraint(:email)
    |> hash_password()
  end

  def role_changeset(user, attrs) do
    user
    |> cast(attrs, [:role])
    |> validate_required([:role])
  end

  defp hash_password(%Ecto.Changeset{valid?: true, changes: %{password: password}} = changeset) do
    changeset
    |> put_change(:hashed_password, Shelf.Accounts.Password.hash(password))
    |> delete_change(:password)
  end

  defp hash_password(changeset), do: changeset

  def valid_password?(%__MODULE__{hashed_password: hashed}, password)
      when is_binary(hashed) and byte_size(password) > 0 do
    Shelf.Accounts.Password.verify(password, hashed)
  end

  def valid_password?(_, _) do
    Shelf.Accounts.Password.no_user_verify()
    false
  end
end
