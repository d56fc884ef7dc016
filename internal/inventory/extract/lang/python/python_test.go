package python_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lang/python"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extracttest"
)

func TestRequired(t *testing.T) {
	extracttest.Required(t, python.New(),
		[]string{
			"usr/lib/python3.11/site-packages/requests-2.25.1.dist-info/METADATA",
			"usr/lib/python3/dist-packages/PyYAML-5.3.1.egg-info",
			"usr/lib/python3/dist-packages/Jinja2-2.11.2.egg-info/PKG-INFO",
			"usr/lib/python3/site-packages/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO",
		},
		[]string{
			"usr/lib/python3.11/site-packages/requests-2.25.1.dist-info/RECORD",
			"usr/lib/python3.11/site-packages/requests/METADATA",
			"src/PKG-INFO",
		})
}

func TestExtract(t *testing.T) {
	const path = "site-packages/x.dist-info/METADATA"
	pkg := func(name, version string, lic, deps []string) []inventory.Package {
		return []inventory.Package{{Name: name, Version: version, Type: "pypi", PURL: "pkg:pypi/" + name + "@" + version,
			Licenses: lic, DependsOn: deps, Path: path, Extractor: python.Name}}
	}
	c := func(name, text string, want []inventory.Package) extracttest.Case {
		return extracttest.Case{Name: name, Path: path, Data: []byte(text), Want: want}
	}
	extracttest.Extract(t, python.New(), []extracttest.Case{
		c("PEP 503 name and License", "Metadata-Version: 2.1\nName: PyYAML\nVersion: 5.3.1\nLicense: MIT\n",
			pkg("pyyaml", "5.3.1", []string{"MIT"}, nil)),
		c("name runs of separators", "Name: Typing__Extensions.-x\nVersion: 3.10.0.0\n",
			pkg("typing-extensions-x", "3.10.0.0", nil, nil)),
		c("License-Expression wins", "Name: a\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\nLicense: MIT\n"+
			"Classifier: License :: OSI Approved :: MIT License\n",
			pkg("a", "1", []string{"MIT OR Apache-2.0"}, nil)),
		c("classifiers when License is UNKNOWN", "Name: b\nVersion: 2\nLicense: UNKNOWN\n"+
			"Classifier: Programming Language :: Python\n"+
			"Classifier: License :: OSI Approved :: BSD License\n"+
			"Classifier: License :: OSI Approved :: Apache Software License\n",
			pkg("b", "2", []string{"BSD License", "Apache Software License"}, nil)),
		c("classifiers when License is a full text", "Name: c\nVersion: 3\nLicense: Copyright (c) 2020 Someone\n"+
			"        \n        Permission is hereby granted, free of charge, to any person\n"+
			"Classifier: License :: OSI Approved :: MIT License\n",
			pkg("c", "3", []string{"MIT License"}, nil)),
		c("Requires-Dist without extras", "Name: requests\nVersion: 2.25.1\n"+
			"Requires-Dist: chardet (<5,>=3.0.2)\n"+
			"Requires-Dist: idna<3,>=2.5\n"+
			"Requires-Dist: Typing_Extensions ; python_version < \"3.8\"\n"+
			"Requires-Dist: pyOpenSSL (>=0.14) ; extra == 'security'\n"+
			"Requires-Dist: chardet\n",
			pkg("requests", "2.25.1", nil, []string{"chardet", "idna", "typing-extensions"})),
		c("CRLF and the body is not read", "Name: d\r\nVersion: 4\r\n\r\nName: body\r\nVersion: 9\r\n",
			pkg("d", "4", nil, nil)),
		c("headers after a blank License continuation", "Name: e\nLicense: line one\n        \n        line three\nVersion: 5\n",
			pkg("e", "5", nil, nil)),
		c("no version", "Name: f\n", nil),
		c("version only in the body", "Name: g\n\nVersion: 1\n", nil),
		c("empty", "", nil),
	})
}

func TestExtractTooLarge(t *testing.T) {
	text := "Name: x\nVersion: 1\nLicense: " + strings.Repeat("a", python.MaxHeaderBytes) + "\n"
	_, err := python.New().Extract(context.Background(), &inventory.Input{
		Path: "x.dist-info/METADATA", Size: int64(len(text)), Reader: strings.NewReader(text),
	})
	if !errors.Is(err, python.ErrHeaderTooLarge) || !strings.Contains(err.Error(), "x.dist-info/METADATA") {
		t.Errorf("err = %v, want ErrHeaderTooLarge naming the file", err)
	}
	// A huge body after the headers is fine: it is never read.
	text = "Name: x\nVersion: 1\n\n" + strings.Repeat("body\n", python.MaxHeaderBytes)
	got, err := python.Parse(strings.NewReader(text))
	if err != nil || got == nil || got.Name != "x" {
		t.Errorf("Parse with a large body = %v, %v; want package x", got, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("Metadata-Version: 2.1\nName: requests\nVersion: 2.25.1\nRequires-Dist: idna (<3) ; extra == 'x'\n\nbody"))
	f.Add([]byte("Name: a\n License: b\n\tc\nClassifier: License :: MIT\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := python.Parse(bytes.NewReader(data))
		if err == nil && p != nil && (p.Name == "" || p.Version == "" || p.Name != python.Normalize(p.Name)) {
			t.Errorf("bad package %+v", p)
		}
	})
}

func BenchmarkExtract(b *testing.B) {
	text := []byte("Metadata-Version: 2.1\nName: requests\nVersion: 2.25.1\nSummary: Python HTTP for Humans.\n" +
		"License: Apache 2.0\n" + strings.Repeat("Classifier: Programming Language :: Python :: 3\n", 20) +
		"Requires-Dist: chardet (<5,>=3.0.2)\nRequires-Dist: idna (<3,>=2.5)\nRequires-Dist: urllib3\n\n" +
		strings.Repeat("Long description line of the body.\n", 300))
	b.SetBytes(int64(len(text)))
	r := bytes.NewReader(nil)
	for b.Loop() {
		r.Reset(text)
		if _, err := python.New().Extract(context.Background(), &inventory.Input{
			Path: "x.dist-info/METADATA", Size: int64(len(text)), Reader: r,
		}); err != nil {
			b.Fatal(err)
		}
	}
}
