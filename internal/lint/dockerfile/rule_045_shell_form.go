package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule045 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-045", Name: "shell-form-cmd", Severity: finding.Low,
		Title:       "CMD or ENTRYPOINT in shell form",
		Aliases:     []string{"DL3025"},
		Description: "In shell form the program runs under `/bin/sh -c`, so it is not PID 1 and does not get SIGTERM: the container is killed after the stop timeout instead of shutting down cleanly. Only stages that end up in the final image are judged.",
		Fix:         "Use the exec form: `CMD [\"/app/server\", \"--port\", \"8080\"]`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		ship := shipped(f)
		for _, st := range f.Stages {
			if !ship[st] {
				continue
			}
			for _, in := range st.Instrs {
				if (in.Cmd == "cmd" || in.Cmd == "entrypoint") && !in.JSON && len(in.Args) > 0 {
					out = append(out, hit(in, strings.ToUpper(in.Cmd)+" is in shell form."))
				}
			}
		}
		return out
	},
}
