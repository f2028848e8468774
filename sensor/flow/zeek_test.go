package flow

import "testing"

func TestZeekConnStateAndHistory(t *testing.T) {
	type seg struct {
		cli     bool
		flags   uint8
		payload int
	}
	for _, tc := range []struct {
		name, state, history string
		segs                 []seg
	}{
		{"attempt", "S0", "S", []seg{{true, S, 0}}},
		{"rejected", "REJ", "Sr", []seg{{true, S, 0}, {false, RA, 0}}},
		{"established", "S1", "ShA", []seg{{true, S, 0}, {false, SA, 0}, {true, A, 0}}},
		{"normal", "SF", "ShADadFf", []seg{{true, S, 0}, {false, SA, 0}, {true, A, 0},
			{true, PA, 10}, {false, A, 0}, {false, PA, 20}, {true, FA, 0}, {false, FA, 0}, {true, A, 0}}},
		{"orig aborts", "RSTO", "ShAR", []seg{{true, S, 0}, {false, SA, 0}, {true, A, 0}, {true, R, 0}}},
		{"resp aborts", "RSTR", "ShAr", []seg{{true, S, 0}, {false, SA, 0}, {true, A, 0}, {false, R, 0}}},
		{"syn then own reset", "RSTOS0", "SR", []seg{{true, S, 0}, {true, R, 0}}},
		{"half open close", "SH", "SF", []seg{{true, S, 0}, {true, F, 0}}},
		{"orig closed", "S2", "ShAF", []seg{{true, S, 0}, {false, SA, 0}, {true, A, 0}, {true, FA, 0}}},
		{"resp closed", "S3", "ShAf", []seg{{true, S, 0}, {false, SA, 0}, {true, A, 0}, {false, FA, 0}}},
		{"midstream", "OTH", "Dd", []seg{{true, PA, 10}, {false, PA, 10}}},
		{"multi flag", "SH", "Q", []seg{{true, S | F, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb, rec := newTestTable(t, nil)
			c := newConv(t, tb)
			for _, s := range tc.segs {
				c.send(s.cli, s.flags, s.payload)
			}
			r := onlyRecord(t, tb, rec)
			if r.ConnState != tc.state || r.History != tc.history {
				t.Fatalf("conn_state %s history %q, want %s %q", r.ConnState, r.History, tc.state, tc.history)
			}
		})
	}
}

func TestZeekRepeatedAndScaledLetters(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	c := newConv(t, tb)
	c.cli(S, 0)
	// A SYN retransmitted with the same sequence number is not repeated; a new ISN is.
	p := tcpPkt(c.at, "10.0.0.1", "10.0.0.2", 40000, 80, S, c.seq[0]-1, 0, 0)
	tb.Update(p)
	p = tcpPkt(c.at, "10.0.0.1", "10.0.0.2", 40000, 80, S, 77, 0, 0)
	tb.Update(p)
	c.seq[0] = 78
	c.srv(SA, 0)
	c.cli(A, 0)
	c.cli(PA, 10)
	// Eleven retransmissions of the same data: 'T' at the 1st and the 10th.
	for range 11 {
		p := tcpPkt(c.at, "10.0.0.1", "10.0.0.2", 40000, 80, PA, c.seq[0]-10, c.seq[1], 10)
		tb.Update(p)
	}
	// A zero window from the server.
	p = tcpPkt(c.at, "10.0.0.2", "10.0.0.1", 80, 40000, A, c.seq[1], c.seq[0], 0)
	p.Window = 0
	tb.Update(p)
	r := onlyRecord(t, tb, rec)
	if r.History != "SShADTTaw" {
		t.Fatalf("history %q, want SShADTTaw", r.History)
	}
}

func TestZeekUDP(t *testing.T) {
	for _, tc := range []struct {
		name, state, history string
		reply                bool
	}{{"one way", "S0", "D", false}, {"answered", "SF", "Dd", true}} {
		tb, rec := newTestTable(t, nil)
		tb.Update(udpPkt(base, "10.0.0.1", "8.8.8.8", 5353, 53, 30))
		if tc.reply {
			tb.Update(udpPkt(base+1, "8.8.8.8", "10.0.0.1", 53, 5353, 90))
		}
		r := onlyRecord(t, tb, rec)
		if r.ConnState != tc.state || r.History != tc.history {
			t.Errorf("%s: %s %q, want %s %q", tc.name, r.ConnState, r.History, tc.state, tc.history)
		}
	}
}

func TestZeekHistoryBounded(t *testing.T) {
	tb, rec := newTestTable(t, nil)
	c := newConv(t, tb)
	for range 40 {
		c.cli(S, 0) // every SYN has a new sequence number: one letter each
	}
	if r := onlyRecord(t, tb, rec); len(r.History) != historyMax {
		t.Fatalf("history of %d letters, want %d", len(r.History), historyMax)
	}
}
