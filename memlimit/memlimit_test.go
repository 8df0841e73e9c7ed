package memlimit

import (
	"testing"
	"testing/fstest"
)

func TestFromCgroup(t *testing.T) {
	t.Parallel()
	v2, v1 := "sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes"
	cases := []struct {
		name  string
		files map[string]string
		want  int64
		err   bool
	}{
		{"cgroup v2 limit", map[string]string{v2: "268435456\n"}, 268435456, false},
		{"cgroup v2 unlimited", map[string]string{v2: "max\n"}, 0, false},
		{"cgroup v1 limit", map[string]string{v1: "536870912\n"}, 536870912, false},
		{"cgroup v1 unlimited", map[string]string{v1: "9223372036854771712\n"}, 0, false},
		{"v2 wins over v1", map[string]string{v2: "1048576", v1: "536870912"}, 1048576, false},
		{"no cgroup", map[string]string{}, 0, false},
		{"garbage", map[string]string{v2: "lots"}, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for p, v := range c.files {
				fsys[p] = &fstest.MapFile{Data: []byte(v)}
			}
			got, err := FromCgroup(fsys, cgroupFiles)
			if got != c.want || (err != nil) != c.err {
				t.Errorf("FromCgroup = %d, %v; want %d, error %v", got, err, c.want, c.err)
			}
		})
	}
}

// An operator's GOMEMLIMIT wins: nothing is set over it.
func TestGOMEMLIMITWins(t *testing.T) {
	t.Parallel()
	got, err := Set(func(k string) string {
		if k == "GOMEMLIMIT" {
			return "100MiB"
		}
		return ""
	})
	if got != 0 || err != nil {
		t.Errorf("Set with GOMEMLIMIT = %d, %v; want nothing set", got, err)
	}
}
