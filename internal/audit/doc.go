// Package audit checks a Docker host against the CIS Docker Benchmark
// v1.6.0.
//
// It works in two steps. Collect gathers every host fact once (the daemon's
// /info, /version, containers, images and networks over its API, the dockerd
// command line, daemon.json, systemd units, owners and modes of the files the
// benchmark names, audit rules, the docker group, TLS material, the data-root
// mount) into a plain, JSON-serialisable Facts value. Run then evaluates the
// checks as pure functions of Facts and returns compliance findings, so that
// recorded Facts replay exactly in tests.
//
// A fact that cannot be gathered is recorded with the reason (for example
// "needs root"), and the checks that depend on it report SKIP with that
// reason rather than a guess.
//
// Facts hold the containers' environment variables as the daemon reports
// them; treat a serialised Facts value as sensitive. Findings never carry a
// secret in full: Secrets redacts through internal/secret.
package audit
