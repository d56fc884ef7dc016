package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/docker/cli/cli/config"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// remoteSource streams layer blobs from a registry.
type remoteSource struct {
	layers []v1.Layer
	tr     *registryTransport
}

func (r *remoteSource) open(_ context.Context, i int) (io.ReadCloser, error) {
	if i < 0 || i >= len(r.layers) {
		return nil, fmt.Errorf("layer %d: out of range", i)
	}
	return r.layers[i].Compressed()
}

func (r *remoteSource) close() error {
	if r.tr != nil {
		r.tr.base.CloseIdleConnections()
	}
	return nil
}

// isLoopback reports whether a registry host (host or host:port) is this
// machine.
func isLoopback(reg string) bool {
	host := reg
	if h, _, err := net.SplitHostPort(reg); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// configKeychain reads credentials from one docker config dir, credential
// helpers included.
type configKeychain struct{ dir string }

func (k configKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	cf, err := config.Load(k.dir)
	if err != nil {
		return nil, fmt.Errorf("read docker config in %s: %w", k.dir, err)
	}
	for _, key := range []string{target.String(), target.RegistryStr()} {
		if key == name.DefaultRegistry {
			key = authn.DefaultAuthKey
		}
		ac, err := cf.GetAuthConfig(key)
		if err != nil {
			return nil, fmt.Errorf("credentials for %q: %w", key, err)
		}
		if ac.Username != "" || ac.Password != "" || ac.Auth != "" || ac.IdentityToken != "" || ac.RegistryToken != "" {
			return authn.FromConfig(authn.AuthConfig{Username: ac.Username, Password: ac.Password, Auth: ac.Auth,
				IdentityToken: ac.IdentityToken, RegistryToken: ac.RegistryToken}), nil
		}
	}
	return authn.Anonymous, nil
}

func registryErr(ref, op string, err error) error {
	switch {
	case errors.Is(err, ErrTimeout):
		return &Error{Op: op, Ref: ref, Err: err, Hint: "the registry did not answer in time: check the host and the network"}
	case errors.Is(err, ErrInsecureRedirect):
		return &Error{Op: op, Ref: ref, Err: err, Hint: "--insecure allows plain http for the registry named in REF only"}
	}
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch terr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return &Error{Op: op, Ref: ref, Kind: ErrUnauthorized, Err: err}
		case http.StatusNotFound:
			return &Error{Op: op, Ref: ref, Kind: ErrNotFound, Err: err}
		}
		for _, d := range terr.Errors {
			switch d.Code {
			case transport.UnauthorizedErrorCode, transport.DeniedErrorCode:
				return &Error{Op: op, Ref: ref, Kind: ErrUnauthorized, Err: err}
			case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode, transport.BlobUnknownErrorCode:
				return &Error{Op: op, Ref: ref, Kind: ErrNotFound, Err: err}
			}
		}
	}
	return &Error{Op: op, Ref: ref, Err: err}
}

func openRegistry(ctx context.Context, ref, s string, o *options) (*Image, error) {
	var nopts []name.Option
	if o.insecure {
		nopts = append(nopts, name.Insecure)
	}
	r, err := name.ParseReference(s, nopts...)
	if err != nil {
		return nil, &Error{Op: "parse image name", Ref: ref, Kind: ErrBadRef, Err: err}
	}
	// Plain http only for the registry named, and only with --insecure or
	// on loopback (go-containerregistry would also try it for RFC 1918 and
	// .local hosts: the transport refuses that).
	reg := r.Context().Registry
	httpHost := ""
	if o.insecure || isLoopback(reg.RegistryStr()) {
		httpHost = reg.RegistryStr()
		if !o.insecure {
			// Keep go-containerregistry's http fallback for loopback.
			r, _ = name.ParseReference(s, name.Insecure)
		}
	}
	var kc authn.Keychain = authn.DefaultKeychain
	if o.configDir != "" {
		kc = configKeychain{dir: o.configDir}
	}
	tr := newRegistryTransport(o.timeouts, httpHost)
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc), remote.WithPlatform(o.platformOrDefault()),
		remote.WithTransport(tr)}
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, registryErr(ref, "fetch manifest", err)
	}
	var rimg v1.Image
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, registryErr(ref, "read index", err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, registryErr(ref, "read index", err)
		}
		d, err := pickDescriptor(im.Manifests, o.platformOrDefault(), true)
		if err != nil {
			return nil, &Error{Op: "pick platform", Ref: ref, Kind: ErrNotFound, Err: err, Hint: "pick one of the listed platforms with --platform"}
		}
		rimg, err = idx.Image(d.Digest)
		if err != nil {
			return nil, registryErr(ref, "fetch manifest", err)
		}
	} else {
		rimg, err = desc.Image()
		if err != nil {
			return nil, registryErr(ref, "fetch manifest", err)
		}
	}
	img, err := fromV1(ctx, ref, r, rimg)
	if err != nil {
		tr.base.CloseIdleConnections()
		return nil, err
	}
	img.src.(*remoteSource).tr = tr
	return img, nil
}

func fromV1(_ context.Context, ref string, r name.Reference, rimg v1.Image) (*Image, error) {
	digest, err := rimg.Digest()
	if err != nil {
		return nil, registryErr(ref, "read manifest", err)
	}
	m, err := rimg.Manifest()
	if err != nil {
		return nil, registryErr(ref, "read manifest", err)
	}
	if len(m.Layers) > maxLayersPerImage {
		return nil, &Error{Op: "read manifest", Ref: ref, Err: fmt.Errorf("%d layers: %w", len(m.Layers), ErrLimit)}
	}
	cf, err := rimg.ConfigFile()
	if err != nil {
		return nil, registryErr(ref, "read config", err)
	}
	layers, err := rimg.Layers()
	if err != nil {
		return nil, registryErr(ref, "read layers", err)
	}
	img := &Image{
		Source: SourceRegistry,
		Digest: digest.String(),
		ID:     m.Config.Digest.String(),
		src:    &remoteSource{layers: layers},
	}
	if t, ok := r.(name.Tag); ok {
		img.RepoTags = []string{t.Name()}
	}
	img.RepoDigests = []string{r.Context().Name() + "@" + digest.String()}
	for _, l := range m.Layers {
		img.Layers = append(img.Layers, Layer{Digest: l.Digest.String(), Size: l.Size, MediaType: string(l.MediaType)})
	}
	img.fillFromConfig(cf)
	return img, nil
}
