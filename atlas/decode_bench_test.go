package atlas

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkDecodePage decodes a full page of 500 legacy restore jobs (the documentation's job,
// links and hashes included) as the client does, from a reader.
func BenchmarkDecodePage(b *testing.B) {
	one, err := os.ReadFile("atlastest/fixtures/legacy_restore_job_docs_example.json")
	if err != nil {
		b.Fatal(err)
	}
	var data bytes.Buffer
	data.WriteString(`{"links":[],"totalCount":500,"results":[`)
	for i := range MaxPageSize {
		if i > 0 {
			data.WriteByte(',')
		}
		data.Write(one)
	}
	data.WriteString(`]}`)
	b.SetBytes(int64(data.Len()))
	b.ReportAllocs()
	for range b.N {
		var p page[RestoreJob]
		if err := DecodeReader(bytes.NewReader(data.Bytes()), &p); err != nil || len(p.Results) != MaxPageSize {
			b.Fatalf("%v, %d jobs", err, len(p.Results))
		}
	}
}
