package enrich

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// DefaultDockerSocket is where the Docker daemon listens.
const DefaultDockerSocket = "/var/run/docker.sock"

// maxInspect bounds one inspect answer.
const maxInspect = 4 << 20

// Docker talks to the Docker Engine API over its unix socket (plain HTTP).
type Docker struct {
	c *http.Client
}

// NewDocker returns a client for the daemon at socket.
func NewDocker(socket string) *Docker {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConns: 4,
	}
	return &Docker{c: &http.Client{Transport: tr}}
}

// ContainerInfo is what enrichment needs from an inspect answer.
type ContainerInfo struct {
	event.Container
	UpperDir string // overlay upper directory, "" for other drivers
	Pid      uint32 // the container's init process on the host
}

// inspectJSON is the subset of GET /containers/{id}/json that is read.
type inspectJSON struct {
	ID      string `json:"Id"`
	Name    string `json:"Name"`
	Image   string `json:"Image"`
	Created string `json:"Created"`
	Config  struct {
		Image  string            `json:"Image"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
	HostConfig struct {
		Privileged bool `json:"Privileged"`
	} `json:"HostConfig"`
	State struct {
		Pid       uint32 `json:"Pid"`
		StartedAt string `json:"StartedAt"`
	} `json:"State"`
	GraphDriver struct {
		Name string            `json:"Name"`
		Data map[string]string `json:"Data"`
	} `json:"GraphDriver"`
}

// Inspect asks the daemon about one container.
func (d *Docker) Inspect(ctx context.Context, id string) (*ContainerInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/containers/"+url.PathEscape(id)+"/json", nil)
	if err != nil {
		return nil, fmt.Errorf("inspect container %q: %w", id, err)
	}
	resp, err := d.c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("inspect container %q: %w", id, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInspect))
	if err != nil {
		return nil, fmt.Errorf("inspect container %q: %w", id, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("inspect container %q: daemon answered %s", id, resp.Status)
	}
	return ParseInspect(body)
}

// ParseInspect reads a GET /containers/{id}/json answer.
func ParseInspect(body []byte) (*ContainerInfo, error) {
	var j inspectJSON
	if err := json.Unmarshal(body, &j); err != nil {
		return nil, fmt.Errorf("parse container inspect: %w", err)
	}
	if j.ID == "" {
		return nil, fmt.Errorf("parse container inspect: no Id")
	}
	ci := &ContainerInfo{
		Container: event.Container{
			ID:         j.ID,
			Name:       strings.TrimPrefix(j.Name, "/"),
			Image:      j.Config.Image,
			Privileged: j.HostConfig.Privileged,
			Labels:     j.Config.Labels,
		},
		Pid: j.State.Pid,
	}
	if ci.Image == "" {
		ci.Image = j.Image
	}
	ci.ImageRepository, ci.ImageTag, ci.ImageDigest = SplitImage(ci.Image)
	if t, err := time.Parse(time.RFC3339Nano, j.State.StartedAt); err == nil {
		ci.StartTime = t
	}
	if j.GraphDriver.Name == "overlay2" || j.GraphDriver.Name == "overlay" || j.GraphDriver.Data["UpperDir"] != "" {
		ci.UpperDir = j.GraphDriver.Data["UpperDir"]
	}
	return ci, nil
}

// SplitImage splits an image reference into repository, tag and digest:
// "registry:5000/team/app:1.2@sha256:ab" gives "registry:5000/team/app",
// "1.2", "sha256:ab". A reference without a tag or digest has tag "latest"
// unless it is an image id.
func SplitImage(ref string) (repo, tag, digest string) {
	if strings.HasPrefix(ref, "sha256:") {
		return "", "", ref
	}
	repo = ref
	if i := strings.Index(repo, "@"); i >= 0 {
		repo, digest = repo[:i], repo[i+1:]
	}
	if i := strings.LastIndex(repo, ":"); i >= 0 && !strings.Contains(repo[i+1:], "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	if tag == "" && digest == "" && repo != "" {
		tag = "latest"
	}
	return repo, tag, digest
}

// ContainerEvent is one container lifecycle message from GET /events.
type ContainerEvent struct {
	Action string // start, die, destroy, ...
	ID     string
}

// maxEventLine bounds one /events message.
const maxEventLine = 1 << 20

// Events streams container lifecycle messages until ctx ends or the
// connection breaks.
func (d *Docker) Events(ctx context.Context, fn func(ContainerEvent)) error {
	q := url.Values{"filters": {`{"type":["container"]}`}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/events?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("follow docker events: %w", err)
	}
	resp, err := d.c.Do(req)
	if err != nil {
		return fmt.Errorf("follow docker events: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("follow docker events: daemon answered %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	for sc.Scan() {
		var m struct {
			Type   string `json:"Type"`
			Action string `json:"Action"`
			Actor  struct {
				ID string `json:"ID"`
			} `json:"Actor"`
		}
		if json.Unmarshal(sc.Bytes(), &m) != nil || m.Type != "container" || m.Actor.ID == "" {
			continue
		}
		fn(ContainerEvent{Action: m.Action, ID: m.Actor.ID})
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("follow docker events: %w", err)
	}
	return nil
}
