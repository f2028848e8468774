package sensor

import (
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// dropPrivileges becomes run-as.user (and run-as.group, else the user's primary group) once
// the packet sockets are open. An open ring needs no privilege to read, to poll, to count or to
// stop, so the sensor keeps no capability at all: the switch from uid 0 clears them, on every
// thread (Go's syscall.Setuid applies to all of the process's threads).
func dropPrivileges(ra RunAsConfig, log *slog.Logger) error {
	if ra.User == "" {
		return fmt.Errorf("run-as: group %q given without a user", ra.Group)
	}
	u, err := user.Lookup(ra.User)
	if err != nil {
		return fmt.Errorf("run-as: %w", err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return fmt.Errorf("run-as %s: uid %q: %w", ra.User, u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return fmt.Errorf("run-as %s: gid %q: %w", ra.User, u.Gid, err)
	}
	if ra.Group != "" {
		g, err := user.LookupGroup(ra.Group)
		if err != nil {
			return fmt.Errorf("run-as: %w", err)
		}
		if gid, err = strconv.Atoi(g.Gid); err != nil {
			return fmt.Errorf("run-as group %s: gid %q: %w", ra.Group, g.Gid, err)
		}
	}
	if os.Geteuid() == uid && os.Getegid() == gid {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("run-as %s: only root can change user (running as uid %d)", ra.User, os.Geteuid())
	}
	// Groups first, then the gid, then the uid: once the uid is not 0 nothing else may change.
	if err := syscall.Setgroups([]int{gid}); err != nil {
		return fmt.Errorf("run-as %s: setgroups: %w", ra.User, err)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return fmt.Errorf("run-as %s: setgid %d: %w", ra.User, gid, err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return fmt.Errorf("run-as %s: setuid %d: %w", ra.User, uid, err)
	}
	eff := capEff()
	log.Info("dropped privileges", "user", ra.User, "uid", uid, "gid", gid, "capabilities", eff)
	if eff != "" && strings.Trim(eff, "0") != "" {
		return fmt.Errorf("run-as %s: capabilities %s remain after the switch", ra.User, eff)
	}
	return nil
}

// capEff is the effective capability set of the process, as /proc shows it ("" if unknown).
func capEff() string {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
