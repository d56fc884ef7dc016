package cli

import (
	"fmt"
	"os/user"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// openStore opens the fleet database the --database flag names (or the
// default), for the commands that work on it directly.
func openStore(cmd *cobra.Command, database string) (*store.Store, error) {
	u, err := databaseURL(database)
	if err != nil {
		return nil, err
	}
	return store.Open(cmd.Context(), u)
}

// databaseURL returns --database or the default SQLite file.
func databaseURL(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return store.DefaultURL()
}

func cliActor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}

func newTokenCmd() *cobra.Command {
	var database string
	c := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke the API tokens of bulkhead serve (on the database directly)",
		Long: `Manage the API tokens of bulkhead serve, working on its database directly
(for bootstrapping: the first admin token comes from here).

Scopes: agent (bulkhead agent: writes only the host it first reports for),
read (the read routes), admin (read, plus token management over the API).
A token is printed once; the database keeps only its SHA-256.`,
	}
	c.PersistentFlags().StringVar(&database, "database", "", "database URL: sqlite:///path/fleet.db or postgres://... (default: sqlite under the user's data dir)")
	c.PersistentFlags().SetAnnotation("database", secretFlag, []string{"url"})
	var scope, name string
	create := &cobra.Command{
		Use:     "create",
		Short:   "Create a token and print it (shown once)",
		Example: "  bulkhead token create --scope agent --name web-1\n  bulkhead token create --database postgres://bulkhead@db/bulkhead --scope admin",
		Args:    exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !store.ValidScope(scope) {
				return usageError{fmt.Errorf("--scope %q: want agent, read or admin", scope)}
			}
			st, err := openStore(cmd, database)
			if err != nil {
				return err
			}
			defer st.Close()
			tok, rec, err := st.CreateToken(cmd.Context(), scope, name)
			if err != nil {
				return err
			}
			if err := st.LogAdmin(cmd.Context(), store.AdminEntry{Actor: cliActor(), Action: "token.create", Target: rec.ID,
				Detail: "scope=" + scope + " name=" + name}); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			fmt.Fprintf(cmd.ErrOrStderr(), "created %s token %s (id %s); it is shown only now\n", scope, quoteName(name), rec.ID)
			return nil
		},
	}
	create.Flags().StringVar(&scope, "scope", "", "agent, read or admin (required)")
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by")
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secret)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openStore(cmd, database)
			if err != nil {
				return err
			}
			defer st.Close()
			ts, err := st.Tokens(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSCOPE\tNAME\tHOST\tCREATED\tREVOKED")
			for _, t := range ts {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", t.ID, t.Scope, t.Name, t.HostID, t.CreatedAt.Format("2006-01-02 15:04"), t.Revoked)
			}
			return tw.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token by id",
		Args:  exactArgs(1, "a token id (bulkhead token list)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStore(cmd, database)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.RevokeToken(cmd.Context(), args[0]); err != nil {
				return err
			}
			return st.LogAdmin(cmd.Context(), store.AdminEntry{Actor: cliActor(), Action: "token.revoke", Target: args[0]})
		},
	}
	c.AddCommand(create, list, revoke)
	return c
}

func quoteName(n string) string {
	if n == "" {
		return "(no name)"
	}
	return fmt.Sprintf("%q", n)
}
