module github.com/acme/inventory-service

go 1.22.5

toolchain go1.22.6

require (
	github.com/google/uuid v1.6.0
	github.com/jackc/pgx/v5 v5.6.0
	github.com/acme/internal-sdk v0.4.2
	golang.org/x/net v0.27.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20221227161230-091c0ba34f0a // indirect
	golang.org/x/crypto v0.25.0 // indirect
	golang.org/x/text v0.16.0 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
)

require github.com/stretchr/testify v1.9.0

exclude golang.org/x/net v0.26.0

replace github.com/acme/internal-sdk => ../internal-sdk

replace github.com/gogo/protobuf v1.3.2 => github.com/regen-network/protobuf v1.3.3-alpha.regen.1

replace golang.org/x/text => golang.org/x/text v0.17.0

retract v0.9.0 // published by mistake
