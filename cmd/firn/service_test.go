package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const unitFile = "../../contrib/firn.service"

// parseUnit reads a systemd unit file into its sections' keys, each with the
// values it is given (continued lines joined).
func parseUnit(t *testing.T, text string) map[string]map[string][]string {
	t.Helper()
	unit := map[string]map[string][]string{}
	var section string
	text = strings.ReplaceAll(text, "\\\n", " ")
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case line[0] == '[' && line[len(line)-1] == ']':
			section = line[1 : len(line)-1]
			unit[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: line %d is not key=value in a section: %q", unitFile, i+1, line)
			}
			unit[section][k] = append(unit[section][k], v)
		}
	}
	return unit
}

// TestSystemdUnit checks contrib/firn.service: the keys of a hardened
// service, an ExecStart that this serve accepts, and systemd's own verdict
// where the machine has systemd.
func TestSystemdUnit(t *testing.T) {
	text, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	unit := parseUnit(t, string(text))
	svc := unit["Service"]
	for k, want := range map[string]string{
		"User": "firn", "StateDirectory": "firn", "EnvironmentFile": "-/etc/firn/firn.env",
		"Restart": "on-failure", "KillSignal": "SIGTERM", "ExecReload": "/bin/kill -HUP $MAINPID",
		"NoNewPrivileges": "yes", "CapabilityBoundingSet": "", "ProtectSystem": "strict", "ProtectHome": "yes",
		"PrivateTmp": "yes", "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
		"ProtectKernelLogs": "yes", "ProtectControlGroups": "yes", "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"RestrictNamespaces": "yes", "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes",
		"SystemCallFilter": "@system-service",
	} {
		if got := svc[k]; len(got) != 1 || got[0] != want {
			t.Errorf("[Service] %s=%q, want %q", k, got, want)
		}
	}
	if stop, err := time.ParseDuration(strings.Join(svc["TimeoutStopSec"], "")); err != nil || stop <= shutdownGrace {
		t.Errorf("TimeoutStopSec=%q: want longer than serve's %s grace", svc["TimeoutStopSec"], shutdownGrace)
	}
	if got := unit["Install"]["WantedBy"]; len(got) != 1 || got[0] != "multi-user.target" {
		t.Errorf("[Install] WantedBy=%q", got)
	}

	// ExecStart is a serve command line this firn parses, on the state
	// directory.
	if len(svc["ExecStart"]) != 1 {
		t.Fatalf("ExecStart=%q", svc["ExecStart"])
	}
	exe := strings.Fields(svc["ExecStart"][0])
	if len(exe) < 3 || exe[0] != "/usr/local/bin/firn" || exe[1] != "serve" || exe[len(exe)-1] != "$FIRN_SERVE_ARGS" {
		t.Fatalf("ExecStart=%q: want /usr/local/bin/firn serve ... $FIRN_SERVE_ARGS", exe)
	}
	serve, _, err := newApp(io.Discard, io.Discard).rootCmd().Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.ParseFlags(exe[2 : len(exe)-1]); err != nil {
		t.Errorf("ExecStart: %v", err)
	}
	if data := serve.Flag("data").Value.String(); data != "/var/lib/firn" {
		t.Errorf("ExecStart: --data %s, not the StateDirectory /var/lib/firn", data)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("no systemd-analyze on this machine: the unit was checked as INI only")
		return
	}
	// verify wants ExecStart to exist: any executable stands in for firn.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyFile := filepath.Join(t.TempDir(), "firn.service")
	if err := os.WriteFile(copyFile, []byte(strings.ReplaceAll(string(text), "/usr/local/bin/firn", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	// verify exits 0 on unknown keys and bad values, which it only prints.
	out, err := exec.Command(analyze, "verify", "--man=no", copyFile).CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
