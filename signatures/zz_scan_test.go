package signatures

import (
	"testing"

	"github.com/nightjar-ids/nightjar/decoders"
)

func BenchmarkZZScan(b *testing.B) {
	e := benchEngine(b)
	dec := decoders.NewDecoder(decoders.DefaultConfig())
	specs := benchPackets()
	var payloads [][]byte
	var groups []*group
	for _, s := range specs {
		var pkt decoders.Packet
		frame := buildFrame(s)
		dec.Decode(&pkt, frame, decoders.LinkEthernet, 0, len(frame))
		payloads = append(payloads, append([]byte(nil), pkt.Payload...))
		dir := dirToServer
		if !s.toSrv {
			dir = dirToClient
		}
		groups = append(groups, e.groupOf(&pkt, dir))
	}
	all := make([]fastPattern, len(e.patRules))
	for _, er := range e.rules {
		if er.hasFP {
			// find its id
			for id, l := range e.patRules {
				for _, ri := range l {
					if ri == er.idx {
						all[id] = er.fp
					}
				}
			}
		}
	}
	win := 0
	for _, p := range all {
		if p.minEnd > 0 || p.maxEnd > 0 {
			win++
		}
	}
	hist := map[string]int{}
	for _, p := range all {
		switch {
		case p.minEnd == 0 && p.maxEnd == 0:
			hist["none"]++
		case p.maxEnd == 0:
			hist["minonly"]++
		case p.maxEnd <= 16:
			hist["max<=16"]++
		case p.maxEnd <= 32:
			hist["max<=32"]++
		case p.maxEnd <= 64:
			hist["max<=64"]++
		case p.maxEnd <= 128:
			hist["max<=128"]++
		default:
			hist["max>128"]++
		}
	}
	println("global", len(all), "windowed", win)
	for k, v := range hist {
		println(k, v)
	}
	run := func(name string, pats []fastPattern) {
		db, _, _, err := compileLiterals(pats)
		if err != nil {
			b.Fatal(err)
		}
		s, _ := newHSScanner(db)
		b.Run(name, func(b *testing.B) {
			hits := 0
			for i := 0; i < b.N; i++ {
				hits += len(s.scan(db, payloads[i%len(payloads)]))
			}
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		})
	}
	run("global", all)
	var mainP, shallow []fastPattern
	for _, p := range all {
		if p.maxEnd > 0 && p.maxEnd <= 64 {
			shallow = append(shallow, p)
		} else {
			mainP = append(mainP, p)
		}
	}
	{
		db1, _, _, _ := compileLiterals(mainP)
		db2, _, _, _ := compileLiterals(shallow)
		s1, _ := newHSScanner(db1)
		s2, _ := newHSScanner(db2)
		b.Run("split", func(b *testing.B) {
			hits := 0
			for i := 0; i < b.N; i++ {
				p := payloads[i%len(payloads)]
				hits += len(s1.scan(db1, p))
				hits += len(s2.scan(db2, p[:min(len(p), 64)]))
			}
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		})
		b.Run("main-only", func(b *testing.B) {
			hits := 0
			for i := 0; i < b.N; i++ {
				p := payloads[i%len(payloads)]
				hits += len(s1.scan(db1, p))
			}
			b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
		})
	}
	nowin := make([]fastPattern, len(all))
	for i, p := range all {
		p.minEnd, p.maxEnd = 0, 0
		nowin[i] = p
	}
	run("global-nowindow", nowin)
	// per direction/transport: tcp to-server
	var ts []fastPattern
	for id, l := range e.patRules {
		for _, ri := range l {
			er := e.rules[ri]
			if inDirection(er.r, dirToServer) && protoMatches(er.r, 6) {
				ts = append(ts, all[id])
				break
			}
		}
	}
	run("tcp-toserver", ts)
	// group of port 80 to server
	var g80 []fastPattern
	g := groups[0]
	for id, l := range e.patRules {
		for _, ri := range l {
			if g.fp.has(ri) {
				g80 = append(g80, all[id])
				break
			}
		}
	}
	run("group80", g80)
}
