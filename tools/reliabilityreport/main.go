// Command reliabilityreport turns the verbose output of the fault, load, soak and fuzz runs into
// RELIABILITY.md, with the machine and the command, as benchreport does for speed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"time"
)

var (
	subtest = regexp.MustCompile(`^\s*--- (PASS|FAIL): TestFailingTargets/(metrics|probe)/(\S+) \(([\d.]+)s\)`)
	// started gives the rows their table's order: the rows run in parallel and end in any order,
	// but start in the order the test lists them.
	started = regexp.MustCompile(`^=== RUN\s+TestFailingTargets/(metrics|probe)/(\S+)$`)
	figure  = regexp.MustCompile(`RELIABILITY (\w+)=(.*)$`)
	fuzz    = regexp.MustCompile(`^fuzz: elapsed: (\S+), execs: (\d+) `)
	fuzzRun = regexp.MustCompile(`-fuzz '\^(\w+)\$'`)
)

func main() {
	command := flag.String("command", "make reliability", "the command that produced the input")
	flag.Parse()
	type outcome struct{ metrics, probe string }
	rows := map[string]*outcome{}
	var order []string
	var figures [][2]string
	fuzzLast := map[string]string{}
	fuzzTime := map[string]time.Duration{}
	var fuzzOrder []string
	current := ""
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := fuzzRun.FindStringSubmatch(line); m != nil {
			current = m[1]
			fuzzOrder = append(fuzzOrder, current)
		}
		if m := started.FindStringSubmatch(line); m != nil {
			if name := strings.ReplaceAll(m[2], "_", " "); rows[name] == nil {
				rows[name] = &outcome{}
				order = append(order, name)
			}
		}
		if m := subtest.FindStringSubmatch(line); m != nil {
			name := strings.ReplaceAll(m[3], "_", " ")
			o, ok := rows[name]
			if !ok {
				o = &outcome{}
				rows[name] = o
				order = append(order, name)
			}
			cell := fmt.Sprintf("%s in %ss", strings.ToLower(m[1]), m[4])
			if m[2] == "metrics" {
				o.metrics = cell
			} else {
				o.probe = cell
			}
		}
		if m := figure.FindStringSubmatch(line); m != nil {
			figures = append(figures, [2]string{m[1], m[2]})
		}
		if m := fuzz.FindStringSubmatch(line); m != nil && current != "" {
			fuzzLast[current] = fmt.Sprintf("%s executions in %s", m[2], m[1])
			if d, err := time.ParseDuration(m[1]); err == nil {
				fuzzTime[current] = d
			}
		}
	}
	if len(rows) == 0 {
		fmt.Fprintln(os.Stderr, "reliabilityreport: no fault matrix results on standard input")
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "# Reliability\n\nMeasured %s with `%s` (%s, %d CPUs seen by Go). Every figure below comes from that one run.\n\n",
		time.Now().UTC().Format("2006-01-02"), *command, runtime.Version(), runtime.NumCPU())
	fmt.Fprint(w, "## Fault matrix\n\nEach upstream fault injected by the simulator, scraped through `/metrics` and through `/probe`. ")
	fmt.Fprint(w, "For each the test checks `mongodbatlas_up` and every target's `mongodbatlas_scrape_success`, which jobs are still exported, ")
	fmt.Fprint(w, "exactly one log line per failed target with the expected status, errorCode or cause, that the answer came before the scrape deadline, ")
	fmt.Fprint(w, "and (goleak, at the end of the package) that no goroutine was left behind. Rows: `scrape/failures_test.go`.\n\n")
	fmt.Fprint(w, "| fault | /metrics | /probe |\n|---|---|---|\n")
	for _, name := range order {
		fmt.Fprintf(w, "| %s | %s | %s |\n", name, rows[name].metrics, rows[name].probe)
	}
	fmt.Fprint(w, "\nThe stale nonce and the expired token must not fail the scrape: their rows also check that exactly one fresh ")
	fmt.Fprint(w, "challenge or one new token was fetched.\n\n")
	fmt.Fprint(w, "## Load and soak\n\nThe load test sends 100 scrapes and probes at once against a 200 ms API; the soak scrapes an API that fails ")
	fmt.Fprint(w, "one request in five at random (500, 404, 403, 401, truncated, malformed, wrong content type, oversized, an echoed credential, a body cut mid-stream, a page served again as the first). ")
	fmt.Fprint(w, "An injected 401 carries a fresh challenge, as Atlas's do, which the Digest transport answers, so not every fault fails a scrape; ")
	fmt.Fprint(w, "the test asserts that no scrape fails without one.\n\n| figure | value |\n|---|---|\n")
	for _, f := range figures {
		fmt.Fprintf(w, "| %s | %s |\n", strings.ReplaceAll(f[0], "_", " "), f[1])
	}
	if len(fuzzOrder) > 0 {
		fmt.Fprint(w, "\n## Fuzzing\n\n| target | run |\n|---|---|\n")
		var total time.Duration
		for _, n := range fuzzOrder {
			fmt.Fprintf(w, "| %s | %s |\n", n, fuzzLast[n])
			total += fuzzTime[n]
		}
		fmt.Fprintf(w, "\nIn all %.2f hours of fuzzing, one target after another on the machine above.\n", total.Hours())
		fmt.Fprint(w, "\nInvariants: no panic; the exposition parses; exactly one state at 1 per enum; label values valid UTF-8 ")
		fmt.Fprint(w, "and at most 128 bytes; no secret planted in the input appears in the output or an error.\n")
	}
}
