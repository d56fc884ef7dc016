package auth

const tokenType = "Bearer"

func passwordHash(password string) string { return hash(password) }

var secretName = cfg.SecretName
var apiKeyHeader = "X-Api-Key"
