package atlas

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// The decoder is stricter than encoding/json by default; these are the leniencies kept on purpose,
// and the strictness that is wanted.
func TestDecodeToleratesWhatAtlasMightSendAndNothingElse(t *testing.T) {
	t.Parallel()
	var j RestoreJob
	if err := Decode([]byte(`{"id":"a","statusName":"IN_PROGRESS","statusName":"FINISHED","clusterName":"Cl`+"\xff"+`us"}`), &j); err != nil {
		t.Fatalf("duplicate member or invalid UTF-8 failed the document: %v", err)
	}
	if j.StatusName != "FINISHED" {
		t.Errorf("repeated member: statusName = %q, want the last value", j.StatusName)
	}
	if j.ClusterName != "Cl\uFFFDus" {
		t.Errorf("invalid UTF-8: clusterName = %q, want U+FFFD in place of the bad byte", j.ClusterName)
	}

	var k RestoreJob
	if err := Decode([]byte(`{"StatusName":"BROKEN","statusname":"BROKEN"}`), &k); err != nil {
		t.Fatal(err)
	}
	if k.StatusName != "" {
		t.Errorf("a member spelt differently from Atlas was taken: statusName = %q", k.StatusName)
	}
}

func TestDecodeErrorIsBoundedAndUnwraps(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("k", 10000)
	var j RestoreJob
	err := Decode([]byte(`{"`+long+`":`), &j)
	if err == nil {
		t.Fatal("truncated document decoded without error")
	}
	if n := len(err.Error()); n > maxDetailLen+len("…") {
		t.Errorf("error is %d bytes long, want at most %d", n, maxDetailLen)
	}
	var syn *jsontext.SyntacticError
	if !errors.As(err, &syn) {
		t.Errorf("error %T does not unwrap to the decoder's syntax error", err)
	}
}
