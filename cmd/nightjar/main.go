// Command nightjar is the Nightjar network IDS sensor: one binary for reading captures, live
// capture, rule checking, conformance runs, the collector and the benchmark lab.
package main

import (
	"fmt"
	"os"
)

const usage = `usage: nightjar COMMAND [flags]

commands:
  read     run the sensor over pcap/pcapng files   (nightjar read -r FILE [-S RULES] [-l DIR] [-c CONFIG] [--set k=v] [--workers N] [BPF])
  run      capture live from interfaces              (nightjar run -i IFACE [-i IFACE…] [--workers N] [--cpus LIST] [-S RULES] [-l DIR] [-c CONFIG] [--metrics ADDR] [--flight ADDR] [--ctl-socket PATH] [BPF])
  ctl      control a running sensor                (nightjar ctl reload [--socket PATH | -l DIR] [--json])
  rules    check, list or explain rule files          (nightjar rules check|list|explain [SID] FILE…)
  collect  Flight collector writing a Parquet lake (nightjar collect --listen ADDR --lake DIR [--tls-cert F --tls-key F] [--token T])
  tail     show what a collector receives, live    (nightjar tail --flight ADDR [--flight-token T] [--flight-ca F] [--type alert])
  verify   run suricata-verify style conformance tests (nightjar verify [--json] DIR…)
  bench    the throughput lab                     (nightjar bench gen|run|compare …)
  version  print the version
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	var code int
	switch cmd {
	case "read":
		code = cmdRead(args)
	case "run":
		code = cmdRun(args)
	case "verify":
		code = cmdVerify(args)
	case "bench":
		code = cmdBench(args)
	case "collect":
		code = cmdCollect(args)
	case "tail":
		code = cmdTail(args)
	case "rules":
		code = cmdRules(args)
	case "ctl":
		code = cmdCtl(args)
	case "version", "--version", "-V":
		fmt.Println("nightjar", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "nightjar: unknown command %q\n%s", cmd, usage)
		code = 2
	}
	os.Exit(code)
}
