package atlastest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

// serveToken is Atlas's OAuth 2.0 token endpoint for service accounts: client credentials in
// HTTP Basic, a form body, and a bearer token in JSON.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.stats.TokenRequests++
	id, secret := s.opts.ClientID, s.opts.ClientSecret
	s.mu.Unlock()
	if s.intercepted(RouteToken, w, r) {
		return
	}
	if r.Method != http.MethodPost {
		tokenError(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || id == "" || user != id || subtle.ConstantTimeCompare([]byte(pass), []byte(secret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "Invalid client credentials.")
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials.")
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[token] = s.now().Add(s.opts.TokenTTL)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": token, "expires_in": int(s.opts.TokenTTL.Seconds()), "token_type": "Bearer",
	})
}

func tokenError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// bearerAuthorized accepts an unexpired token this simulator issued.
func (s *Server) bearerAuthorized(h string) bool {
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	expiry, known := s.tokens[token]
	return known && s.now().Before(expiry)
}

// ExpireTokens ends every issued token now, as a revoked service account secret does.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = s.now()
	}
}
