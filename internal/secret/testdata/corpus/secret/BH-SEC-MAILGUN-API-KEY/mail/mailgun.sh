curl -s --user "api:key-4dbc9fd82c3ef16e10fc55b286f99ad2" https://api.mailgun.net/v3/acme/messages
