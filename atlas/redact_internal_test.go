package atlas

import (
	"strings"
	"testing"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/redact"
)

// Free text from upstream (an errorMessage, a proxy's page, a decoder's complaint) loses every
// secret-shaped part, and keeps the words around it.
func TestRedactShapesInFreeText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, secret, keep string
	}{
		{"password=", "login failed: password=hunter2hunter2 for user x", "hunter2hunter2", "login failed"},
		{"JSON secret", `{"client_secret": "sk-live-123456789", "code": 1}`, "sk-live-123456789", `"code": 1`},
		{"aws key", "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG", "wJalrXUtnFEMI", ""},
		{"signature in a query", "X-Amz-Signature=deadbeefcafe0011&X-Amz-Date=1", "deadbeefcafe0011", ""},
		{"token:", "access token: eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGciOiJIUzI1NiJ9", "access"},
		{"connection string", "cannot reach mongodb+srv://admin:S3cretPass@cluster0.example.net/db", "S3cretPass", "cannot reach"},
		{"s3 URL with a path", "upload to s3://backups-bucket/cluster0/snap.tar.gz failed", "snap.tar.gz", "failed"},
		{"gs URL", "see gs://bucket-x/restore/key.tgz", "restore/key.tgz", "see"},
		{"JSON Pointer URL", "decode: at /https:~1~1restore.mongodb.net~1dl~1abc123: bad", "abc123", "decode"},
		{"bare base64 Basic", "auth dXNlcjpwYXNzd29yZDEyMw== rejected", "dXNlcjpwYXNzd29yZDEyMw==", "rejected"},
		{"an ObjectID stays", "job 6b77893b80eef5354c77ee15 failed", "", "6b77893b80eef5354c77ee15"},
		{"an error code stays", "RATE_LIMITED_TOKEN_BUCKET: try later", "", "RATE_LIMITED_TOKEN_BUCKET: try later"},
		{"prose stays", "the token: expired", "", "the token: expired"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := cleanDetail(c.in)
			if c.secret != "" && strings.Contains(got, c.secret) {
				t.Errorf("%q kept %q: %s", c.in, c.secret, got)
			}
			if c.secret != "" && !strings.Contains(got, redact.Placeholder) {
				t.Errorf("%q: nothing redacted: %s", c.in, got)
			}
			if !strings.Contains(got, c.keep) {
				t.Errorf("%q lost %q: %s", c.in, c.keep, got)
			}
		})
	}
	if got := cleanDetail(strings.Repeat("x", 10000)); len(got) > maxDetailLen+4 {
		t.Errorf("free text of 10,000 bytes came out %d bytes long", len(got))
	}
}
