package bounded_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/internal/bounded"
)

func TestReadAll(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		size     int64
		max      int64
		limit    int64
		wantErr  bool
		wantData string
	}{
		{"fits", "hello", 5, 0, 10, false, "hello"},
		{"exactly the limit", "hello", 5, 0, 5, false, "hello"},
		{"declared size over the limit", "hello", 50, 0, 10, true, ""},
		{"stream longer than declared", "hello world", 5, 0, 6, true, ""},
		{"unknown size", "hello", -1, 0, 4, true, ""},
		{"MaxBytes lower than the limit", "hello", 5, 3, 10, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := bounded.ReadAll(&inventory.Input{Path: "f", Size: tt.size, MaxBytes: tt.max,
				Reader: strings.NewReader(tt.data)}, tt.limit)
			if tt.wantErr {
				if !errors.Is(err, inventory.ErrTooLarge) || !strings.Contains(err.Error(), `"f"`) {
					t.Errorf("err = %v, want ErrTooLarge naming the file", err)
				}
				return
			}
			if err != nil || string(b) != tt.wantData {
				t.Errorf("ReadAll = %q, %v; want %q", b, err, tt.wantData)
			}
		})
	}
}
