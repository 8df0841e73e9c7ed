package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/internal/testkit"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns a pool trusting it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "exporter"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TLS and bcrypt basic auth from exporter-toolkit guard every page: metrics, probe and landing page.
func TestWebConfigTLSAndBasicAuth(t *testing.T) {
	t.Parallel()
	_, url := simulator(t)
	dir := t.TempDir()
	cfgPath := writeConfig(t, dir, url, privateKey, "")
	certFile, keyFile, pool := selfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webCfg := filepath.Join(dir, "web.yml")
	if err := os.WriteFile(webCfg, []byte("tls_server_config:\n  cert_file: "+certFile+"\n  key_file: "+keyFile+
		"\nbasic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr testkit.Buffer
	go func() {
		done <- run(ctx, []string{"--config.file=" + cfgPath, "--web.config.file=" + webCfg, "--web.listen-address=" + addr}, io.Discard, &stderr)
	}()
	defer func() {
		cancel()
		<-done
	}()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	defer client.CloseIdleConnections()
	get := func(path, user, pass string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "https://"+addr+path, nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code, _ := get("/-/healthy", "prometheus", "s3cret"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("exporter did not come up over TLS:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, path := range []string{"/metrics", "/probe?target=" + groupID, "/"} {
		if code, body := get(path, "prometheus", "s3cret"); code != 200 {
			t.Errorf("%s with the right password: %d %.200s", path, code, body)
		}
		for _, creds := range [][2]string{{"prometheus", "wrong"}, {"", ""}, {"other", "s3cret"}} {
			code, body := get(path, creds[0], creds[1])
			if code != http.StatusUnauthorized || strings.Contains(body, "mongodbatlas") {
				t.Errorf("%s as %q/%q: %d, body %.100q; want 401 and no data", path, creds[0], creds[1], code, body)
			}
		}
	}
	if code, body := get("/metrics", "prometheus", "s3cret"); !strings.Contains(body, "mongodbatlas_up 1") {
		t.Errorf("metrics over TLS: %d %.300s", code, body)
	}
	// Plain HTTP to the TLS port gets nothing useful.
	resp, err := http.Get("http://" + addr + "/metrics")
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "mongodbatlas") {
			t.Error("plain HTTP was served metrics")
		}
	}
}
