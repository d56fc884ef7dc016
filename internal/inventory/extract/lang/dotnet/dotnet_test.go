package dotnet_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/dotnet"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extracttest"
)

func TestRequired(t *testing.T) {
	extracttest.Required(t, dotnet.New(),
		[]string{
			"app/MyApp.deps.json",
			"usr/share/dotnet/shared/Microsoft.NETCore.App/6.0.0/Microsoft.NETCore.App.deps.json",
		},
		[]string{
			"app/MyApp.runtimeconfig.json",
			"app/deps.json.bak",
		})
}

const deps = `{
  "runtimeTarget": {"name": ".NETCoreApp,Version=v6.0"},
  "targets": {
    ".NETCoreApp,Version=v6.0": {
      "MyApp/1.0.0": {"dependencies": {"Serilog": "2.10.0", "Newtonsoft.Json": "13.0.1"}},
      "Serilog/2.10.0": {"dependencies": {"System.Memory": "4.5.4"}},
      "Newtonsoft.Json/13.0.1": {}
    },
    ".NETCoreApp,Version=v6.0/linux-x64": {
      "Serilog/2.10.0": {"dependencies": {"System.Buffers": "4.5.1"}}
    }
  },
  "libraries": {
    "MyApp/1.0.0": {"type": "project", "serviceable": false},
    "Serilog/2.10.0": {"type": "package", "serviceable": true, "sha512": "sha512-x"},
    "Newtonsoft.Json/13.0.1": {"type": "package"},
    "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/6.0.0": {"type": "runtimepack"},
    "Broken": {"type": "package"}
  }
}`

func TestExtract(t *testing.T) {
	const path = "app/MyApp.deps.json"
	want := []inventory.Package{
		{Name: "Newtonsoft.Json", Version: "13.0.1", Type: "nuget", PURL: "pkg:nuget/Newtonsoft.Json@13.0.1",
			Path: path, Extractor: dotnet.Name},
		{Name: "Serilog", Version: "2.10.0", Type: "nuget", PURL: "pkg:nuget/Serilog@2.10.0",
			DependsOn: []string{"System.Buffers", "System.Memory"}, Path: path, Extractor: dotnet.Name},
	}
	got, err := dotnet.New().Extract(context.Background(), &inventory.Input{
		Path: path, Size: int64(len(deps)), Reader: strings.NewReader(deps),
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extract (-want +got):\n%s", diff)
	}
}

func TestExtractErrors(t *testing.T) {
	for _, data := range []string{`[`, `[]`, `{"libraries": []}`, `{"libraries": {"A/1": 5}}`} {
		_, err := dotnet.New().Extract(context.Background(), &inventory.Input{
			Path: "app/x.deps.json", Size: int64(len(data)), Reader: strings.NewReader(data),
		})
		if err == nil || !strings.Contains(err.Error(), "app/x.deps.json") {
			t.Errorf("Extract(%q): err = %v, want an error naming the file", data, err)
		}
	}
	_, err := dotnet.New().Extract(context.Background(), &inventory.Input{
		Path: "app/x.deps.json", Size: dotnet.MaxFileSize + 1, Reader: strings.NewReader("{}"),
	})
	if !errors.Is(err, inventory.ErrTooLarge) {
		t.Errorf("over MaxFileSize: err = %v, want ErrTooLarge", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(deps))
	f.Add([]byte(`{"libraries":{"A/1":{"type":"package"}},"targets":{"t":{"A/1":{"dependencies":{"B":"2"}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := dotnet.Parse(data)
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.PURL == "" {
				t.Errorf("bad package %+v", p)
			}
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	var targets, libs []string
	for i := range 300 {
		key := fmt.Sprintf("Package.Number%d/%d.0.%d", i, i%10, i)
		targets = append(targets, fmt.Sprintf(`%q: {"dependencies": {"System.Memory": "4.5.4", "Dep%d": "1.0.0"}, "runtime": {"lib/net6.0/x.dll": {}}}`, key, i))
		libs = append(libs, fmt.Sprintf(`%q: {"type": "package", "serviceable": true, "sha512": "sha512-%s", "path": "x"}`, key, strings.Repeat("a", 88)))
	}
	data := []byte(`{"targets": {".NETCoreApp,Version=v6.0": {` + strings.Join(targets, ",") + `}}, "libraries": {` + strings.Join(libs, ",") + `}}`)
	b.SetBytes(int64(len(data)))
	r := bytes.NewReader(nil)
	for b.Loop() {
		r.Reset(data)
		if _, err := dotnet.New().Extract(context.Background(), &inventory.Input{
			Path: "app/x.deps.json", Size: int64(len(data)), Reader: r,
		}); err != nil {
			b.Fatal(err)
		}
	}
}
