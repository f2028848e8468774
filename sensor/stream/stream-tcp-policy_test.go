package stream

import (
	"math"
	"strings"
	"testing"
)

// Overlap vectors: a sequence of segments (relative sequence number, bytes) and what the
// queue must hold after each, '.' standing for a hole. They are the classic target-based
// vectors Suricata checks its policies with (src/tests/stream-tcp-list.c), run here at several
// ISNs including both sides of the 2^32 wrap.
type overlapStep struct {
	rseq uint32
	data string
	want string
}

var (
	vecMainBSD = []overlapStep{
		{2, "AAA", ".AAA"}, {6, "BB", ".AAA.BB"}, {8, "CCC", ".AAA.BBCCC"}, {12, "D", ".AAA.BBCCC.D"},
		{15, "EE", ".AAA.BBCCC.D..EE"}, {17, "FFF", ".AAA.BBCCC.D..EEFFF"}, {20, "GG", ".AAA.BBCCC.D..EEFFFGG"},
		{22, "HH", ".AAA.BBCCC.D..EEFFFGGHH"}, {24, "I", ".AAA.BBCCC.D..EEFFFGGHHI"},
		{3, "JJJJ", ".AAAJJBCCC.D..EEFFFGGHHI"}, {8, "KKK", ".AAAJJBCCC.D..EEFFFGGHHI"},
		{11, "LLL", ".AAAJJBCCCLLL.EEFFFGGHHI"}, {14, "MMM", ".AAAJJBCCCLLLMMMFFFGGHHI"},
		{18, "N", ".AAAJJBCCCLLLMMMFFFGGHHI"}, {21, "O", ".AAAJJBCCCLLLMMMFFFGGHHI"},
		{22, "P", ".AAAJJBCCCLLLMMMFFFGGHHI"}, {24, "QQ", ".AAAJJBCCCLLLMMMFFFGGHHIQ"},
		{1, "0", "0AAAJJBCCCLLLMMMFFFGGHHIQ"},
	}
	vecBeforeBSD = []overlapStep{
		{3, "B", "..B"}, {9, "D", "..B.....D"}, {12, "EE", "..B.....D..EE"}, {2, "AA", ".AA.....D..EE"},
		{1, "JJJJ", "JJJJ....D..EE"}, {8, "LLL", "JJJJ...LLL.EE"}, {11, "MMM", "JJJJ...LLLMMM"},
	}
	vecSameBSD = []overlapStep{
		{1, "CCC", "CCC"}, {15, "HH", "CCC...........HH"}, {17, "II", "CCC...........HHII"},
		{1, "KKK", "CCC...........HHII"}, {1, "LLLL", "CCCL..........HHII"},
		{15, "P", "CCCL..........HHII"}, {15, "QQ", "CCCL..........HHII"},
	}
	vecAfterBSD = []overlapStep{
		{1, "AA", "AA"}, {16, "FFF", "AA.............FFF"}, {19, "GG", "AA.............FFFGG"},
		{2, "JJ", "AAJ............FFFGG"}, {20, "O", "AAJ............FFFGG"}, {17, "N", "AAJ............FFFGG"},
	}
)

var overlapVectors = []struct {
	name   string
	policy OverlapPolicy
	steps  []overlapStep
}{
	{"bsd", PolicyBSD, vecMainBSD},
	{"bsd-before", PolicyBSD, vecBeforeBSD},
	{"bsd-same", PolicyBSD, vecSameBSD},
	{"bsd-after", PolicyBSD, vecAfterBSD},
	{"vista", PolicyVista, []overlapStep{
		{2, "AAA", ".AAA"}, {6, "BB", ".AAA.BB"}, {8, "CCC", ".AAA.BBCCC"}, {12, "D", ".AAA.BBCCC.D"},
		{15, "EE", ".AAA.BBCCC.D..EE"}, {17, "FFF", ".AAA.BBCCC.D..EEFFF"}, {20, "GG", ".AAA.BBCCC.D..EEFFFGG"},
		{22, "HH", ".AAA.BBCCC.D..EEFFFGGHH"}, {24, "I", ".AAA.BBCCC.D..EEFFFGGHHI"},
		{3, "JJJJ", ".AAAJBBCCC.D..EEFFFGGHHI"}, {8, "KKK", ".AAAJBBCCC.D..EEFFFGGHHI"},
		{11, "LLL", ".AAAJBBCCCLDL.EEFFFGGHHI"}, {14, "MMM", ".AAAJBBCCCLDLMEEFFFGGHHI"},
		{18, "N", ".AAAJBBCCCLDLMEEFFFGGHHI"}, {21, "O", ".AAAJBBCCCLDLMEEFFFGGHHI"},
		{22, "P", ".AAAJBBCCCLDLMEEFFFGGHHI"}, {24, "QQ", ".AAAJBBCCCLDLMEEFFFGGHHIQ"},
		{1, "0", "0AAAJBBCCCLDLMEEFFFGGHHIQ"},
	}},
	{"vista-before", PolicyVista, []overlapStep{
		{3, "B", "..B"}, {9, "D", "..B.....D"}, {12, "EE", "..B.....D..EE"}, {2, "AA", ".AB.....D..EE"},
		{1, "JJJJ", "JABJ....D..EE"}, {8, "LLL", "JABJ...LDL.EE"}, {11, "MMM", "JABJ...LDLMEE"},
	}},
	{"vista-same", PolicyVista, vecSameBSD},
	{"vista-after", PolicyVista, vecAfterBSD},
	{"linux", PolicyLinux, []overlapStep{
		{2, "AAA", ".AAA"}, {6, "BB", ".AAA.BB"}, {8, "CCC", ".AAA.BBCCC"}, {12, "D", ".AAA.BBCCC.D"},
		{15, "EE", ".AAA.BBCCC.D..EE"}, {17, "FFF", ".AAA.BBCCC.D..EEFFF"}, {20, "GG", ".AAA.BBCCC.D..EEFFFGG"},
		{22, "HH", ".AAA.BBCCC.D..EEFFFGGHH"}, {24, "I", ".AAA.BBCCC.D..EEFFFGGHHI"},
		{3, "JJJJ", ".AAAJJBCCC.D..EEFFFGGHHI"}, {8, "KKK", ".AAAJJBCCC.D..EEFFFGGHHI"},
		{11, "LLL", ".AAAJJBCCCLLL.EEFFFGGHHI"}, {14, "MMM", ".AAAJJBCCCLLLMMMFFFGGHHI"},
		{18, "N", ".AAAJJBCCCLLLMMMFFFGGHHI"}, {21, "O", ".AAAJJBCCCLLLMMMFFFGGHHI"},
		{22, "P", ".AAAJJBCCCLLLMMMFFFGGHHI"}, {24, "QQ", ".AAAJJBCCCLLLMMMFFFGGHHQQ"},
		{1, "0", "0AAAJJBCCCLLLMMMFFFGGHHQQ"},
	}},
	{"linux-before", PolicyLinux, vecBeforeBSD},
	{"linux-same", PolicyLinux, []overlapStep{
		{1, "CCC", "CCC"}, {15, "HH", "CCC...........HH"}, {17, "II", "CCC...........HHII"},
		{1, "KKK", "CCC...........HHII"}, {1, "LLLL", "LLLL..........HHII"},
		{15, "P", "LLLL..........HHII"}, {15, "QQ", "LLLL..........HHII"},
	}},
	{"linux-after", PolicyLinux, vecAfterBSD},
	{"old-linux", PolicyOldLinux, []overlapStep{
		{2, "AAA", ".AAA"}, {6, "BB", ".AAA.BB"}, {8, "CCC", ".AAA.BBCCC"}, {12, "D", ".AAA.BBCCC.D"},
		{15, "EE", ".AAA.BBCCC.D..EE"}, {17, "FFF", ".AAA.BBCCC.D..EEFFF"}, {20, "GG", ".AAA.BBCCC.D..EEFFFGG"},
		{22, "HH", ".AAA.BBCCC.D..EEFFFGGHH"}, {24, "I", ".AAA.BBCCC.D..EEFFFGGHHI"},
		{3, "JJJJ", ".AAAJJBCCC.D..EEFFFGGHHI"}, {8, "KKK", ".AAAJJBKKK.D..EEFFFGGHHI"},
		{11, "LLL", ".AAAJJBKKKLLL.EEFFFGGHHI"}, {14, "MMM", ".AAAJJBKKKLLLMMMFFFGGHHI"},
		{18, "N", ".AAAJJBKKKLLLMMMFFFGGHHI"}, {21, "O", ".AAAJJBKKKLLLMMMFFFGGHHI"},
		{22, "P", ".AAAJJBKKKLLLMMMFFFGGHHI"}, {24, "QQ", ".AAAJJBKKKLLLMMMFFFGGHHQQ"},
		{1, "0", "0AAAJJBKKKLLLMMMFFFGGHHQQ"},
	}},
	{"old-linux-before", PolicyOldLinux, vecBeforeBSD},
	{"old-linux-same", PolicyOldLinux, []overlapStep{
		{1, "CCC", "CCC"}, {15, "HH", "CCC...........HH"}, {17, "II", "CCC...........HHII"},
		{1, "KKK", "KKK...........HHII"}, {1, "LLLL", "LLLL..........HHII"},
		{15, "P", "LLLL..........HHII"}, {15, "QQ", "LLLL..........QQII"},
	}},
	{"old-linux-after", PolicyOldLinux, vecAfterBSD},
	{"solaris", PolicySolaris, []overlapStep{
		{2, "AAA", ".AAA"}, {6, "BB", ".AAA.BB"}, {8, "CCC", ".AAA.BBCCC"}, {12, "D", ".AAA.BBCCC.D"},
		{15, "EE", ".AAA.BBCCC.D..EE"}, {17, "FFF", ".AAA.BBCCC.D..EEFFF"}, {20, "GG", ".AAA.BBCCC.D..EEFFFGG"},
		{22, "HH", ".AAA.BBCCC.D..EEFFFGGHH"}, {24, "I", ".AAA.BBCCC.D..EEFFFGGHHI"},
		{3, "JJJJ", ".AJJJBBCCC.D..EEFFFGGHHI"}, {8, "KKK", ".AJJJBBKKK.D..EEFFFGGHHI"},
		{11, "LLL", ".AJJJBBKKKLLL.EEFFFGGHHI"}, {14, "MMM", ".AJJJBBKKKLLLMMMFFFGGHHI"},
		{18, "N", ".AJJJBBKKKLLLMMMFFFGGHHI"}, {21, "O", ".AJJJBBKKKLLLMMMFFFGGHHI"},
		{22, "P", ".AJJJBBKKKLLLMMMFFFGGHHI"}, {24, "QQ", ".AJJJBBKKKLLLMMMFFFGGHHQQ"},
		{1, "0", "0AJJJBBKKKLLLMMMFFFGGHHQQ"},
	}},
	{"solaris-before", PolicySolaris, vecBeforeBSD},
	{"solaris-same", PolicySolaris, []overlapStep{
		{1, "CCC", "CCC"}, {15, "HH", "CCC...........HH"}, {17, "II", "CCC...........HHII"},
		{1, "KKK", "KKK...........HHII"}, {1, "LLLL", "LLLL..........HHII"},
		{15, "P", "LLLL..........HHII"}, {15, "QQ", "LLLL..........QQII"},
	}},
	{"solaris-after", PolicySolaris, []overlapStep{
		{1, "AA", "AA"}, {16, "FFF", "AA.............FFF"}, {19, "GG", "AA.............FFFGG"},
		{2, "JJ", "AJJ............FFFGG"}, {20, "O", "AJJ............FFFGG"}, {17, "N", "AJJ............FFFGG"},
	}},
	{"last", PolicyLast, []overlapStep{
		{2, "AAA", ".AAA"}, {6, "BB", ".AAA.BB"}, {8, "CCC", ".AAA.BBCCC"}, {12, "D", ".AAA.BBCCC.D"},
		{15, "EE", ".AAA.BBCCC.D..EE"}, {17, "FFF", ".AAA.BBCCC.D..EEFFF"}, {20, "GG", ".AAA.BBCCC.D..EEFFFGG"},
		{22, "HH", ".AAA.BBCCC.D..EEFFFGGHH"}, {24, "I", ".AAA.BBCCC.D..EEFFFGGHHI"},
		{3, "JJJJ", ".AJJJJBCCC.D..EEFFFGGHHI"}, {8, "KKK", ".AJJJJBKKK.D..EEFFFGGHHI"},
		{11, "LLL", ".AJJJJBKKKLLL.EEFFFGGHHI"}, {14, "MMM", ".AJJJJBKKKLLLMMMFFFGGHHI"},
		{18, "N", ".AJJJJBKKKLLLMMMFNFGGHHI"}, {21, "O", ".AJJJJBKKKLLLMMMFNFGOHHI"},
		{22, "P", ".AJJJJBKKKLLLMMMFNFGOPHI"}, {24, "QQ", ".AJJJJBKKKLLLMMMFNFGOPHQQ"},
		{1, "0", "0AJJJJBKKKLLLMMMFNFGOPHQQ"},
	}},
	{"last-before", PolicyLast, vecBeforeBSD},
	{"last-same", PolicyLast, []overlapStep{
		{1, "CCC", "CCC"}, {15, "HH", "CCC...........HH"}, {17, "II", "CCC...........HHII"},
		{1, "KKK", "KKK...........HHII"}, {1, "LLLL", "LLLL..........HHII"},
		{15, "P", "LLLL..........PHII"}, {15, "QQ", "LLLL..........QQII"},
	}},
	{"last-after", PolicyLast, []overlapStep{
		{1, "AA", "AA"}, {16, "FFF", "AA.............FFF"}, {19, "GG", "AA.............FFFGG"},
		{2, "JJ", "AJJ............FFFGG"}, {20, "O", "AJJ............FFFGO"}, {17, "N", "AJJ............FNFGO"},
	}},
	// Suricata's StreamTcpReassembleTest30 … 32: gaps filled from before and after, and one
	// segment over everything.
	{"bsd-fill-before", PolicyBSD, []overlapStep{{3, "BBB", "..BBB"}, {1, "AA", "AABBB"}}},
	{"bsd-fill-after", PolicyBSD, []overlapStep{{1, "AA", "AA"}, {3, "BBB", "AABBB"}}},
	{"bsd-span", PolicyBSD, []overlapStep{
		{11, "AAAAAAAAAA", "..........AAAAAAAAAA"},
		{21, "BBBBBBBBBB", "..........AAAAAAAAAABBBBBBBBBB"},
		{41, "CCCCCCCCCC", "..........AAAAAAAAAABBBBBBBBBB..........CCCCCCCCCC"},
		{6, "aaaaaaaaaaaaaaaaaaaa", ".....aaaaaaaaaaaaaaaaaaaaBBBBB..........CCCCCCCCCC"},
		{1, strings.Repeat("x", 50), strings.Repeat("x", 50)},
	}},
}

// Policies Suricata treats alike must give the same results on every vector.
var policyAliases = map[OverlapPolicy]OverlapPolicy{
	PolicyHPUX10: PolicyBSD, PolicyIRIX: PolicyBSD, PolicyMacOS: PolicyBSD, PolicyWindows: PolicyBSD,
	PolicyWindows2k3: PolicyBSD, PolicyHPUX11: PolicySolaris, PolicyFirst: PolicyVista,
	PolicyOldSolaris: PolicyVista, PolicyBSDRight: PolicyVista,
}

func runOverlapVector(t *testing.T, policy OverlapPolicy, isn uint32, steps []overlapStep) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Policy = policy
	x := newSession(t, cfg, isn, 5000)
	x.pkt(true, tcp(syn, isn, 0, "")) // the server never acknowledges: everything stays queued
	h := x.s.dir(true)
	for i, st := range steps {
		x.pkt(true, tcp(ack|psh, isn+st.rseq, 0, st.data))
		want := strings.ReplaceAll(st.want, ".", "\x00")
		if got := x.r.queued(h); got != want {
			t.Fatalf("isn %d step %d (seq +%d %q): queue %q, want %q", isn, i, st.rseq, st.data,
				strings.ReplaceAll(got, "\x00", "."), st.want)
		}
		x.r.checkList(t, h)
	}
	// Delivery must hand on exactly the resolved bytes once the receiver acknowledges them.
	final := steps[len(steps)-1].want
	if !strings.Contains(final, ".") {
		x.pkt(false, tcp(ack, 5000, isn+1+uint32(len(final)), ""))
		if got := x.rec.got(true); got != final {
			t.Fatalf("isn %d: delivered %q, want %q", isn, got, final)
		}
	}
	x.close()
	if x.r.MemUse() != 0 {
		t.Fatalf("memory in use after Close: %d", x.r.MemUse())
	}
}

func TestOverlapPolicies(t *testing.T) {
	isns := []uint32{0, 1, math.MaxUint32, math.MaxUint32 - 10}
	for _, v := range overlapVectors {
		t.Run(v.name, func(t *testing.T) {
			for _, isn := range isns {
				runOverlapVector(t, v.policy, isn, v.steps)
				for alias, of := range policyAliases {
					if of == v.policy {
						runOverlapVector(t, alias, isn, v.steps)
					}
				}
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	for p := OverlapPolicy(0); p < numPolicies; p++ {
		got, err := ParsePolicy(p.String())
		if err != nil || got != p {
			t.Fatalf("ParsePolicy(%q) = %v, %v", p.String(), got, err)
		}
	}
	if _, err := ParsePolicy("beos"); err == nil {
		t.Fatal("ParsePolicy accepted an unknown name")
	}
}
