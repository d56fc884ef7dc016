package dotnet_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

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
	extracttest.Extract(t, dotnet.New(), []extracttest.Case{{Name: "deps.json", Path: path, Data: []byte(deps), Want: want}})
}

func TestExtractErrors(t *testing.T) {
	const path = "app/x.deps.json"
	var cases []extracttest.Case
	for _, data := range []string{`[`, `[]`, `{"libraries": []}`, `{"libraries": {"A/1": 5}}`} {
		// Every error names the file.
		cases = append(cases, extracttest.Case{Name: fmt.Sprintf("%q", data), Path: path, Data: []byte(data), ErrContains: []string{path}})
	}
	cases = append(cases, extracttest.Case{Name: "over MaxFileSize", Path: path, Data: []byte("{}"), WantErr: inventory.ErrTooLarge,
		Input: func(in *inventory.Input) { in.Size = dotnet.MaxFileSize + 1 }})
	extracttest.Extract(t, dotnet.New(), cases)
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
