package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var adminCommands = map[string]bool{"ssh": true, "vim": true, "vi": true, "nano": true, "shutdown": true, "reboot": true, "service": true,
	"systemctl": true, "ps": true, "free": true, "top": true, "kill": true, "mount": true, "ifconfig": true}

var rule056 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-056", Name: "admin-commands", Severity: finding.Info,
		Title:       "Interactive or host-admin command in RUN",
		Aliases:     []string{"DL3001"},
		Description: "Commands like ssh, vim, service, systemctl, mount or kill do nothing useful in a build: there is no terminal, no init system and no long-running process to manage.",
		Fix:         "Remove the command; configure services to start from CMD/ENTRYPOINT.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			return "Runs " + c.Name + ".", adminCommands[c.Name]
		})
	},
}
