package compose

import "testing"

// kicsCases are bulkhead's own good and bad compose files for the KICS
// queries that were missing or judged differently: each bad file must get
// a finding of the rule, each good file none.
var kicsCases = []struct {
	id, src string
	bad     bool
}{
	{"BH-CP-025", "services:\n  a:\n    image: x:1\n    cgroup_parent: m-executor-abcd\n", true},
	{"BH-CP-025", "services:\n  a:\n    image: x:1\n", false},
	{"BH-CP-026", "services:\n  a:\n    image: x:1\n    volumes: [shared:/a]\n  b:\n    image: x:1\n    volumes: [\"shared:/b\"]\nvolumes: {shared: {}}\n", true},
	{"BH-CP-026", "services:\n  a:\n    image: x:1\n    volumes:\n      - {type: volume, source: shared, target: /a}\n  b:\n    image: x:1\n    volumes: [shared:/b]\nvolumes: {shared: {}}\n", true},
	{"BH-CP-026", "services:\n  a:\n    image: x:1\n    volumes: [one:/a]\n  b:\n    image: x:1\n    volumes: [two:/b]\nvolumes: {one: {}, two: {}}\n", false},
	{"BH-CP-026", "services:\n  a:\n    image: x:1\n    volumes: [shared:/a]\n  b:\n    image: x:1\n    volumes: [shared:/b:ro]\nvolumes: {shared: {}}\n", false},
	{"BH-CP-026", "services:\n  a:\n    image: x:1\n    volumes: [./data:/a]\n  b:\n    image: x:1\n    volumes: [./data:/b]\n", false},
	{"BH-CP-027", "services:\n  a:\n    image: x:1\n    restart: on-failure\n", true},
	{"BH-CP-027", "services:\n  a:\n    image: x:1\n    restart: on-failure:6\n", true},
	{"BH-CP-027", "services:\n  a:\n    image: x:1\n    deploy:\n      restart_policy: {condition: on-failure, max_attempts: 10}\n", true},
	{"BH-CP-027", "services:\n  a:\n    image: x:1\n    restart: on-failure:5\n", false},
	{"BH-CP-027", "services:\n  a:\n    image: x:1\n    restart: always\n", false},
	{"BH-CP-027", "services:\n  a:\n    image: x:1\n    deploy:\n      restart_policy: {condition: any}\n", false},
	{"BH-CP-028", "services:\n  a:\n    image: x:1\n", true},
	{"BH-CP-028", "services:\n  a:\n    image: x:1\n    healthcheck: {test: [CMD, /probe]}\n", false},
	{"BH-CP-021", "services:\n  a:\n    image: x:1\n    healthcheck: {disable: true}\n", true},
	{"BH-CP-021", "services:\n  a:\n    image: x:1\n    healthcheck: {test: [NONE]}\n", true},
	{"BH-CP-029", "services:\n  a:\n    image: x:1\n", true},
	{"BH-CP-029", "services:\n  a:\n    image: x:1\n    cap_drop: [NET_RAW]\n", false},
	{"BH-CP-013", "services:\n  a:\n    image: x:1\n    ports: [\"127.0.0.1:8080:80\"]\n", true},
	{"BH-CP-013", "services:\n  a:\n    image: x:1\n    ports: [\"127.0.0.1:443:8443\"]\n", true},
	{"BH-CP-013", "services:\n  a:\n    image: x:1\n    ports:\n      - {target: 22, published: 2222, host_ip: 127.0.0.1}\n", true},
	{"BH-CP-013", "services:\n  a:\n    image: x:1\n    ports: [\"127.0.0.1:8080:8080\", \"80\"]\n", false},
	{"BH-CP-012", "services:\n  a:\n    image: x:1\n    ports: [\"8080:8080\"]\n", true},
	{"BH-CP-012", "services:\n  a:\n    image: x:1\n    ports: [\"0.0.0.0:8080:8080\"]\n", true},
	{"BH-CP-012", "services:\n  a:\n    image: x:1\n    ports: [\"127.0.0.1:8080:8080\", \"9000\"]\n", false},
	{"BH-CP-004", "services:\n  a:\n    image: x:1\n    volumes: [root:/host]\nvolumes:\n  root: {driver: local, driver_opts: {type: none, o: bind, device: /}}\n", true},
	{"BH-CP-004", "services:\n  a:\n    image: x:1\n    volumes: [logs:/logs]\nvolumes:\n  logs: {driver: local, driver_opts: {type: none, o: bind, device: /srv/logs}}\n", false},
	{"BH-CP-024", "services:\n  a:\n    image: x:1\n    volumes:\n      - {type: bind, source: /mnt, target: /mnt, bind: {propagation: rslave}}\n", true},
	{"BH-CP-024", "services:\n  a:\n    image: x:1\n    volumes:\n      - {type: bind, source: /mnt, target: /mnt, bind: {propagation: shared}}\n", true},
	{"BH-CP-024", "services:\n  a:\n    image: x:1\n    volumes:\n      - {type: bind, source: /mnt, target: /mnt, bind: {propagation: rprivate}}\n", false},
}

func TestKICSCases(t *testing.T) {
	for i, c := range kicsCases {
		fs, err := Lint("compose.yaml", []byte(c.src), Options{})
		if err != nil {
			t.Errorf("case %d (%s): %v", i, c.id, err)
			continue
		}
		n := count(fs, c.id)
		if c.bad && n == 0 {
			t.Errorf("case %d: %s did not fire on bad case:\n%s", i, c.id, c.src)
		}
		if !c.bad && n != 0 {
			t.Errorf("case %d: %s fired on good case:\n%s", i, c.id, c.src)
		}
	}
}
