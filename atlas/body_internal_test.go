package atlas

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// A 200's body is decoded as it arrives, within the cap: a body of exactly the cap decodes, one
// byte more is too large (not cut and decoded), a body that stops arriving is the connection's
// failure (retried), and one that arrives whole but is not JSON is the API's.
func TestDecodeBodyAsItArrives(t *testing.T) {
	const doc = `{"results": [{"id": "a"}, {"id": "b"}], "totalCount": 2}`
	c := &Client{opts: Options{MaxBodyBytes: int64(len(doc))}}
	var p page[struct {
		ID string `json:"id"`
	}]
	if err := c.decodeBody("/x", strings.NewReader(doc), &p); err != nil || len(p.Results) != 2 || p.Results[1].ID != "b" {
		t.Fatalf("a body of exactly the cap: %v, %+v", err, p)
	}
	if err := c.decodeBody("/x", strings.NewReader(doc+" "), &p); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("a byte past the cap: %v, want ErrBodyTooLarge", err)
	}
	c.opts.MaxBodyBytes = 1 << 20
	reset := errors.New("connection reset by peer")
	err := c.decodeBody("/x", io.MultiReader(strings.NewReader(doc[:20]), iotest.ErrReader(reset)), &p)
	var ce *connectionError
	if !errors.Is(err, reset) || !errors.As(err, &ce) {
		t.Errorf("a body cut by the connection: %v, want a connection error", err)
	}
	err = c.decodeBody("/x", strings.NewReader(doc[:20]), &p)
	if err == nil || errors.As(err, &ce) || !strings.Contains(err.Error(), "decode response") {
		t.Errorf("a body that ends early but cleanly: %v, want a decode error", err)
	}
	// The connection breaks exactly at the cap: the connection's failure, not a decode error.
	c.opts.MaxBodyBytes = 20
	err = c.decodeBody("/x", io.MultiReader(strings.NewReader(doc[:20]), iotest.ErrReader(reset)), &p)
	if !errors.Is(err, reset) || !errors.As(err, &ce) {
		t.Errorf("a body cut by the connection at the cap: %v, want a connection error", err)
	}
}

// A retry decodes from zero: nothing an attempt cut mid-body had filled in survives into the
// answer that arrived whole.
func TestDecodeBodyStartsFromZero(t *testing.T) {
	c := &Client{opts: Options{MaxBodyBytes: 1 << 20}}
	var job CloudBackupRestoreJob
	cut := io.MultiReader(strings.NewReader(`{"id": "6b77893b80eef5354c77ee15", "failed": true, "deliveryType": "download",`),
		iotest.ErrReader(errors.New("connection reset by peer")))
	if err := c.decodeBody("/x", cut, &job); err == nil {
		t.Fatal("a cut body decoded")
	}
	if err := c.decodeBody("/x", strings.NewReader(`{"id": "6b77893b80eef5354c77ee15", "deliveryType": "download"}`), &job); err != nil {
		t.Fatal(err)
	}
	if job.Failed {
		t.Error("the answer says nothing of failed, yet the job reads failed: the cut attempt's field survived")
	}
}
