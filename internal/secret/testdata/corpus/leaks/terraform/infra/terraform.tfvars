region      = "eu-west-1"
instance    = "t3.small"
db_password = "PeHmI1!6pD96mj"
datadog_api_key = "b6ba0865ef5aa370e2e30bdb0e7ab8d7"
