package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/nightjar-ids/nightjar/export"
	"github.com/nightjar-ids/nightjar/export/collector"
)

// cmdCollect runs the Flight collector: nightjar collect --listen ADDR --lake DIR
// [--tls-cert F --tls-key F] [--token T] [--id ID] [--compact-every SECONDS].
func cmdCollect(args []string) int {
	var (
		listen, lake, certFile, keyFile, token, id string
		compactEvery                               = time.Minute
		noSync                                     bool
	)
	p := newArgParser()
	p.value(func(v string) error { listen = v; return nil }, "--listen")
	p.value(func(v string) error { lake = v; return nil }, "--lake")
	p.value(func(v string) error { certFile = v; return nil }, "--tls-cert")
	p.value(func(v string) error { keyFile = v; return nil }, "--tls-key")
	p.value(func(v string) error { token = v; return nil }, "--token")
	p.value(func(v string) error { id = v; return nil }, "--id")
	p.value(func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("want a duration such as 30s, got %q", v)
		}
		compactEvery = d
		return nil
	}, "--compact-every")
	p.boolean(func() error { noSync = true; return nil }, "--no-sync")
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "nightjar collect: "+format+"\n", a...)
		return exitUnusable
	}
	if err := p.parse(args); err != nil {
		return fail("%v", err)
	}
	if len(p.ignored) > 0 || len(p.positional) > 0 {
		return fail("unexpected arguments %v %v", p.ignored, p.positional)
	}
	if listen == "" || lake == "" {
		return fail("want --listen ADDR and --lake DIR")
	}
	if (certFile == "") != (keyFile == "") {
		return fail("--tls-cert and --tls-key go together")
	}
	if compactEvery == 0 {
		compactEvery = -1 // 0 means off on the command line
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts := collector.Options{Lake: lake, ID: id, Token: token, NoSync: noSync, CompactEvery: compactEvery, Log: log}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return fail("TLS: %v", err)
		}
		opts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	c, err := collector.New(opts)
	if err != nil {
		return fail("%v", err)
	}
	lis, err := net.Listen("tcp", listen)
	if err != nil {
		c.Close(0)
		return fail("%v", err)
	}
	log.Info("collector listening", "addr", lis.Addr().String(), "lake", lake, "id", c.ID(), "tls", opts.TLS != nil, "token", token != "")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- c.Serve(lis) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		err = c.Close(10 * time.Second)
	}
	st := c.Stats()
	log.Info("collector stopped", "batches", st.Batches, "rows", st.Rows, "duplicates", st.Duplicates, "files", st.Files, "bytes", st.Bytes, "compacted", st.Compacted)
	if err != nil {
		return fail("%v", err)
	}
	return exitOK
}

// cmdTail prints the batches a collector receives, one JSON object per row with the sensor
// added: nightjar tail --flight ADDR [--flight-token T] [--flight-ca F] [--type alert] [--no-follow].
func cmdTail(args []string) int {
	var (
		co       export.FlightClientOptions
		ticket   = export.TailTicket{EventType: "alert", Follow: true}
		noFollow bool
	)
	p := newArgParser()
	p.value(func(v string) error { co.Addr = v; return nil }, "--flight")
	p.value(func(v string) error { co.Token = v; return nil }, "--flight-token")
	p.value(func(v string) error { co.CAFile = v; return nil }, "--flight-ca")
	p.value(func(v string) error { ticket.EventType = v; return nil }, "--type")
	p.boolean(func() error { noFollow = true; return nil }, "--no-follow")
	if err := p.parse(args); err != nil || co.Addr == "" || len(p.ignored) > 0 {
		if err == nil {
			err = fmt.Errorf("want --flight ADDR")
		}
		fmt.Fprintf(os.Stderr, "nightjar tail: %v\n", err)
		return exitUnusable
	}
	ticket.Follow = !noFollow
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	err := collector.Tail(ctx, co, ticket, func(sensor string, rec arrow.RecordBatch) error {
		if err := writeRowsJSON(out, sensor, rec); err != nil {
			return err
		}
		return out.Flush() // live: each batch shows as it arrives
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "nightjar tail: %v\n", err)
		return exitUnusable
	}
	return exitOK
}

// writeRowsJSON writes each row as one JSON object, with the sensor it came from.
func writeRowsJSON(w *bufio.Writer, sensor string, rec arrow.RecordBatch) error {
	enc := json.NewEncoder(w)
	fields := rec.Schema().Fields()
	row := make(map[string]any, len(fields)+1)
	for i := 0; i < int(rec.NumRows()); i++ {
		row["sensor"] = sensor
		for j, c := range rec.Columns() {
			row[fields[j].Name] = c.GetOneForMarshal(i)
		}
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	return nil
}
