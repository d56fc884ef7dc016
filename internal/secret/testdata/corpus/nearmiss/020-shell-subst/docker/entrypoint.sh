DB_PASSWORD=$(cat /run/secrets/db_password)
export API_TOKEN="$(vault kv get -field=token secret/app)"
