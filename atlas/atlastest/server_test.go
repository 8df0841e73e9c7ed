package atlastest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/icholy/digest"

	"github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/atlastest"
)

const (
	group   = "5a66666887d9d61443b41645"
	cluster = "Cluster0"
)

func startSim(t *testing.T) (*atlastest.Server, string) {
	t.Helper()
	sim := atlastest.New(atlastest.Options{PublicKey: "pub", PrivateKey: "priv"})
	sim.AddCluster(group, cluster)
	for _, f := range []string{atlastest.FixtureDocsExample, atlastest.FixtureInProgress, atlastest.FixtureQuery} {
		sim.PutJob(group, cluster, atlastest.LoadJob(f))
	}
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(running.Close)
	return sim, running.URL
}

func getJSON(t *testing.T, c *http.Client, url string) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: body is not a JSON object: %s", url, body)
	}
	return resp.StatusCode, resp.Header, m
}

func digestClient(user, pass string) *http.Client {
	return &http.Client{Transport: &digest.Transport{Username: user, Password: pass}}
}

func TestUnauthenticatedRequestGetsAtlasChallenge(t *testing.T) {
	t.Parallel()
	_, url := startSim(t)
	code, h, body := getJSON(t, http.DefaultClient, url+"/groups/"+group+"/clusters/"+cluster+"/restoreJobs")
	if code != 401 {
		t.Fatalf("status %d", code)
	}
	ch := h.Get("WWW-Authenticate")
	for _, want := range []string{`Digest realm="MMS Public API"`, `qop="auth"`, `algorithm=MD5`, `nonce="`} {
		if !strings.Contains(ch, want) {
			t.Errorf("challenge %q lacks %s", ch, want)
		}
	}
	if body["errorCode"] != "UNEXPECTED_ERROR" || body["error"] != float64(401) || h.Get("X-Error-Code") != "UNEXPECTED_ERROR" {
		t.Errorf("401 body %v", body)
	}
	if _, ok := body["parameters"]; ok {
		t.Errorf("Atlas's 401 body has no parameters key: %v", body)
	}
}

func TestWrongPasswordIsRefused(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t)
	code, _, _ := getJSON(t, digestClient("pub", "wrong"), url+"/groups/"+group+"/clusters/"+cluster+"/restoreJobs")
	if code != 401 || sim.TotalRequests() != 0 {
		t.Errorf("status %d, %d authenticated requests", code, sim.TotalRequests())
	}
	code, _, _ = getJSON(t, digestClient("other", "priv"), url+"/groups/"+group+"/clusters/"+cluster+"/restoreJobs")
	if code != 401 {
		t.Errorf("wrong user: status %d", code)
	}
}

func TestListShape(t *testing.T) {
	t.Parallel()
	_, url := startSim(t)
	c := digestClient("pub", "priv")
	base := url + "/groups/" + group + "/clusters/" + cluster + "/restoreJobs"

	code, _, page := getJSON(t, c, base+"?itemsPerPage=2&pageNum=1")
	if code != 200 || page["totalCount"] != float64(3) || len(page["results"].([]any)) != 2 {
		t.Fatalf("page 1: %d %v", code, page)
	}
	rels := func(p map[string]any) string {
		var out []string
		for _, l := range p["links"].([]any) {
			out = append(out, l.(map[string]any)["rel"].(string))
		}
		return strings.Join(out, ",")
	}
	if got := rels(page); got != "self,next" {
		t.Errorf("page 1 links %s", got)
	}
	_, _, page = getJSON(t, c, base+"?itemsPerPage=2&pageNum=2&includeCount=false")
	if got := rels(page); got != "self,previous" {
		t.Errorf("page 2 links %s", got)
	}
	if _, ok := page["totalCount"]; ok {
		t.Errorf("includeCount=false still sent totalCount")
	}
	_, _, page = getJSON(t, c, base+"?pageNum=9")
	if r := page["results"].([]any); len(r) != 0 {
		t.Errorf("past the end: %d results, want an empty list", len(r))
	}
	code, _, body := getJSON(t, c, base+"?itemsPerPage=501")
	if code != 400 {
		t.Errorf("itemsPerPage=501: %d %v", code, body)
	}
}

func TestNotFoundCodes(t *testing.T) {
	t.Parallel()
	_, url := startSim(t)
	c := digestClient("pub", "priv")
	for path, want := range map[string]string{
		"/groups/000000000000000000000000/clusters/Cluster0/restoreJobs":               "GROUP_NOT_FOUND",
		"/groups/" + group + "/clusters/Nope/restoreJobs":                              "CLUSTER_NOT_FOUND",
		"/groups/" + group + "/clusters/Cluster0/restoreJobs/0000000000000000000000ff": "RESOURCE_NOT_FOUND",
	} {
		code, h, body := getJSON(t, c, url+path)
		if code != 404 || body["errorCode"] != want || h.Get("X-Error-Code") != want {
			t.Errorf("%s: %d %v", path, code, body)
		}
		if _, ok := body["parameters"]; !ok {
			t.Errorf("%s: 404 body lacks parameters", path)
		}
	}
}

func TestJobIsServedAsStored(t *testing.T) {
	t.Parallel()
	_, url := startSim(t)
	_, _, job := getJSON(t, digestClient("pub", "priv"), url+"/groups/"+group+"/clusters/"+cluster+"/restoreJobs/6b77893b80eef5354c77ee15")
	var want map[string]any
	if err := json.Unmarshal(atlastest.FixtureBytes(atlastest.FixtureDocsExample), &want); err != nil {
		t.Fatal(err)
	}
	gotJSON, _ := json.Marshal(job)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("served job differs from the fixture:\n%s\n%s", gotJSON, wantJSON)
	}
}

func TestV2NeedsTheVersionedMediaType(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t)
	sim.PutCloudBackupJob(group, cluster, atlastest.LoadJob(atlastest.FixtureCloudReady))
	v2 := strings.Replace(url, atlastest.RootAtlasV1, atlastest.RootAtlasV2, 1) + "/groups/" + group + "/clusters/" + cluster + "/backup/restoreJobs"
	c := digestClient("pub", "priv")
	code, _, body := getJSON(t, c, v2)
	if code != http.StatusNotAcceptable {
		t.Errorf("v2 without a version: %d %v, want 406", code, body)
	}
	req, _ := http.NewRequest(http.MethodGet, v2, nil)
	req.Header.Set("Accept", atlastest.MediaTypeV2)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != atlastest.MediaTypeV2 {
		t.Errorf("v2 with its version: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// Flex routes have their own version: the Cloud Backup one answers 406, theirs 200.
func TestFlexNeedsItsOwnMediaType(t *testing.T) {
	t.Parallel()
	sim, url := startSim(t)
	sim.PutFlexJob(group, "FlexCluster0", atlastest.LoadJob(atlastest.FixtureFlexDownload))
	flex := strings.Replace(url, atlastest.RootAtlasV1, atlastest.RootAtlasV2, 1) + "/groups/" + group + "/flexClusters/FlexCluster0/backup/restoreJobs"
	c := digestClient("pub", "priv")
	for media, want := range map[string]int{atlastest.MediaTypeV2: http.StatusNotAcceptable, atlastest.MediaTypeFlex: http.StatusOK} {
		req, _ := http.NewRequest(http.MethodGet, flex, nil)
		req.Header.Set("Accept", media)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Accept %s: %d, want %d", media, resp.StatusCode, want)
		}
	}
	if code, _, _ := getJSON(t, c, url+"/groups/"+group+"/flexClusters/FlexCluster0/backup/restoreJobs"); code != http.StatusNotFound {
		t.Errorf("Flex under v1.0: %d, want 404", code)
	}
}

// Once the 2023 cluster-list versions are sunset, asking for one answers 410 VERSION_GONE.
func TestSunsetClusterVersionsAnswer410(t *testing.T) {
	t.Parallel()
	sim := atlastest.New(atlastest.Options{PublicKey: "pub", PrivateKey: "priv", SunsetClusterVersions: true})
	sim.AddCluster(group, cluster)
	running, err := atlastest.Start(sim)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	url := running.Host + atlastest.RootAtlasV2 + "/groups/" + group + "/clusters"
	c := digestClient("pub", "priv")
	for media, want := range map[string]int{atlastest.MediaTypeV2: http.StatusGone, atlastest.MediaTypeClusters: http.StatusOK} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept", media)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want || (want == http.StatusGone && resp.Header.Get("X-Error-Code") != "VERSION_GONE") {
			t.Errorf("Accept %s: %d %s, want %d", media, resp.StatusCode, resp.Header.Get("X-Error-Code"), want)
		}
	}
}
