package sensor

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// reloadRig is a reloader with one stand-in worker that follows engines the way a live worker
// does between batches, on a goroutine of its own.
type reloadRig struct {
	r    *reloader
	lw   *liveWorker
	stop chan struct{}
	wg   sync.WaitGroup
}

func newReloadRig(t *testing.T, cfg *Config, rules string, det *detection) *reloadRig {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rig := &reloadRig{r: newReloader(cfg, &RunOptions{RuleFiles: []string{rules}}, det, 1, log), stop: make(chan struct{})}
	w := &worker{id: 0}
	if det != nil {
		w.det = newWorkerDetect(det)
		w.det.alerts = 7
	}
	rig.lw = &liveWorker{w: w, det: det, reload: rig.r}
	rig.wg.Add(1)
	go func() {
		defer rig.wg.Done()
		for {
			select {
			case <-rig.stop:
				return
			case <-time.After(time.Millisecond):
				rig.lw.followEngine()
			}
		}
	}()
	t.Cleanup(rig.close)
	return rig
}

func (rig *reloadRig) close() {
	select {
	case <-rig.stop:
	default:
		close(rig.stop)
		rig.wg.Wait()
	}
}

func TestReloadSwapsOrKeepsEngine(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Detect.CacheDir = ""
	rules := writeTestRules(t)
	det, err := loadDetection(&cfg, &ReadOptions{RuleFiles: []string{rules}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	rig := newReloadRig(t, &cfg, rules, det)
	r := rig.r

	res := r.reload(nil)
	if !res.OK || res.RulesLoaded != 4 || res.RulesFailed != 1 || res.RulesTotal != 5 || res.Reloads != 1 || res.Failures != 0 {
		t.Fatalf("good reload: %+v", res)
	}
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "sid 1000005") {
		t.Errorf("problems %q do not name the broken rule", res.Problems)
	}
	second := r.cur.Load()
	if second == det || r.acks[0].Load() != second {
		t.Fatal("the worker did not switch to the new engine before the reload returned")
	}

	// A set in which nothing loads, then a missing file: both keep the engine in use.
	if err := os.WriteFile(rules, []byte("this is not a rule\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res = r.reload(nil)
	if res.OK || !strings.Contains(res.Error, "no rule of") || res.Failures != 1 || res.Reloads != 1 {
		t.Errorf("unusable set: %+v", res)
	}
	if err := os.Remove(rules); err != nil {
		t.Fatal(err)
	}
	res = r.reload(nil)
	if res.OK || !strings.Contains(res.Error, "no such file") || res.Failures != 2 {
		t.Errorf("missing file: %+v", res)
	}
	if r.cur.Load() != second {
		t.Error("a failed reload replaced the engine")
	}
	rig.close()
	if rig.lw.w.det.det != second || rig.lw.w.det.alerts != 7 {
		t.Errorf("worker detection after the reloads: engine %p (want %p), alerts %d (want 7 carried over)",
			rig.lw.w.det.det, second, rig.lw.w.det.alerts)
	}

	// Started without rules: nothing to reload, and SIGHUP does not try.
	bare := newReloadRig(t, &cfg, rules, nil)
	bare.r.requestFromSignal()
	if res := bare.r.reload(nil); res.OK || !strings.Contains(res.Error, "without rules") {
		t.Errorf("reload without rules: %+v", res)
	}
	if f := bare.r.failures.Load(); f != 1 {
		t.Errorf("SIGHUP without rules counted as a reload attempt: %d failures", f)
	}
}

// TestReloadSignalsFold: SIGHUPs that arrive while a reload waits to start add nothing.
func TestReloadSignalsFold(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Detect.CacheDir = ""
	rules := writeTestRules(t)
	det, err := loadDetection(&cfg, &ReadOptions{RuleFiles: []string{rules}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	rig := newReloadRig(t, &cfg, rules, det)
	rig.r.mu.Lock() // a reload in progress
	for range 5 {
		rig.r.requestFromSignal()
	}
	rig.r.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for rig.r.reloads.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := rig.r.reloads.Load(); n != 1 {
		t.Errorf("5 signals during a reload made %d reloads, want 1", n)
	}
}

func TestControlSocket(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Detect.CacheDir = ""
	rules := writeTestRules(t)
	det, err := loadDetection(&cfg, &ReadOptions{RuleFiles: []string{rules}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	rig := newReloadRig(t, &cfg, rules, det)
	dir := t.TempDir()
	path := filepath.Join(dir, CtlSocketName)

	// A socket left by a sensor that died is replaced.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	srv, err := listenControl(path)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	srv.serve(rig.r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, %v; want 0600", fi.Mode(), err)
	}
	if _, err := listenControl(path); err == nil || !strings.Contains(err.Error(), "another sensor") {
		t.Errorf("a second sensor on a live socket: %v", err)
	}
	if _, err := listenControl("/tmp/" + strings.Repeat("x", 120)); err == nil {
		t.Error("a path too long for sun_path was accepted")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := Control(ctx, path, "reload")
	if err != nil {
		t.Fatal(err)
	}
	var res ReloadResult
	if err := json.Unmarshal(raw, &res); err != nil || !res.OK || res.RulesLoaded != 4 || res.Reloads != 1 {
		t.Errorf("reload answer %s (%v)", raw, err)
	}
	raw, err = Control(ctx, path, "explode")
	if err != nil || !strings.Contains(string(raw), `"ok":false`) || !strings.Contains(string(raw), "unknown command") {
		t.Errorf("unknown command answer %s, %v", raw, err)
	}
	srv.close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket file left after close: %v", err)
	}
	if _, err := Control(ctx, path, "reload"); err == nil {
		t.Error("Control reached a closed socket")
	}
}
