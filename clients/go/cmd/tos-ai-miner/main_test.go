package main_test

import (
	"bufio"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tos-network/tos-ai/clients/go/internal/testnode"
	"github.com/tos-network/tos-ai/clients/go/tosai"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tos-ai-miner-test")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "tos-ai-miner")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestTheBinaryIsStatic(t *testing.T) {
	f, err := elf.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary names a dynamic loader")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %v", libs)
	}
}

func TestNewKeyWritesAKeyFileAndPrintsItsAddress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "miner.key")
	out, err := exec.Command(binary, "-new-key", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	w, err := tosai.LoadWallet(path)
	if err != nil || strings.TrimSpace(string(out)) != w.Address() {
		t.Fatalf("printed %q, file holds %v (%v)", out, w, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("the key file is %v", info.Mode().Perm())
	}
	if exec.Command(binary, "-new-key", path).Run() == nil {
		t.Error("it overwrote an existing key file")
	}
}

func TestBadSettingsExitWithUsage(t *testing.T) {
	for _, args := range [][]string{{"-no-such-flag"}, {"-difficulties", "Easy"}, {"-log-format", "xml"}} {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), "TOS_MINER_KEY="+strings.Repeat("01", 32))
		err := cmd.Run()
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 {
			t.Errorf("%v: %v, want exit status 2", args, err)
		}
	}
}

// miner is a running tos-ai-miner whose JSON log lines arrive on lines.
type miner struct {
	cmd   *exec.Cmd
	lines chan map[string]any
	bad   chan string
	done  chan error
}

func start(t *testing.T, args ...string) *miner {
	t.Helper()
	key := filepath.Join(t.TempDir(), "miner.key")
	if err := exec.Command(binary, "-new-key", key).Run(); err != nil {
		t.Fatal(err)
	}
	m := &miner{lines: make(chan map[string]any, 1000), bad: make(chan string, 10), done: make(chan error, 1)}
	m.cmd = exec.Command(binary, append([]string{"-key-file", key}, args...)...)
	stderr, err := m.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.cmd.Process.Kill() })
	go func() {
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			var line map[string]any
			if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
				m.bad <- scanner.Text()
				continue
			}
			m.lines <- line
		}
		_, _ = io.Copy(io.Discard, stderr)
		m.done <- m.cmd.Wait()
		close(m.lines)
	}()
	return m
}

func (m *miner) address(t *testing.T) string {
	t.Helper()
	return fmt.Sprint(m.waitFor(t, 10*time.Second, "tos-ai-miner", nil)["address"])
}

// waitFor returns the first log line whose msg is msg (and whose fields match), failing the
// test after within.
func (m *miner) waitFor(t *testing.T, within time.Duration, msg string, fields map[string]any) map[string]any {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case line, ok := <-m.lines:
			if !ok {
				t.Fatalf("the miner exited before logging %q", msg)
			}
			if line["msg"] != msg {
				continue
			}
			match := true
			for k, v := range fields {
				match = match && line[k] == v
			}
			if match {
				return line
			}
		case text := <-m.bad:
			t.Fatalf("a log line that is not JSON: %q", text)
		case <-timeout:
			t.Fatalf("no %q log line within %v", msg, within)
		}
	}
}

func (m *miner) stop(t *testing.T, sig syscall.Signal) map[string]any {
	t.Helper()
	started := time.Now()
	if err := m.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	last := m.waitFor(t, 5*time.Second, "stopped cleanly", nil)
	select {
	case err := <-m.done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the miner did not exit")
	}
	if took := time.Since(started); took > 3*time.Second {
		t.Errorf("stopping took %v", took)
	}
	return last
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestItStopsCleanlyOnSIGTERMEvenWhilePausingAfterAnError(t *testing.T) {
	m := start(t, "-node", closedPort(t), "-error-pause", "30s")
	m.waitFor(t, 10*time.Second, "auto-mining error; pausing", nil)
	m.stop(t, syscall.SIGTERM)
}

func TestItMinesAgainstTheNodeAndStopsOnSIGINT(t *testing.T) {
	env := testnode.Node(t)
	ctx := context.Background()
	c, err := tosai.NewClient(env.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A long deadline no other test's task has, so that this miner and the other tests' miners
	// (on the same node at the same time) leave each other's tasks alone.
	m := start(t, "-node", env.URL, "-register", "-difficulties", "Beginner", "-min-time-left", "200h",
		"-min-success", "0", "-log-level", "debug")
	address := m.address(t)
	if _, err := c.DevFaucet(ctx, address, tosai.TOS(1000)); err != nil {
		t.Fatal(err)
	}
	m.waitFor(t, 30*time.Second, "registered as a miner", nil)
	m.waitFor(t, 10*time.Second, "scan done", nil)
	w, _ := tosai.GenerateWallet()
	if _, err := c.DevFaucet(ctx, w.Address(), tosai.TOS(1000)); err != nil {
		t.Fatal(err)
	}
	task, err := c.Account(w).PublishTask(ctx, tosai.TaskData{Title: "tos-ai-miner test: a long task",
		TaskType: tosai.GeneralTask("cmd-test"), RewardAmount: 5_000_000_000, DifficultyLevel: tosai.Beginner,
		MaxParticipants: 1, DeadlineHours: 300})
	if err != nil {
		t.Fatal(err)
	}
	m.waitFor(t, 5*time.Second, "joined task", map[string]any{"task_id": task.TaskID, "trigger": "event"})
	m.waitFor(t, 10*time.Second, "submitted solution", map[string]any{"task_id": task.TaskID})
	last := m.stop(t, syscall.SIGINT)
	if last["joined"] != float64(1) || last["submitted"] != float64(1) {
		t.Errorf("the last line says %v", last)
	}
}
