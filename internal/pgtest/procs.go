package pgtest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// PostgreSQL's backends and auxiliary processes each call setsid, so a
// signal to the postmaster's process group misses them; Kill finds them by
// their parent in /proc.

// children returns the processes whose parent is pid.
func children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var kids []int
	for _, path := range stats {
		if p, ppid, ok := readStat(path); ok && ppid == pid {
			kids = append(kids, p)
		}
	}
	return kids
}

// readStat returns the pid and parent pid in a /proc/PID/stat file, and
// false if the process is gone or a zombie.
func readStat(path string) (pid, ppid int, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, false
	}
	// "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 2 || string(f[0]) == "Z" {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(string(bytes.Fields(b[:i])[0]))
	ppid, err2 := strconv.Atoi(string(f[1]))
	return pid, ppid, err1 == nil && err2 == nil
}

// killAll kills pids with SIGKILL and waits, up to stopTimeout, until each
// has exited: its sockets are closed then, even if no one has reaped it.
func killAll(pids []int) {
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGKILL)
	}
	deadline := time.Now().Add(stopTimeout)
	for _, p := range pids {
		for time.Now().Before(deadline) {
			if _, _, alive := readStat(filepath.Join("/proc", strconv.Itoa(p), "stat")); !alive {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
