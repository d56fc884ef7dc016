if strings.HasPrefix(s, "-----BEGIN RSA PRIVATE KEY-----") {
	return parseRSA(s)
}
