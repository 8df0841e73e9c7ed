package atlas

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"

	"github.com/icholy/digest"
)

// newBaseTransport is a dedicated pool (never http.DefaultTransport, which other code may mutate)
// that honours HTTPS_PROXY and refuses anything older than TLS 1.2 unless tlsConfig says otherwise.
func newBaseTransport(maxConns int, tlsConfig *tls.Config) *http.Transport {
	if tlsConfig == nil {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:       tlsConfig,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   maxConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// newDigestTransport answers Digest challenges; the key is fetched per challenge so a rotated key file takes effect without a restart.
func newDigestTransport(base http.RoundTripper, publicKey string, privateKey func() (string, error)) http.RoundTripper {
	return &digest.Transport{
		Username:  publicKey,
		Transport: base,
		Digest: func(_ *http.Request, chal *digest.Challenge, opt digest.Options) (*digest.Credentials, error) {
			key, err := privateKey()
			if err != nil {
				return nil, err
			}
			opt.Password = key
			return digest.Digest(chal, opt)
		},
	}
}

// userAgentTransport names the exporter and its version to Atlas, so MongoDB support can tell our traffic apart.
type userAgentTransport struct {
	next      http.RoundTripper
	userAgent string
}

func (t *userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.userAgent)
	return t.next.RoundTrip(req)
}
