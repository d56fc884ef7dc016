package rules

import (
	"testing"
)

func BenchmarkLoadDefault(b *testing.B) {
	src := Default()
	for b.Loop() {
		if _, _, err := Load(src); err != nil {
			b.Fatal(err)
		}
	}
}
