// Command nightjar is the Nightjar network IDS sensor: one binary for reading captures, live
// capture, rule checking, conformance runs, the collector and the benchmark lab.
package main

import (
	"fmt"
	"os"
)

const usage = `usage: nightjar COMMAND [flags]

commands:
  read     run the sensor over pcap/pcapng files   (nightjar read -r FILE [-l DIR] [-c CONFIG] [--set k=v] [--workers N] [BPF])
  verify   run suricata-verify style conformance tests (nightjar verify [--json] DIR…)
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
	case "verify":
		code = cmdVerify(args)
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
