package atlas

// Credential is how a client authenticates to the API: an APIKey or a ServiceAccount. One value
// of one type, so "both" and "neither" cannot be said; config decides which from the user's keys.
type Credential interface{ credential() }

// APIKey is a programmatic API key, answered with HTTP Digest. PrivateKey is called whenever a
// challenge is answered, so the key may rotate underneath (a key file rewritten in place).
type APIKey struct {
	PublicKey  string
	PrivateKey func() (string, error)
}

// ServiceAccount is a service account, exchanged for bearer tokens with OAuth 2.0 client
// credentials at TokenURL (default: the base URL's host at /api/oauth/token). ClientSecret is
// called for each token, so the secret may rotate underneath.
type ServiceAccount struct {
	ClientID     string
	ClientSecret func() (string, error)
	TokenURL     string
}

func (APIKey) credential()         {}
func (ServiceAccount) credential() {}
