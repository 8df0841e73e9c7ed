package atlastest

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// realm is the realm Atlas names in its challenge.
const realm = "MMS Public API"

// newNonce issues a nonce and remembers when, so it can expire like Atlas's short-lived nonces.
func (s *Server) newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	n := hex.EncodeToString(b)
	s.mu.Lock()
	s.nonces[n] = s.now()
	s.mu.Unlock()
	return n
}

// Challenge answers 401 with a fresh Digest challenge and Atlas's error body.
func (s *Server) Challenge(w http.ResponseWriter) {
	s.mu.Lock()
	s.stats.Challenges++
	s.mu.Unlock()
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(
		`Digest realm="%s", domain="", nonce="%s", algorithm=MD5, qop="auth", stale=false`, realm, s.newNonce()))
	WriteError(w, http.StatusUnauthorized, "UNEXPECTED_ERROR",
		"You are not authorized for this resource.", "Unauthorized", false)
}

// authorized checks a service account's bearer token, or Digest as RFC 7616 with MD5 and
// qop=auth defines it.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if strings.HasPrefix(h, "Bearer ") {
		return s.bearerAuthorized(h)
	}
	const prefix = "Digest "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	p := parseAuthParams(h[len(prefix):])
	s.mu.Lock()
	issued, known := s.nonces[p["nonce"]]
	pub, priv := s.publicKey, s.privateKey
	s.mu.Unlock()
	if !known || s.now().Sub(issued) > s.opts.NonceTTL {
		return false
	}
	if p["username"] != pub || p["realm"] != realm || p["uri"] != r.URL.RequestURI() || p["qop"] != "auth" {
		return false
	}
	if alg := p["algorithm"]; alg != "" && !strings.EqualFold(alg, "MD5") {
		return false
	}
	ha1 := md5hex(pub + ":" + realm + ":" + priv)
	ha2 := md5hex(r.Method + ":" + p["uri"])
	want := md5hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	return subtle.ConstantTimeCompare([]byte(want), []byte(p["response"])) == 1
}

// ExpireNonces makes every nonce issued so far stale, as Atlas's short-lived nonces become: the
// next request on one gets a fresh challenge.
func (s *Server) ExpireNonces() {
	stale := s.now().Add(-s.opts.NonceTTL - time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	for n := range s.nonces {
		s.nonces[n] = stale
	}
}

// expireNonces forgets nonces past their lifetime so a long demo does not grow without bound.
func (s *Server) expireNonces() {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, t := range s.nonces {
		if now.Sub(t) > s.opts.NonceTTL {
			delete(s.nonces, n)
		}
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// parseAuthParams splits `k=v, k="v, with comma"` pairs; quoted values may hold commas and escaped quotes.
func parseAuthParams(s string) map[string]string {
	out := map[string]string{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " ,\t")
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			val, s = b.String(), s[min(i+1, len(s)):]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
		}
		out[key] = val
	}
	return out
}

// nonceSweepEvery is how often a running simulator forgets expired nonces.
const nonceSweepEvery = time.Minute
