package crypto

var vec = struct{ Key, Nonce string }{Key: "000102030405060708090a0b0c0d0e0f", Nonce: "000000000000004a00000000"}
