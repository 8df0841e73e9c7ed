package config

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// credentials settles on an API key or a service account, taking from the environment only what
// the file leaves out, and refuses a config that names both.
func (c *Config) credentials(getenv func(string) string) []error {
	a := &c.Atlas
	fileKey := a.PublicKey != "" || a.PrivateKey != "" || a.PrivateKeyFile != ""
	fileSA := a.ClientID != "" || a.ClientSecret != "" || a.ClientSecretFile != ""
	envKey := getenv(EnvPublicKey) != "" || getenv(EnvPrivateKey) != ""
	envSA := getenv(EnvClientID) != "" || getenv(EnvClientSecret) != ""
	useSA := false
	switch {
	case fileKey && fileSA:
		return []error{errors.New("atlas: configure an API key (public_key, private_key_file) or a service account (client_id, client_secret_file), not both")}
	case fileKey:
	case fileSA:
		useSA = true
	case envKey && envSA:
		return []error{fmt.Errorf("atlas: the environment sets both an API key (%s, %s) and a service account (%s, %s); unset one", EnvPublicKey, EnvPrivateKey, EnvClientID, EnvClientSecret)}
	case envSA:
		useSA = true
	}
	var errs []error
	if useSA {
		c.secret, errs = pair("client_id", &a.ClientID, EnvClientID, "client_secret", a.ClientSecret, a.ClientSecretFile, EnvClientSecret, getenv)
	} else {
		c.key, errs = pair("public_key", &a.PublicKey, EnvPublicKey, "private_key", a.PrivateKey, a.PrivateKeyFile, EnvPrivateKey, getenv)
	}
	return errs
}

// pair settles one credential: its public half (user name or client ID) from the file or the
// environment, and its secret from a file, inline, or the environment.
func pair(idField string, id *string, idEnv, secretField string, inline Secret, file, secretEnv string,
	getenv func(string) string) (*keySource, []error) {
	var errs []error
	if *id == "" {
		*id = getenv(idEnv)
	}
	if *id == "" {
		errs = append(errs, fmt.Errorf("atlas.%s: not set, and %s is empty", idField, idEnv))
	}
	k, err := secretSource(secretField, inline, file, getenv(secretEnv), secretEnv)
	if err != nil {
		errs = append(errs, err)
	}
	return k, errs
}

// secretSource picks a secret from its file, inline value or environment variable, in that order.
func secretSource(field string, inline Secret, file, env, envName string) (*keySource, error) {
	switch {
	case file != "" && inline != "":
		return nil, fmt.Errorf("atlas: set %s or %s_file, not both", field, field)
	case file != "":
		k := &keySource{path: file, what: strings.ReplaceAll(field, "_", " ") + " file"}
		if _, err := k.Value(); err != nil {
			return nil, fmt.Errorf("atlas.%s_file: %w", field, err)
		}
		return k, nil
	case inline != "":
		return &keySource{inline: inline}, nil
	case env != "":
		return &keySource{inline: Secret(env)}, nil
	}
	return nil, fmt.Errorf("atlas: no %s: set %s_file, %s or %s", field, field, field, envName)
}

// buildTLS turns ca_file and min_tls_version into client TLS settings; TLS 1.2 is the floor.
func (a Atlas) buildTLS() (*tls.Config, [32]byte, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var caSum [32]byte
	switch a.MinTLSVersion {
	case "", "TLS12":
	case "TLS13":
		cfg.MinVersion = tls.VersionTLS13
	default:
		return nil, caSum, fmt.Errorf("atlas.min_tls_version: %q is not TLS12 or TLS13", clip(a.MinTLSVersion))
	}
	if a.CAFile != "" {
		pem, err := os.ReadFile(a.CAFile)
		if err != nil {
			return nil, caSum, fmt.Errorf("atlas.ca_file: %w", err)
		}
		caSum = sha256.Sum256(pem)
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, caSum, fmt.Errorf("atlas.ca_file: %s holds no PEM certificate", a.CAFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, caSum, nil
}

// ClientIdentity sums everything an API client is built from: the root, the credentials (their
// values or files), the token endpoint and the TLS settings with the CA bundle's content. Two
// configs with the same identity can share one client, its connections and its token, so a
// reload that changes nothing of it costs no token request.
func (c *Config) ClientIdentity() [32]byte {
	a := c.Atlas
	h := sha256.New()
	for _, f := range []string{a.BaseURL, a.PublicKey, string(a.PrivateKey), a.PrivateKeyFile, a.ClientID, string(a.ClientSecret),
		a.ClientSecretFile, a.TokenURL, a.CAFile, a.MinTLSVersion} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	h.Write(c.caSum[:])
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}
