package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// newUserCmd manages the dashboard's users on the database directly.
func newUserCmd() *cobra.Command {
	var database string
	c := &cobra.Command{
		Use:   "user",
		Short: "Create the dashboard's users and set their role (on the database directly)",
		Long: `Manage the users who log in to the dashboard of bulkhead serve (docs/dashboard.md),
working on its database directly. Passwords are kept as argon2id hashes.

Roles: read (sees everything) and admin (also acknowledges and mutes alerts).`,
	}
	c.PersistentFlags().StringVar(&database, "database", "", "database URL: sqlite:///path/fleet.db or postgres://... (default: sqlite under the user's data dir)")
	c.PersistentFlags().SetAnnotation("database", secretFlag, []string{"url"})
	var role string
	var fromStdin bool
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a user; the password is asked for, or read from standard input with --password-stdin",
		Example: "  bulkhead user create alice --role admin\n" +
			"  printf '%s\\n' \"$PASSWORD\" | bulkhead user create grafana-viewer --password-stdin",
		Args: exactArgs(1, "one user name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if role != store.RoleRead && role != store.RoleAdmin {
				return usageError{fmt.Errorf("--role %q: want read or admin", role)}
			}
			pass, err := readPassword(cmd, fromStdin)
			if err != nil {
				return err
			}
			st, err := openStore(cmd, database)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.CreateUser(cmd.Context(), args[0], pass); err != nil {
				return err
			}
			if err := st.SetUserRole(cmd.Context(), args[0], role); err != nil {
				return err
			}
			_ = st.LogAdmin(cmd.Context(), store.AdminEntry{Actor: cliActor(), Action: "user.create", Target: args[0], Detail: "role " + role})
			fmt.Fprintf(cmd.ErrOrStderr(), "created %s user %q\n", role, args[0])
			return nil
		},
	}
	create.Flags().StringVar(&role, "role", store.RoleRead, "read or admin")
	create.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of standard input")
	var setRole string
	roleCmd := &cobra.Command{
		Use:     "role NAME",
		Short:   "Set a user's role (read or admin); it applies at the user's next login",
		Example: "  bulkhead user role alice --set admin",
		Args:    exactArgs(1, "one user name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if setRole != store.RoleRead && setRole != store.RoleAdmin {
				return usageError{fmt.Errorf("--set %q: want read or admin", setRole)}
			}
			st, err := openStore(cmd, database)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.SetUserRole(cmd.Context(), args[0], setRole); err != nil {
				return err
			}
			_ = st.LogAdmin(cmd.Context(), store.AdminEntry{Actor: cliActor(), Action: "user.role", Target: args[0], Detail: "role " + setRole})
			fmt.Fprintf(cmd.ErrOrStderr(), "user %q is now %s\n", args[0], setRole)
			return nil
		},
	}
	roleCmd.Flags().StringVar(&setRole, "set", "", "the role: read or admin")
	c.AddCommand(create, roleCmd)
	return c
}

// readPassword reads a password: the first line of stdin with fromStdin,
// else typed twice at the terminal without echo.
func readPassword(cmd *cobra.Command, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(io.LimitReader(cmd.InOrStdin(), 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pass := strings.TrimRight(line, "\r\n")
		if pass == "" {
			return "", usageError{errors.New("--password-stdin: standard input holds no password")}
		}
		return pass, nil
	}
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return "", usageError{errors.New("no terminal to ask the password on: pass it on standard input with --password-stdin")}
	}
	fmt.Fprint(cmd.ErrOrStderr(), "Password (at least 12 characters): ")
	p1, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", err
	}
	fmt.Fprint(cmd.ErrOrStderr(), "Again: ")
	p2, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(cmd.ErrOrStderr())
	if err != nil {
		return "", err
	}
	if string(p1) != string(p2) {
		return "", errors.New("the passwords differ")
	}
	return string(p1), nil
}
