package match

import (
	"os"
	"testing"
)

var sharedTemp string

// tempDir makes a folder shared by the tests of one run (for the imported
// shared database); TestMain removes it.
func tempDir() (string, error) {
	d, err := os.MkdirTemp("", "bulkhead-match-test-")
	sharedTemp = d
	return d, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedTemp != "" {
		os.RemoveAll(sharedTemp)
	}
	os.Exit(code)
}
