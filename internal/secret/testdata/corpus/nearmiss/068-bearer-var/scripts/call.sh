curl -H "Authorization: Bearer $TOKEN" https://api.acme.io/v1/me
