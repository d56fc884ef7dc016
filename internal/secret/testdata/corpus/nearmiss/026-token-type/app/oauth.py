token_type = "Bearer"
