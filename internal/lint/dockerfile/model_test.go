package dockerfile

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestStages(t *testing.T) {
	src := `# syntax=docker/dockerfile:1
ARG GO_VERSION=1.22
ARG BASE
ARG DISTRO=bookworm
FROM golang:${GO_VERSION}-${DISTRO} AS Build
RUN go build -o /out/app .

FROM build AS test
RUN go test ./...

FROM $BASE AS custom
FROM scratch
COPY --from=build /out/app /app
FROM gcr.io/distroless/static:nonroot@sha256:0123456789abcdef AS final
COPY --from=build /out/app /app
`
	f, err := Parse("Dockerfile", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	type stage struct {
		Name, Base string
		Resolved   bool
		Parent     string
		Image      *ImageRef
		Instrs     int
	}
	var got []stage
	for _, st := range f.Stages {
		s := stage{Name: st.Name, Base: st.Base, Resolved: st.Resolved, Image: st.Image, Instrs: len(st.Instrs)}
		if st.Parent != nil {
			s.Parent = st.Parent.Name
		}
		got = append(got, s)
	}
	want := []stage{
		{Name: "build", Base: "golang:1.22-bookworm", Resolved: true, Image: &ImageRef{Name: "golang", Tag: "1.22-bookworm"}, Instrs: 1},
		{Name: "test", Base: "build", Resolved: true, Parent: "build", Instrs: 1},
		{Name: "custom", Base: "", Resolved: false},
		{Base: "scratch", Resolved: true, Instrs: 1},
		{Name: "final", Base: "gcr.io/distroless/static:nonroot@sha256:0123456789abcdef", Resolved: true,
			Image: &ImageRef{Name: "gcr.io/distroless/static", Tag: "nonroot", Digest: "sha256:0123456789abcdef"}, Instrs: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stages mismatch (-want +got):\n%s", diff)
	}
	if f.Final() != f.Stages[4] {
		t.Error("final stage is not the last")
	}
}

func TestExpand(t *testing.T) {
	args := map[string]string{"A": "1", "EMPTY": ""}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"x:$A", "x:1", true},
		{"x:${A}-y", "x:1-y", true},
		{"x:${B:-2}", "x:2", true},
		{"x:${EMPTY:-3}", "x:3", true},
		{"x:${EMPTY-3}", "x:", true},
		{"x:${A:+set}", "x:set", true},
		{"x:${B:+set}", "x:", true},
		{"x:$B", "x:", false},
		{"x:${B", "x:${B", false},
		{"$", "$", true},
		{"a$-b", "a$-b", true},
	}
	for _, tt := range tests {
		got, ok := expand(tt.in, args)
		if got != tt.want || ok != tt.ok {
			t.Errorf("expand(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseImageRef(t *testing.T) {
	tests := []struct {
		in   string
		want ImageRef
	}{
		{"alpine", ImageRef{Name: "alpine"}},
		{"alpine:3.20", ImageRef{Name: "alpine", Tag: "3.20"}},
		{"localhost:5000/team/app", ImageRef{Name: "localhost:5000/team/app"}},
		{"localhost:5000/team/app:v1", ImageRef{Name: "localhost:5000/team/app", Tag: "v1"}},
		{"Alpine@sha256:abc", ImageRef{Name: "alpine", Digest: "sha256:abc"}},
		{"alpine:3.20@sha256:abc", ImageRef{Name: "alpine", Tag: "3.20", Digest: "sha256:abc"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, parseImageRef(tt.in)); diff != "" {
			t.Errorf("parseImageRef(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestCommands(t *testing.T) {
	type cmd struct {
		Name            string
		Args            []string
		Wrappers        []string
		Pipe, PipePos   int
		InSubst, Nested bool
	}
	tests := []struct {
		run  string
		want []cmd
	}{
		{`RUN apt-get update && apt-get install -y curl; echo "done"`, []cmd{
			{Name: "apt-get", Args: []string{"update"}},
			{Name: "apt-get", Args: []string{"install", "-y", "curl"}},
			{Name: "echo", Args: []string{"done"}},
		}},
		{`RUN curl -fsSL https://x | sudo -E bash -s -- --yes`, []cmd{
			{Name: "curl", Args: []string{"-fsSL", "https://x"}, Pipe: 1},
			{Name: "bash", Args: []string{"-s", "--", "--yes"}, Wrappers: []string{"sudo"}, Pipe: 1, PipePos: 1},
		}},
		{`RUN a | b | c`, []cmd{
			{Name: "a", Pipe: 1}, {Name: "b", Pipe: 1, PipePos: 1}, {Name: "c", Pipe: 1, PipePos: 2},
		}},
		{`RUN (cd /src && make) || { echo fail; exit 1; }`, []cmd{
			{Name: "cd", Args: []string{"/src"}}, {Name: "make"}, {Name: "echo", Args: []string{"fail"}}, {Name: "exit", Args: []string{"1"}},
		}},
		{`RUN sh -c "apk add curl && rm -rf /tmp/*"`, []cmd{
			{Name: "sh", Args: []string{"-c", "apk add curl && rm -rf /tmp/*"}},
			{Name: "apk", Args: []string{"add", "curl"}, Nested: true},
			{Name: "rm", Args: []string{"-rf", "/tmp/*"}, Nested: true},
		}},
		{`RUN bash -c 'sh -c "deep"'`, []cmd{
			{Name: "bash", Args: []string{"-c", `sh -c "deep"`}},
			{Name: "sh", Args: []string{"-c", "deep"}, Nested: true},
		}},
		{`RUN VERSION=1 /usr/bin/env FOO=bar pip install "x==$VERSION"`, []cmd{
			{Name: "pip", Args: []string{"install", "x==$VERSION"}, Wrappers: []string{"env"}},
		}},
		{`RUN echo $(curl -s https://x) && if [ -f a ]; then rm a; fi`, []cmd{
			{Name: "curl", Args: []string{"-s", "https://x"}, InSubst: true},
			{Name: "echo", Args: []string{"$(curl -s https://x)"}},
			{Name: "[", Args: []string{"-f", "a", "]"}},
			{Name: "rm", Args: []string{"a"}},
		}},
		{`RUN ["/bin/sh", "-c", "apk add jq"]`, []cmd{
			{Name: "sh", Args: []string{"-c", "apk add jq"}},
			{Name: "apk", Args: []string{"add", "jq"}, Nested: true},
		}},
		{"RUN <<EOF\napt-get update\napt-get install -y jq\nEOF", []cmd{
			{Name: "apt-get", Args: []string{"update"}},
			{Name: "apt-get", Args: []string{"install", "-y", "jq"}},
		}},
		{"RUN <<-EOT bash -ex\n\tsudo chmod 777 /tmp\n\tcurl http://x/s.sh | sh\nEOT", []cmd{
			{Name: "bash", Args: []string{"-ex"}},
			{Name: "chmod", Args: []string{"777", "/tmp"}, Wrappers: []string{"sudo"}, Nested: true},
			{Name: "curl", Args: []string{"http://x/s.sh"}, Pipe: 1, Nested: true},
			{Name: "sh", Pipe: 1, PipePos: 1, Nested: true},
		}},
		{"RUN sudo -E bash -o pipefail -s <<EOF\napk add jq\nEOF", []cmd{
			{Name: "bash", Args: []string{"-o", "pipefail", "-s"}, Wrappers: []string{"sudo"}},
			{Name: "apk", Args: []string{"add", "jq"}, Nested: true},
		}},
		// data for a file, and a script file given to the shell: not judged
		// as commands of the RUN
		{"RUN cat <<EOF > /etc/motd\nrm -rf /\nEOF", []cmd{
			{Name: "cat"},
		}},
		{"RUN bash /build.sh <<EOF\nrm -rf /\nEOF", []cmd{
			{Name: "bash", Args: []string{"/build.sh"}},
		}},
		{`RUN if then fi ((`, []cmd{
			{Name: "if", Args: []string{"then", "fi", "(("}},
		}},
	}
	for _, tt := range tests {
		f, err := Parse("Dockerfile", []byte("FROM alpine:3.20\n"+tt.run+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", tt.run, err)
		}
		var got []cmd
		for _, c := range f.Stages[0].Instrs[0].Commands {
			got = append(got, cmd{c.Name, c.Args, c.Wrappers, c.Pipe, c.PipePos, c.InSubst, c.Nested})
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: commands mismatch (-want +got):\n%s", tt.run, diff)
		}
	}
}

func TestCommandHas(t *testing.T) {
	c := &Command{Name: "apt-get", Args: []string{"-qy", "--option=x", "install", "--", "-z"}}
	tests := []struct {
		flags []string
		want  bool
	}{
		{[]string{"-y"}, true},
		{[]string{"-q"}, true},
		{[]string{"--option"}, true},
		{[]string{"-z"}, false},
		{[]string{"--yes"}, false},
	}
	for _, tt := range tests {
		if got := c.Has(tt.flags...); got != tt.want {
			t.Errorf("Has(%v) = %v, want %v", tt.flags, got, tt.want)
		}
	}
	if diff := cmp.Diff([]string{"curl", "jq=1"}, (&Command{Args: []string{"install", "-o", "A=B", "curl", "-t", "x", "jq=1"}}).Operands("install", aptValued...)); diff != "" {
		t.Errorf("Operands mismatch (-want +got):\n%s", diff)
	}
}

func TestNonPOSIXShell(t *testing.T) {
	f, err := Parse("Dockerfile", []byte("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nRUN Invoke-WebRequest https://x -OutFile y; cd C:\\\\app\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := f.Stages[0].Instrs[1]
	if in.ShellParsed {
		t.Error("powershell RUN parsed as POSIX shell")
	}
	var names []string
	for _, c := range in.Commands {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"Invoke-WebRequest", "cd"}, names); diff != "" {
		t.Errorf("commands mismatch (-want +got):\n%s", diff)
	}
}

func TestTooLarge(t *testing.T) {
	src := []byte("FROM alpine:3.20\n" + strings.Repeat("# padding\n", MaxSize/10+1))
	_, err := Lint("big", src, Options{})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("Lint of %d bytes: err = %v, want ErrTooLarge", len(src), err)
	}
}

func TestParseError(t *testing.T) {
	_, err := Lint("bad", []byte("FROM alpine\nRUN <<EOF\n"+strings.Repeat("x", 70000)+"\nEOF\n"), Options{})
	if err == nil {
		// the scanner's line limit is BuildKit's; either outcome is bounded,
		// but it must not panic. A nil error is fine too.
		return
	}
	if !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestSubSkipsOptionValues(t *testing.T) {
	tests := []struct {
		c    Command
		want string
	}{
		{Command{Name: "apt-get", Args: []string{"-o", "Acquire::Retries=3", "install", "-y", "x"}}, "install"},
		{Command{Name: "apt-get", Args: []string{"-qq", "update"}}, "update"},
		{Command{Name: "apk", Args: []string{"-X", "http://mirror", "add", "x"}}, "add"},
		{Command{Name: "zypper", Args: []string{"--non-interactive", "in", "x"}}, "in"},
		{Command{Name: "other", Args: []string{"-o", "value", "run"}}, "value"},
		{Command{Name: "apt-get", Args: []string{"-o"}}, ""},
	}
	for _, tt := range tests {
		if got := tt.c.Sub(); got != tt.want {
			t.Errorf("%s.Sub() = %q, want %q", tt.c.String(), got, tt.want)
		}
	}
}

func TestSecretPath(t *testing.T) {
	tests := map[string]bool{
		"id_rsa": true, "./keys/id_ed25519": true, ".env": true, ".env.production": true, ".env.example": false,
		"config/.npmrc": true, "server.key": true, "tls/private-key.pem": true, "certs/ca.pem": false,
		".aws/credentials": true, "home/.ssh/": true, "src/": false, "package.json": false, ".": false,
	}
	for p, want := range tests {
		if got := secretPath(p); got != want {
			t.Errorf("secretPath(%q) = %v, want %v", p, got, want)
		}
	}
}
