package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// CollectOptions say where Collect looks. The zero value audits the local
// host through DOCKER_HOST or /var/run/docker.sock.
type CollectOptions struct {
	// Host is the daemon endpoint: "unix:///path", "tcp://host:port" or a
	// socket path. Empty means $DOCKER_HOST, else /var/run/docker.sock.
	Host string
	// DaemonPID is the dockerd process to read the command line of; zero
	// finds the dockerd that serves Host.
	DaemonPID int
	// DaemonConfig is the daemon.json path; empty means the process's
	// --config-file, else /etc/docker/daemon.json.
	DaemonConfig string
	// Root prefixes every host file read (systemd units, /etc, /proc); empty
	// means "/". Tests point it at a fixture tree.
	Root string
	// Env replaces the process environment for environment checks
	// (DOCKER_CONTENT_TRUST); nil means os.Getenv.
	Env map[string]string
	// SkipAuditctl reads the audit rule files instead of running auditctl.
	SkipAuditctl bool
	// MaxObjects bounds how many containers, images and networks are
	// inspected (0 means 5000 each); the rest are noted in Daemon.Partial.
	MaxObjects int
	// Timeout bounds each daemon API call, from connect to the end of the
	// body (0 means DefaultTimeout). A daemon that accepts and never
	// answers fails the collection of that call with a message saying so.
	Timeout time.Duration
}

// DefaultTimeout bounds one daemon API call when CollectOptions.Timeout is
// zero.
const DefaultTimeout = 30 * time.Second

// DefaultSocket is the daemon socket used when nothing else is named.
const DefaultSocket = "/var/run/docker.sock"

const maxAPIBody = 64 << 20

// needsRoot is the reason recorded when a read fails for lack of privilege.
const needsRoot = "needs root"

// Collect gathers the host facts. It fails only when ctx ends; every other
// problem is recorded in the Facts next to the piece it concerns.
func Collect(ctx context.Context, opts CollectOptions) (*Facts, error) {
	c := &collector{opts: opts, root: opts.Root}
	if c.root == "" {
		c.root = "/"
	}
	if opts.MaxObjects <= 0 {
		c.opts.MaxObjects = 5000
	}
	if opts.Timeout <= 0 {
		c.opts.Timeout = DefaultTimeout
	}
	f := &Facts{CollectedAt: time.Now().UTC(), Files: map[string]FileFact{}}
	c.host(f)
	c.daemonAPI(ctx, f)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect host facts: %w", err)
	}
	c.process(f)
	c.swarm(ctx, f)
	c.config(f)
	c.files(f)
	c.tls(f)
	c.auditRules(ctx, f)
	c.auditTargets(f)
	c.containerProcesses(ctx, f)
	c.group(f)
	c.dataRoot(f)
	c.env(f)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collect host facts: %w", err)
	}
	return f, nil
}

type collector struct {
	opts     CollectOptions
	root     string
	endpoint string
	sockPath string
	http     *http.Client
	base     string
	users    map[int]string
	groups   map[int]string
}

func (c *collector) hostPath(p string) string {
	if c.root == "/" {
		return p
	}
	return filepath.Join(c.root, filepath.FromSlash(p))
}

func (c *collector) readHostFile(p string, limit int64) ([]byte, error) {
	fh, err := os.Open(c.hostPath(p))
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read %q: larger than %d bytes", p, limit)
	}
	return b, nil
}

func reason(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return needsRoot + " (" + err.Error() + ")"
	}
	return err.Error()
}

func (c *collector) host(f *Facts) {
	f.Host.EUID = os.Geteuid()
	f.Host.Root = f.Host.EUID == 0
	f.Host.Hostname, _ = os.Hostname()
	if b, err := c.readHostFile("/proc/sys/kernel/osrelease", 4096); err == nil {
		f.Host.Kernel = strings.TrimSpace(string(b))
	}
	if _, err := os.Stat(c.hostPath("/sys/fs/cgroup/cgroup.controllers")); err == nil {
		f.Host.CgroupVersion = 2
	} else if _, err := os.Stat(c.hostPath("/sys/fs/cgroup")); err == nil {
		f.Host.CgroupVersion = 1
	}
}

// --- daemon API -----------------------------------------------------------

func (c *collector) setupHTTP() error {
	h := c.opts.Host
	if h == "" {
		h = os.Getenv("DOCKER_HOST")
	}
	if h == "" {
		h = "unix://" + DefaultSocket
	}
	if strings.HasPrefix(h, "/") {
		h = "unix://" + h
	}
	c.endpoint = h
	u, err := url.Parse(h)
	if err != nil {
		return fmt.Errorf("parse daemon host %q: %w", h, err)
	}
	switch u.Scheme {
	case "unix":
		c.sockPath = u.Path
		sock := u.Path
		tr := &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", sock)
			},
			MaxIdleConnsPerHost: 8,
		}
		c.http = &http.Client{Transport: tr, Timeout: c.opts.Timeout}
		c.base = "http://docker"
	case "tcp", "http":
		c.http = &http.Client{Timeout: c.opts.Timeout}
		c.base = "http://" + u.Host
	default:
		return fmt.Errorf("daemon host %q: scheme %q is not supported (use unix:// or tcp://)", h, u.Scheme)
	}
	return nil
}

// apiVersion is the API version asked for: Docker 20.10 speaks 1.41 and
// every later daemon still serves it.
const apiVersion = "v1.41"

func (c *collector) get(ctx context.Context, p string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/"+apiVersion+p, nil)
	if err != nil {
		return fmt.Errorf("daemon GET %s: %w", p, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &apiError{path: p, err: c.transportError(err)}
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxAPIBody)
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(body, 4096))
		return &apiError{path: p, status: resp.StatusCode, err: fmt.Errorf("%s: %s", resp.Status, oneLine(string(msg), 200))}
	}
	if err := json.NewDecoder(body).Decode(v); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err) {
			return &apiError{path: p, err: fmt.Errorf("no complete answer within %s", c.opts.Timeout)}
		}
		return &apiError{path: p, err: fmt.Errorf("the answer is not the JSON a Docker daemon sends (%v)", err)}
	}
	return nil
}

// apiError is a failed daemon API call; status is the HTTP status when the
// daemon answered one.
type apiError struct {
	path   string
	status int
	err    error
}

func (e *apiError) Error() string { return "GET " + e.path + ": " + e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

// transportError words a failed request for a person: the endpoint did not
// answer in time, refused, or spoke something other than HTTP.
func (c *collector) transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case isTimeout(err):
		return fmt.Errorf("no answer within %s (is the daemon hung?)", c.opts.Timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return errors.New("connection refused (nothing listens on the socket; is dockerd running?)")
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("the socket does not exist (is dockerd running? see --host)")
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s: permission denied on the socket (be root or in the docker group)", needsRoot)
	}
	msg := err.Error()
	if i := strings.Index(msg, "malformed HTTP"); i >= 0 {
		return fmt.Errorf("the answer is not HTTP, so not a Docker daemon (%s)", oneLine(msg[i:], 200))
	}
	return fmt.Errorf("%s", oneLine(msg, 300))
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// oneLine folds s onto one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func (c *collector) daemonAPI(ctx context.Context, f *Facts) {
	if err := c.setupHTTP(); err != nil {
		f.Daemon.Error = err.Error()
		return
	}
	f.Daemon.Endpoint = c.endpoint
	var info Info
	if err := c.get(ctx, "/info", &info); err != nil {
		f.Daemon.Error = err.Error()
		return
	}
	if info.ServerVersion == "" && info.ID == "" && info.DockerRootDir == "" {
		f.Daemon.Error = "GET /info: the answer has no ServerVersion, ID or DockerRootDir: not a Docker daemon"
		return
	}
	f.Daemon.Info = &info
	var ver Version
	if err := c.get(ctx, "/version", &ver); err != nil {
		f.Daemon.Partial = append(f.Daemon.Partial, err.Error())
	} else {
		f.Daemon.Version = &ver
	}
	var mu sync.Mutex
	partial := func(err error) {
		mu.Lock()
		f.Daemon.Partial = append(f.Daemon.Partial, err.Error())
		mu.Unlock()
	}

	var list []struct {
		ID string `json:"Id"`
	}
	if err := c.get(ctx, "/containers/json", &list); err != nil {
		// Without the list every container check would judge nothing:
		// the daemon counts as not asked.
		f.Daemon.Info, f.Daemon.Version = nil, nil
		f.Daemon.Error = err.Error()
		return
	}
	if len(list) > c.opts.MaxObjects {
		partial(fmt.Errorf("containers: %d running, only %d inspected", len(list), c.opts.MaxObjects))
		list = list[:c.opts.MaxObjects]
	}
	cs := make([]*Container, len(list))
	var inspectErr error
	parallel(len(list), func(i int) {
		var ct Container
		if err := c.get(ctx, "/containers/"+url.PathEscape(list[i].ID)+"/json", &ct); err != nil {
			// A container removed since the list is gone (404); any other
			// failure leaves a running container unjudged.
			var ae *apiError
			if errors.As(err, &ae) && ae.status == http.StatusNotFound {
				partial(err)
				return
			}
			mu.Lock()
			if inspectErr == nil {
				inspectErr = err
			}
			mu.Unlock()
			return
		}
		cs[i] = &ct
	})
	if inspectErr != nil {
		f.Daemon.Info, f.Daemon.Version = nil, nil
		f.Daemon.Error = inspectErr.Error()
		return
	}
	for _, ct := range cs {
		if ct != nil {
			f.Containers = append(f.Containers, *ct)
		}
	}
	sort.Slice(f.Containers, func(i, j int) bool { return f.Containers[i].Name < f.Containers[j].Name })

	if err := c.get(ctx, "/images/json", &f.Images); err != nil {
		partial(err)
	}
	if len(f.Images) > c.opts.MaxObjects {
		partial(fmt.Errorf("images: %d present, only %d inspected", len(f.Images), c.opts.MaxObjects))
		f.Images = f.Images[:c.opts.MaxObjects]
	}
	parallel(len(f.Images), func(i int) {
		im := &f.Images[i]
		var inspect struct {
			Config *struct {
				User        string       `json:"User"`
				Healthcheck *Healthcheck `json:"Healthcheck"`
			} `json:"Config"`
		}
		if err := c.get(ctx, "/images/"+url.PathEscape(im.ID)+"/json", &inspect); err != nil {
			im.Error = err.Error()
			return
		}
		if inspect.Config != nil {
			im.User, im.Healthcheck = inspect.Config.User, inspect.Config.Healthcheck
		}
		var hist []struct {
			CreatedBy string `json:"CreatedBy"`
		}
		if err := c.get(ctx, "/images/"+url.PathEscape(im.ID)+"/history", &hist); err != nil {
			im.Error = err.Error()
			return
		}
		for _, h := range hist {
			im.History = append(im.History, h.CreatedBy)
		}
	})
	sort.Slice(f.Images, func(i, j int) bool { return f.Images[i].ID < f.Images[j].ID })

	var nets []Network
	if err := c.get(ctx, "/networks", &nets); err != nil {
		partial(err)
	}
	if len(nets) > c.opts.MaxObjects {
		partial(fmt.Errorf("networks: %d present, only %d inspected", len(nets), c.opts.MaxObjects))
		nets = nets[:c.opts.MaxObjects]
	}
	parallel(len(nets), func(i int) {
		var n Network
		if err := c.get(ctx, "/networks/"+url.PathEscape(nets[i].ID), &n); err != nil {
			partial(err)
			return
		}
		nets[i] = n
	})
	sort.Slice(nets, func(i, j int) bool { return nets[i].Name < nets[j].Name })
	f.Networks = nets
	sort.Strings(f.Daemon.Partial)
}

// parallel runs fn(0..n-1) on a few goroutines.
func parallel(n int, fn func(int)) {
	const workers = 8
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// --- dockerd process ------------------------------------------------------

func (c *collector) process(f *Facts) {
	if c.opts.DaemonPID > 0 {
		args, err := c.cmdline(c.opts.DaemonPID)
		if err != nil {
			f.Process.Error = reason(err)
			return
		}
		f.Process.PID, f.Process.Args = c.opts.DaemonPID, args
		f.Process.Flags = ParseDockerdFlags(args[1:])
		return
	}
	entries, err := os.ReadDir(c.hostPath("/proc"))
	if err != nil {
		f.Process.Error = reason(err)
		return
	}
	type cand struct {
		pid  int
		args []string
	}
	var cands []cand
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := c.readHostFile(path.Join("/proc", e.Name(), "comm"), 256)
		if err != nil || strings.TrimSpace(string(comm)) != "dockerd" {
			continue
		}
		args, err := c.cmdline(pid)
		if err != nil {
			continue
		}
		cands = append(cands, cand{pid, args})
	}
	if len(cands) == 0 {
		f.Process.Error = "no dockerd process found in /proc"
		if os.Geteuid() != 0 {
			f.Process.Error += " (" + needsRoot + " to see other users' processes)"
		}
		return
	}
	// The command line must be that of the daemon audited: a dockerd that
	// serves another socket says nothing about this one.
	var pick *cand
	for i := range cands {
		if c.serves(ParseDockerdFlags(cands[i].args[1:])["host"]) {
			pick = &cands[i]
			break
		}
	}
	if pick == nil {
		pids := make([]string, len(cands))
		for i, cd := range cands {
			pids[i] = strconv.Itoa(cd.pid)
		}
		f.Process.Error = fmt.Sprintf("no dockerd in /proc serves %s (dockerd pid %s serves others)", c.endpoint, strings.Join(pids, ", "))
		return
	}
	f.Process.PID, f.Process.Args = pick.pid, pick.args
	f.Process.Flags = ParseDockerdFlags(pick.args[1:])
}

// serves says whether a dockerd with these -H values listens where the
// audit asks.
func (c *collector) serves(hosts []string) bool {
	if c.sockPath != "" {
		return servesSocket(hosts, c.sockPath)
	}
	u, err := url.Parse(c.endpoint)
	if err != nil || u.Host == "" {
		return false
	}
	_, port, _ := net.SplitHostPort(u.Host)
	for _, h := range hosts {
		hu, err := url.Parse(h)
		if err != nil || hu.Scheme != "tcp" {
			continue
		}
		if hu.Host == u.Host {
			return true
		}
		hh, hp, _ := net.SplitHostPort(hu.Host)
		if hp == port && (hh == "" || hh == "0.0.0.0" || hh == "::") {
			return true
		}
	}
	return false
}

// servesSocket says whether a dockerd with these -H values listens on sock.
func servesSocket(hosts []string, sock string) bool {
	if sock == "" {
		return false
	}
	sock = runPath(sock)
	if len(hosts) == 0 {
		return sock == "/run/docker.sock"
	}
	for _, h := range hosts {
		if runPath(strings.TrimPrefix(h, "unix://")) == sock || (h == "fd://" && sock == "/run/docker.sock") {
			return true
		}
	}
	return false
}

// runPath spells /var/run/X as /run/X: /var/run is a link to /run.
func runPath(p string) string {
	if strings.HasPrefix(p, "/var/run/") {
		return p[len("/var"):]
	}
	return p
}

func (c *collector) cmdline(pid int) ([]string, error) {
	b, err := c.readHostFile(fmt.Sprintf("/proc/%d/cmdline", pid), 1<<20)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil, fmt.Errorf("read command line of pid %d: empty", pid)
	}
	return strings.Split(string(b), "\x00"), nil
}

// --- swarm ----------------------------------------------------------------------

// SwarmPort is the swarm management port CIS 7.2 wants bound to one
// interface.
const SwarmPort = 2377

func (c *collector) swarm(ctx context.Context, f *Facts) {
	if !f.Daemon.Info.SwarmActive() {
		return
	}
	s := &SwarmFacts{Secrets: -1}
	f.Swarm = s
	if f.Daemon.Info.Swarm.ControlAvailable {
		var secrets []json.RawMessage
		if err := c.get(ctx, "/secrets", &secrets); err != nil {
			s.SecretsError = err.Error()
		} else {
			s.Secrets = len(secrets)
		}
	} else {
		s.SecretsError = "only a manager lists swarm secrets"
	}
	// The listening sockets of dockerd's network namespace.
	if f.Process.PID <= 0 {
		s.ListenersError = "the dockerd process was not found: " + orUnset(f.Process.Error)
		return
	}
	var tables [][]byte
	for _, name := range []string{"tcp", "tcp6"} {
		b, err := c.readHostFile(fmt.Sprintf("/proc/%d/net/%s", f.Process.PID, name), 64<<20)
		if errors.Is(err, fs.ErrNotExist) && name == "tcp6" {
			continue // no IPv6
		}
		if err != nil {
			s.ListenersError = reason(err)
			return
		}
		tables = append(tables, b)
	}
	for _, b := range tables {
		s.Listeners = append(s.Listeners, ListeningOn(b, SwarmPort)...)
	}
	sort.Strings(s.Listeners)
}

// Listener is one listening TCP socket of a /proc/net/tcp{,6} table.
type Listener struct {
	IP    net.IP
	Port  int
	Inode string
}

// String is "0.0.0.0:80" or "[::]:80".
func (l Listener) String() string { return net.JoinHostPort(l.IP.String(), strconv.Itoa(l.Port)) }

// ParseListeners reads the listening sockets of a /proc/net/tcp or tcp6
// table.
func ParseListeners(table []byte) []Listener {
	var out []Listener
	for i, line := range strings.Split(string(table), "\n") {
		fs := strings.Fields(line)
		if i == 0 || len(fs) < 10 || fs[3] != "0A" { // 0A: LISTEN
			continue
		}
		host, p, ok := strings.Cut(fs[1], ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(p, 16, 16)
		if err != nil {
			continue
		}
		ip, ok := procIP(host)
		if !ok {
			continue
		}
		out = append(out, Listener{IP: ip, Port: int(n), Inode: fs[9]})
	}
	return out
}

// ListeningOn reads a /proc/net/tcp or tcp6 table and returns the local
// addresses ("0.0.0.0:2377", "[::1]:2377") of sockets listening on port.
func ListeningOn(table []byte, port int) []string {
	var out []string
	for _, l := range ParseListeners(table) {
		if l.Port == port {
			out = append(out, l.String())
		}
	}
	return out
}

// procIP decodes the hex address of /proc/net/tcp{,6}: 32-bit words in
// host (little-endian) order.
func procIP(h string) (net.IP, bool) {
	if len(h) != 8 && len(h) != 32 {
		return nil, false
	}
	ip := make(net.IP, len(h)/2)
	for w := 0; w < len(h)/8; w++ {
		v, err := strconv.ParseUint(h[w*8:w*8+8], 16, 32)
		if err != nil {
			return nil, false
		}
		ip[w*4], ip[w*4+1], ip[w*4+2], ip[w*4+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return ip, true
}

// --- daemon.json ------------------------------------------------------------

func (c *collector) config(f *Facts) {
	p := c.opts.DaemonConfig
	if p == "" {
		if v := f.Process.Flags["config-file"]; len(v) > 0 {
			p = v[len(v)-1]
		}
	}
	if p == "" && f.Process.Args == nil && f.Process.Error != "" && !c.defaultEndpoint() {
		// Another daemon than the local default one, whose command line
		// was not found: this host's daemon.json may not be its.
		f.Config.Error = "the configuration file of the daemon at " + c.endpoint + " is unknown (" + f.Process.Error + "; name it with --daemon-config)"
		return
	}
	if p == "" {
		p = "/etc/docker/daemon.json"
	}
	f.Config.Path = p
	b, err := c.readHostFile(p, 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		f.Config.Error = reason(err)
		return
	}
	f.Config.Present = true
	vals, err := ParseDaemonConfig(b)
	if err != nil {
		f.Config.Error = fmt.Sprintf("parse %q: %v", p, err)
		return
	}
	f.Config.Values = vals
}

// ParseDaemonConfig reads a daemon.json document. It must be one JSON
// object; an empty file is an empty configuration.
func ParseDaemonConfig(b []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return map[string]any{}, nil
	}
	var vals map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&vals); err != nil {
		return nil, fmt.Errorf("daemon configuration: %w", err)
	}
	if vals == nil {
		return nil, errors.New("daemon configuration: not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("daemon configuration: data after the JSON object")
	}
	return vals, nil
}

// --- files ------------------------------------------------------------------

var unitDirs = []string{"/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"}

func (c *collector) stat(p string) FileFact {
	ff := FileFact{Path: p}
	fi, err := os.Stat(c.hostPath(p))
	if errors.Is(err, fs.ErrNotExist) {
		return ff
	}
	if err != nil {
		ff.Error = reason(err)
		return ff
	}
	ff.Exists = true
	ff.Mode = uint32(fi.Mode().Perm())
	if fi.Mode()&fs.ModeSetuid != 0 {
		ff.Mode |= 0o4000
	}
	if fi.Mode()&fs.ModeSetgid != 0 {
		ff.Mode |= 0o2000
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		ff.Mode |= 0o1000
	}
	ff.UID, ff.GID = fileOwner(fi)
	c.loadNames()
	ff.Owner, ff.Group = c.users[ff.UID], c.groups[ff.GID]
	return ff
}

func (c *collector) loadNames() {
	if c.users != nil {
		return
	}
	c.users, c.groups = map[int]string{}, map[int]string{}
	read := func(p string, into map[int]string) {
		b, err := c.readHostFile(p, 8<<20)
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(b), "\n") {
			fs := strings.Split(line, ":")
			if len(fs) < 3 {
				continue
			}
			if id, err := strconv.Atoi(fs[2]); err == nil {
				if _, dup := into[id]; !dup {
					into[id] = fs[0]
				}
			}
		}
	}
	read("/etc/passwd", c.users)
	read("/etc/group", c.groups)
}

func (c *collector) unit(name string) FileFact {
	for _, d := range unitDirs {
		ff := c.stat(path.Join(d, name))
		if ff.Exists || ff.Error != "" {
			return ff
		}
	}
	return FileFact{Path: path.Join(unitDirs[1], name)}
}

func (c *collector) files(f *Facts) {
	f.Files[FileDockerService] = c.unit("docker.service")
	f.Files[FileDockerSocket] = c.unit("docker.socket")
	f.Files[FileEtcDocker] = c.stat("/etc/docker")
	sock := c.sockPath
	if sock == "" {
		sock = DefaultSocket
	}
	f.Files[FileDockerSock] = c.stat(sock)
	if f.Config.Path == "" {
		f.Files[FileDaemonJSON] = FileFact{Error: f.Config.Error}
	} else {
		f.Files[FileDaemonJSON] = c.stat(f.Config.Path)
	}
	f.Files[FileDefaultDocker] = c.stat(FileDefaultDocker)
	f.Files[FileSysconfigDocker] = c.stat(FileSysconfigDocker)
	cs := "/run/containerd/containerd.sock"
	if v := f.Process.Flags["containerd"]; len(v) > 0 {
		cs = v[len(v)-1]
	}
	ff := c.stat(cs)
	if !ff.Exists && ff.Error == "" && len(f.Process.Flags["containerd"]) == 0 {
		// dockerd started without --containerd runs its own containerd.
		if alt := c.stat("/var/run/docker/containerd/containerd.sock"); alt.Exists {
			ff = alt
		}
	}
	f.Files[FileContainerdSock] = ff

	dir := "/etc/docker/certs.d"
	regs, err := os.ReadDir(c.hostPath(dir))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			f.RegistryCertsError = reason(err)
		}
		return
	}
	for _, r := range regs {
		if !r.IsDir() {
			continue
		}
		files, err := os.ReadDir(c.hostPath(path.Join(dir, r.Name())))
		if err != nil {
			f.RegistryCertsError = reason(err)
			continue
		}
		for _, e := range files {
			if strings.HasSuffix(e.Name(), ".crt") || strings.HasSuffix(e.Name(), ".cert") || strings.HasSuffix(e.Name(), ".key") {
				f.RegistryCerts = append(f.RegistryCerts, c.stat(path.Join(dir, r.Name(), e.Name())))
			}
		}
		if len(f.RegistryCerts) > 10000 {
			f.RegistryCertsError = "more than 10000 files under certs.d; the rest were not read"
			return
		}
	}
}

func (c *collector) tls(f *Facts) {
	for _, name := range []string{"tlscacert", "tlscert", "tlskey"} {
		s := f.Setting(name)
		if !s.Set() || s.Last() == "" {
			continue
		}
		t := TLSFact{Setting: name, File: c.stat(s.Last())}
		if t.File.Exists && name != "tlskey" {
			b, err := c.readHostFile(s.Last(), 1<<20)
			if err != nil {
				t.Error = reason(err)
			} else if blk, _ := pem.Decode(b); blk == nil {
				t.Error = fmt.Sprintf("%q holds no PEM block", s.Last())
			} else if cert, err := x509.ParseCertificate(blk.Bytes); err != nil {
				t.Error = fmt.Sprintf("parse certificate %q: %v", s.Last(), err)
			} else {
				t.NotAfter, t.Subject = cert.NotAfter.UTC(), cert.Subject.String()
			}
		}
		f.TLS = append(f.TLS, t)
	}
}

// --- audit rules, group, mounts, env ----------------------------------------

func (c *collector) auditRules(ctx context.Context, f *Facts) {
	if !c.opts.SkipAuditctl && c.root == "/" && os.Geteuid() == 0 {
		if bin, err := exec.LookPath("auditctl"); err == nil {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			out, err := exec.CommandContext(cctx, bin, "-l").Output()
			cancel()
			if err == nil {
				f.AuditRules.Source = "auditctl -l"
				f.AuditRules.Rules = ParseAuditRules(out)
				return
			}
		}
	}
	var files []string
	if m, err := filepath.Glob(c.hostPath("/etc/audit/rules.d/*.rules")); err == nil {
		sort.Strings(m)
		files = append(files, m...)
	}
	files = append(files, c.hostPath("/etc/audit/audit.rules"))
	var read []string
	var firstErr error
	for _, p := range files {
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		rel := p
		if c.root != "/" {
			if r, err := filepath.Rel(c.root, p); err == nil {
				rel = "/" + filepath.ToSlash(r)
			}
		}
		read = append(read, rel)
		f.AuditRules.Rules = append(f.AuditRules.Rules, ParseAuditRules(b)...)
	}
	if firstErr != nil && len(read) == 0 {
		f.AuditRules.Error = reason(firstErr)
		return
	}
	if len(read) == 0 {
		f.AuditRules.Source = "no auditctl and no rule files under /etc/audit"
		return
	}
	f.AuditRules.Source = strings.Join(read, ", ")
}

// ParseAuditRules returns the rule lines of an audit rules file or of
// `auditctl -l` output, without comments and blank lines.
func ParseAuditRules(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") || l == "No rules" {
			continue
		}
		out = append(out, l)
	}
	return out
}

func (c *collector) group(f *Facts) {
	b, err := c.readHostFile("/etc/group", 8<<20)
	if err != nil {
		f.DockerGroup.Error = reason(err)
		return
	}
	g := ParseGroup(b, "docker")
	f.DockerGroup = g
}

// ParseGroup finds a group in an /etc/group document.
func ParseGroup(b []byte, name string) GroupFacts {
	for _, line := range strings.Split(string(b), "\n") {
		fs := strings.Split(strings.TrimSpace(line), ":")
		if len(fs) < 4 || fs[0] != name {
			continue
		}
		g := GroupFacts{Found: true}
		g.GID, _ = strconv.Atoi(fs[2])
		for _, m := range strings.Split(fs[3], ",") {
			if m = strings.TrimSpace(m); m != "" {
				g.Members = append(g.Members, m)
			}
		}
		return g
	}
	return GroupFacts{}
}

func (c *collector) dataRoot(f *Facts) {
	p := "/var/lib/docker"
	if f.Daemon.Info != nil && f.Daemon.Info.DockerRootDir != "" {
		p = f.Daemon.Info.DockerRootDir
	} else if s := f.Setting("data-root"); s.Set() {
		p = s.Last()
	}
	f.DataRoot.Path = p
	b, err := c.readHostFile("/proc/self/mountinfo", 16<<20)
	if err != nil {
		f.DataRoot.Error = reason(err)
		return
	}
	resolved := p
	if c.root == "/" {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			resolved = r
		}
	}
	m, root := MountOf(b, resolved)
	f.DataRoot.MountPoint, f.DataRoot.FSType = m.MountPoint, m.FSType
	f.DataRoot.Device, f.DataRoot.BindOf, f.DataRoot.RootDevice = m.Device, "", root.Device
	if m.Root != "/" && m.Root != "" {
		f.DataRoot.BindOf = m.Root
	}
	// A mount point of its own is not enough: a bind mount of a folder of
	// the root disk is the same partition. The devices tell.
	f.DataRoot.Separate = m.MountPoint == resolved && m.MountPoint != "/" && (root.Device == "" || m.Device != root.Device)
}

// MountEntry is one line of /proc/self/mountinfo.
type MountEntry struct {
	// Device is the file system's major:minor.
	Device string
	// Root is the folder of that file system mounted here: "/" for a whole
	// file system, another path for a bind mount.
	Root       string
	MountPoint string
	FSType     string
	Source     string
}

// MountOf returns the mount holding p (the longest mount point that is p or
// a parent of it; the last one mounted wins a tie) and the mount at "/".
func MountOf(mountinfo []byte, p string) (holder, root MountEntry) {
	for _, line := range strings.Split(string(mountinfo), "\n") {
		fs := strings.Fields(line)
		if len(fs) < 10 {
			continue
		}
		m := MountEntry{Device: fs[2], Root: unescapeMount(fs[3]), MountPoint: unescapeMount(fs[4])}
		for i := 6; i < len(fs)-1; i++ {
			if fs[i] == "-" {
				m.FSType = fs[i+1]
				if i+2 < len(fs) {
					m.Source = unescapeMount(fs[i+2])
				}
				break
			}
		}
		if m.MountPoint == "/" {
			root = m
		}
		if m.MountPoint == p || m.MountPoint == "/" || strings.HasPrefix(p, m.MountPoint+"/") {
			if len(m.MountPoint) >= len(holder.MountPoint) {
				holder = m
			}
		}
	}
	return holder, root
}

// MountPointOf returns the mount point holding p and its file system type,
// reading /proc/self/mountinfo.
func MountPointOf(mountinfo []byte, p string) (string, string) {
	m, _ := MountOf(mountinfo, p)
	return m.MountPoint, m.FSType
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func (c *collector) env(f *Facts) {
	get := os.Getenv
	if c.opts.Env != nil {
		get = func(k string) string { return c.opts.Env[k] }
	}
	f.Env = map[string]string{"DOCKER_CONTENT_TRUST": get("DOCKER_CONTENT_TRUST")}
}

var binDirs = []string{"/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"}

func (c *collector) binary(name string) FileFact {
	for _, d := range binDirs {
		ff := c.stat(path.Join(d, name))
		if ff.Exists {
			return ff
		}
	}
	return FileFact{Path: path.Join(binDirs[0], name)}
}

func (c *collector) auditTargets(f *Facts) {
	t := map[string]FileFact{}
	dockerd := FileFact{}
	if f.Process.PID > 0 && c.root == "/" {
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", f.Process.PID)); err == nil {
			dockerd = c.stat(exe)
		}
	}
	if !dockerd.Exists {
		dockerd = c.binary("dockerd")
	}
	t["1.1.3"] = dockerd
	t["1.1.4"] = c.stat("/run/containerd")
	dr := f.DataRoot.Path
	if dr == "" {
		dr = "/var/lib/docker"
	}
	t["1.1.5"] = c.stat(dr)
	t["1.1.6"] = f.Files[FileEtcDocker]
	t["1.1.7"] = f.Files[FileDockerService]
	t["1.1.8"] = f.Files[FileContainerdSock]
	t["1.1.9"] = f.Files[FileDockerSocket]
	t["1.1.10"] = f.Files[FileDefaultDocker]
	t["1.1.11"] = f.Files[FileDaemonJSON]
	t["1.1.12"] = c.stat("/etc/containerd/config.toml")
	t["1.1.13"] = f.Files[FileSysconfigDocker]
	t["1.1.14"] = c.binary("containerd")
	t["1.1.15"] = c.binary("containerd-shim")
	t["1.1.16"] = c.binary("containerd-shim-runc-v1")
	t["1.1.17"] = c.binary("containerd-shim-runc-v2")
	t["1.1.18"] = c.binary("runc")
	f.AuditTargets = t
}

// containerProcesses finds the command names of each container's
// processes: from /proc, through the container id in each process's cgroup
// path, and for a container /proc shows no process of (not root and /proc
// mounted with hidepid, a rootless or remote daemon) from the daemon's own
// process list (GET /containers/ID/top), which a docker group member may
// ask for.
func (c *collector) containerProcesses(ctx context.Context, f *Facts) {
	if len(f.Containers) == 0 {
		return
	}
	byID := map[string]int{}
	for i := range f.Containers {
		byID[f.Containers[i].ID] = i
	}
	found := make([][]string, len(f.Containers))
	pids := make([][]string, len(f.Containers))
	procErr := ""
	if entries, err := os.ReadDir(c.hostPath("/proc")); err != nil {
		procErr = reason(err)
	} else if !c.defaultEndpoint() && !c.localDaemon(f) {
		procErr = "the daemon's processes are not this host's"
	} else {
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			cg, err := c.readHostFile(path.Join("/proc", e.Name(), "cgroup"), 64<<10)
			if err != nil {
				continue
			}
			i, ok := byID[containerIDInCgroup(string(cg))]
			if !ok {
				continue
			}
			comm, err := c.readHostFile(path.Join("/proc", e.Name(), "comm"), 256)
			if err != nil {
				continue
			}
			found[i] = append(found[i], strings.TrimSpace(string(comm)))
			pids[i] = append(pids[i], e.Name())
		}
	}
	c.hostListeners(f, pids)
	for i := range f.Containers {
		ct := &f.Containers[i]
		if len(found[i]) > 0 {
			ct.Processes = found[i]
			ct.ProcessesSource = "/proc"
			sort.Strings(ct.Processes)
			continue
		}
		// A running container has at least one process: /proc did not
		// show it, so ask the daemon.
		names, err := c.top(ctx, ct.ID)
		if err != nil {
			why := err.Error()
			if procErr != "" {
				why = procErr + "; " + why
			}
			ct.ProcessesError = why
			continue
		}
		ct.Processes, ct.ProcessesSource = names, "daemon API (container top)"
		sort.Strings(ct.Processes)
	}
}

// hostListeners finds the TCP ports each host-network container listens
// on: the listening sockets of the host's network namespace whose inode one
// of the container's processes holds open. Reading other users' open files
// needs root.
func (c *collector) hostListeners(f *Facts, pids [][]string) {
	var tables map[string]Listener
	for i := range f.Containers {
		ct := &f.Containers[i]
		if ct.HostConfig.NetworkMode != "host" {
			continue
		}
		if len(pids[i]) == 0 {
			ct.HostListenersError = "the container's processes were not found in /proc"
			continue
		}
		if tables == nil {
			tables = map[string]Listener{}
			for _, name := range []string{"tcp", "tcp6"} {
				b, err := c.readHostFile(path.Join("/proc", pids[i][0], "net", name), 64<<20)
				if err != nil {
					continue
				}
				for _, l := range ParseListeners(b) {
					tables[l.Inode] = l
				}
			}
		}
		seen := map[string]bool{}
		ct.HostListeners = []string{}
		for _, pid := range pids[i] {
			dir := c.hostPath(path.Join("/proc", pid, "fd"))
			fds, err := os.ReadDir(dir)
			if err != nil {
				if errors.Is(err, fs.ErrPermission) {
					ct.HostListeners, ct.HostListenersError = nil, needsRoot+" to see which sockets the container's processes hold"
					break
				}
				continue
			}
			for _, fd := range fds {
				link, err := os.Readlink(filepath.Join(dir, fd.Name()))
				if err != nil || !strings.HasPrefix(link, "socket:[") {
					continue
				}
				if l, ok := tables[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")]; ok && !seen[l.String()] {
					seen[l.String()] = true
					ct.HostListeners = append(ct.HostListeners, l.String()+"/tcp")
				}
			}
		}
		sort.Strings(ct.HostListeners)
	}
}

// defaultEndpoint says whether the audit asks the host's default daemon
// socket (whatever named it: nothing, --host or DOCKER_HOST).
func (c *collector) defaultEndpoint() bool {
	return c.sockPath != "" && runPath(c.sockPath) == "/run/docker.sock"
}

// localDaemon says whether the daemon audited runs on this host: its
// process was found in /proc.
func (c *collector) localDaemon(f *Facts) bool { return f.Process.PID > 0 }

// top asks the daemon for a container's processes and returns their
// command names.
func (c *collector) top(ctx context.Context, id string) ([]string, error) {
	var t struct {
		Titles    []string   `json:"Titles"`
		Processes [][]string `json:"Processes"`
	}
	if err := c.get(ctx, "/containers/"+url.PathEscape(id)+"/top", &t); err != nil {
		return nil, err
	}
	return TopCommands(t.Titles, t.Processes)
}

// TopCommands reads the command names out of a container top answer: the
// CMD (or COMMAND) column, its first word's base name ("/usr/sbin/sshd -D"
// and "sshd: /usr/sbin/sshd" both give "sshd").
func TopCommands(titles []string, procs [][]string) ([]string, error) {
	col := -1
	for i, t := range titles {
		if t == "CMD" || t == "COMMAND" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("container top: no CMD column in %q", titles)
	}
	names := []string{}
	for _, p := range procs {
		if col >= len(p) {
			continue
		}
		fs := strings.Fields(p[col])
		if len(fs) == 0 {
			continue
		}
		n := strings.TrimSuffix(path.Base(fs[0]), ":")
		if n != "" && n != "." && n != "/" {
			names = append(names, n)
		}
	}
	return names, nil
}

// containerIDInCgroup finds a 64-hex container id in a /proc/PID/cgroup
// document ("/docker/<id>", "docker-<id>.scope").
func containerIDInCgroup(s string) string {
	for _, line := range strings.Split(s, "\n") {
		for _, part := range strings.FieldsFunc(line, func(r rune) bool { return r == '/' || r == ':' || r == '-' || r == '.' }) {
			if len(part) == 64 && isHex(part) {
				return part
			}
		}
	}
	return ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
