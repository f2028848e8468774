package flow

import (
	"bufio"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestCommunityIDVectors checks the published Community ID baseline (see the testdata header).
func TestCommunityIDVectors(t *testing.T) {
	fh, err := os.Open("testdata/communityid-vectors.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 7 {
			t.Fatalf("bad vector line %q", line)
		}
		seed, _ := strconv.Atoi(c[0])
		proto, _ := strconv.Atoi(c[1])
		src, dst := netip.MustParseAddr(c[2]), netip.MustParseAddr(c[3])
		var sp, dp int
		if c[4] != "-" {
			sp, _ = strconv.Atoi(c[4])
			dp, _ = strconv.Atoi(c[5])
		}
		got := CommunityID(uint16(seed), src, dst, uint16(sp), uint16(dp), uint8(proto))
		if got.String() != c[6] {
			t.Errorf("%s: got %s", line, got.String())
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("only %d vectors read", n)
	}
}

func TestCommunityIDNoAlloc(t *testing.T) {
	src, dst := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	allocs := testing.AllocsPerRun(100, func() {
		c := CommunityID(0, src, dst, 1234, 80, protoTCP)
		if c.IsZero() {
			t.Fatal("empty id")
		}
	})
	if allocs != 0 {
		t.Fatalf("CommunityID allocates %.1f times", allocs)
	}
}
