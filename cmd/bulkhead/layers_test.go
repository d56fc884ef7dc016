package main

import (
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/image/imagetest"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestSecretInDeletedLayer builds a two-layer image whose first layer adds
// an AWS credentials file and whose second deletes it, and checks that
// `scan image` reports the key with the layer that added the file and the
// layer that removed it, redacted in every output format.
func TestSecretInDeletedLayer(t *testing.T) {
	const keyID = "AKIAQYLPMN5HHHFPZAM2"
	const secretKey = "Zk3nQ8vR2xW7yT1uB5mC9dE4fG6hJ0kLpOiUyTrE"
	layers := []v1.Layer{
		imagetest.Layer(t,
			imagetest.Dir("root"), imagetest.Dir("root/.aws"),
			imagetest.File("root/.aws/credentials", "[default]\naws_access_key_id = "+keyID+"\naws_secret_access_key = "+secretKey+"\n"),
			imagetest.File("etc/os-release", "ID=alpine\nVERSION_ID=3.20.3\n")),
		imagetest.Layer(t, imagetest.Whiteout("root/.aws/credentials")),
	}
	archive := filepath.Join(t.TempDir(), "image.tar")
	imagetest.WriteDockerArchive(t, imagetest.Image(t, layers, []string{"COPY credentials /root/.aws/", "RUN rm /root/.aws/credentials"}), "bulkhead-test/deleted-secret:1", archive)

	r := mustJSON(t, "scan", "image", "docker-archive:"+archive, "--scanners", "secret", "--format", "json", "--cache-dir", t.TempDir())
	if len(r.Target.Layers) != 2 {
		t.Fatalf("layers = %d, want 2", len(r.Target.Layers))
	}
	added, removed := r.Target.Layers[0].Digest, r.Target.Layers[1].Digest
	ids := map[string]bool{}
	for _, f := range r.Findings {
		if f.Kind != finding.Secret || f.Location.Path != "root/.aws/credentials" {
			continue
		}
		ids[f.ID] = true
		if f.Location.Layer != added || f.Location.RemovedIn != removed {
			t.Errorf("%s: layer %s removed in %s, want %s and %s", f.ID, f.Location.Layer, f.Location.RemovedIn, added, removed)
		}
	}
	if len(ids) == 0 {
		t.Fatalf("no secret reported in the deleted root/.aws/credentials; findings: %+v", r.Findings)
	}
	var aws bool
	for id := range ids {
		aws = aws || strings.Contains(id, "AWS")
	}
	if !aws {
		t.Errorf("findings %v name no AWS rule", ids)
	}
	for _, format := range []string{"json", "table", "sarif", "cyclonedx", "spdx", "junit", "markdown"} {
		code, out, errs := run(t, "scan", "image", "docker-archive:"+archive, "--scanners", "secret", "--format", format, "--cache-dir", t.TempDir())
		if code != 0 {
			t.Fatalf("--format %s: exit %d: %s", format, code, errs)
		}
		for _, s := range []string{keyID, secretKey, secretKey[8:]} {
			if strings.Contains(out, s) || strings.Contains(errs, s) {
				t.Errorf("--format %s prints the secret %q", format, s)
			}
		}
	}
}

// TestHistorySecretsRedacted checks that a build argument holding a token,
// which docker keeps in the image history, and a label holding one, are
// reported as secrets and never printed in full, not even in the target's
// layer list and labels, whichever scanners run.
func TestHistorySecretsRedacted(t *testing.T) {
	const token = "ghp_R8vKq2NwTz5YbXc7LmPdF3sHj9AeUo1gWi4Q"
	layers := []v1.Layer{imagetest.Layer(t, imagetest.File("etc/os-release", "ID=alpine\nVERSION_ID=3.20.3\n"))}
	archive := filepath.Join(t.TempDir(), "image.tar")
	img, err := mutate.Config(imagetest.Image(t, layers, []string{"|1 GITHUB_TOKEN=" + token + " /bin/sh -c make install"}),
		v1.Config{Labels: map[string]string{"ci.token": token, "org.opencontainers.image.title": "app"}})
	if err != nil {
		t.Fatal(err)
	}
	imagetest.WriteDockerArchive(t, img, "bulkhead-test/history-secret:1", archive)

	// A vulnerability database (the example one), so that scans run every
	// scanner and pass.
	db := filepath.Join(t.TempDir(), "osv.db")
	repo := testenv.RepoRoot(t)
	if code, _, errs := run(t, "db", "import", "--db", db, filepath.Join(repo, "examples", "osv"), filepath.Join(repo, "examples", "nvd")); code != 0 {
		t.Fatalf("db import: %s", errs)
	}
	r := mustJSON(t, "scan", "image", "docker-archive:"+archive, "--format", "json", "--cache-dir", t.TempDir(), "--db", db)
	var found bool
	for _, f := range r.Findings {
		found = found || (f.Kind == finding.Secret && strings.HasPrefix(f.Location.Path, "history["))
	}
	if !found {
		t.Errorf("the token in the history is not reported; findings: %+v", r.Findings)
	}
	for _, args := range [][]string{
		{"scan", "image", "--format", "json", "--db", db},
		{"scan", "image", "--scanners", "vuln", "--format", "json", "--db", db},
		{"sbom", "--format", "json"},
		{"sbom", "--format", "cyclonedx"},
		{"sbom", "--format", "spdx"},
	} {
		args = append(args, "docker-archive:"+archive, "--cache-dir", t.TempDir())
		code, out, errs := run(t, args...)
		if code != 0 {
			t.Fatalf("bulkhead %s: exit %d: %s", strings.Join(args, " "), code, errs)
		}
		if strings.Contains(out, token[8:]) || strings.Contains(errs, token[8:]) {
			t.Errorf("bulkhead %s prints the token", strings.Join(args[:len(args)-3], " "))
		}
	}
}
