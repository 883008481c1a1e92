// serve and recommend --users end to end on a tiny trained run: the JSON
// lines export (batch size does not change it), the served answers equal
// to the export's, and a stop that returns nil and closes the port.

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"embrec/train/serve"
)

// tinyRun trains a tiny synthetic run for the command tests.
func tinyRun(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"train", "--data", "synth:seed=2,users=30,items=20,clusters=3,minlen=5,maxlen=8", "--init", "random",
		"--config", "tiny", "--stage1-steps", "2", "--steps", "2", "--batch", "4", "--out", dir}
	if rc := runMain(args, io.Discard, io.Discard); rc != 0 {
		t.Fatalf("train exited %d", rc)
	}
	return dir
}

func readRecs(t *testing.T, path string) map[string]serve.Response {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]serve.Response{}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var r serve.Response
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || len(r.Items) == 0 {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out[r.User] = r
	}
	return out
}

func TestServeAndExport(t *testing.T) {
	dir := tinyRun(t)
	tmp := t.TempDir()
	all := filepath.Join(tmp, "all.jsonl")
	if rc := runMain([]string{"recommend", "--run", dir, "--users", "all", "-k", "4", "--batch", "7", "--out", all}, io.Discard, io.Discard); rc != 0 {
		t.Fatalf("recommend --users all exited %d", rc)
	}
	recs := readRecs(t, all)
	if len(recs) != 30 {
		t.Fatalf("%d users exported, want 30", len(recs))
	}
	ids := filepath.Join(tmp, "ids.txt")
	os.WriteFile(ids, []byte("# two users\nu3\n\nu7\n"), 0o644)
	some := filepath.Join(tmp, "some.jsonl")
	if rc := runMain([]string{"recommend", "--run", dir, "--users", ids, "-k", "4", "--out", some}, io.Discard, io.Discard); rc != 0 {
		t.Fatalf("recommend --users FILE exited %d", rc)
	}
	for id, r := range readRecs(t, some) {
		if !reflect.DeepEqual(r, recs[id]) {
			t.Errorf("user %s: batch of 2 %+v, batch of 7 %+v", id, r, recs[id])
		}
	}
	os.WriteFile(ids, []byte("u3\nnobody\n"), 0o644)
	var errb bytes.Buffer
	if rc := runMain([]string{"recommend", "--run", dir, "--users", ids, "--out", some}, io.Discard, &errb); rc == 0 || !strings.Contains(errb.String(), `"nobody"`) {
		t.Errorf("unknown user in --users: exit %d, %q", rc, errb.String())
	}

	// serve: concurrent answers equal the export's; a stop returns nil.
	// (That a stop finishes the requests in flight is train/serve's
	// TestServeStopsGracefully.)
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	sf, dev := addServeFlags(fs), addDeviceFlags(fs)
	fs.Parse([]string{"--max-batch", "4"})
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- serveRun(ctx, dir, "127.0.0.1:0", sf, dev, io.Discard, func(a string) { ready <- a })
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-served:
		t.Fatalf("serve: %v", err)
	}
	users := []string{"u1", "u3", "u7", "u12", "u20"}
	var done sync.WaitGroup
	for _, u := range users {
		done.Add(1)
		go func() {
			defer done.Done()
			resp, err := http.Post("http://"+addr+"/v1/recommend", "application/json", strings.NewReader(`{"user": "`+u+`", "k": 4}`))
			if err != nil {
				t.Errorf("user %s: %v", u, err)
				return
			}
			defer resp.Body.Close()
			var r serve.Response
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != 200 {
				t.Errorf("user %s: status %d, %v", u, resp.StatusCode, err)
				return
			}
			if !reflect.DeepEqual(r, recs[u]) {
				t.Errorf("user %s: served %+v, exported %+v", u, r, recs[u])
			}
		}()
	}
	done.Wait()
	stop()
	if err := <-served; err != nil {
		t.Errorf("serve after stop: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Errorf("the server still accepts after stopping")
	}
}

func TestBenchServe(t *testing.T) {
	dir := tinyRun(t)
	var out bytes.Buffer
	old := benchOut
	benchOut = &out
	defer func() { benchOut = old }()
	args := []string{"bench", "serve", "--in-process", "--run", dir, "--concurrency", "1,4", "--duration", "300ms", "--warmup", "0s",
		"--overload", "10", "--overload-duration", "300ms", "--queue", "4", "--max-batch", "2"}
	if rc := runMain(args, io.Discard, os.Stderr); rc != 0 {
		t.Fatalf("bench serve exited %d:\n%s", rc, out.String())
	}
	for _, c := range []string{"1", "4"} {
		row := ""
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "| closed loop, "+c+" clients |") {
				row = l
			}
		}
		if f := strings.Split(row, "|"); len(f) < 4 || strings.TrimSpace(f[3]) != "0" || strings.TrimSpace(f[2]) == "0" {
			t.Errorf("concurrency %s: row %q, want requests and 0 errors", c, row)
		}
	}
	if !strings.Contains(out.String(), "overload: open loop") || !strings.Contains(out.String(), "memory peak") {
		t.Errorf("no overload report:\n%s", out.String())
	}
}
