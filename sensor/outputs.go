package sensor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/nightjar-ids/nightjar/export"
)

// outputs is what all workers write into: the shared EVE and fast.log files and the settings for
// each worker's own Arrow files.
type outputs struct {
	dir         string
	sensor      string
	eve         *export.EVEWriter
	eveFlow     bool
	eveAnomaly  bool
	evePackets  bool // tagged packets
	eveStats    bool
	eveAlert    bool
	eveHTTP     bool
	eveDNS      bool
	dns         dnsLog // how DNS events are written
	eveTLS      bool
	eveSSH      bool
	eveDHCP     bool
	eveFTP      bool // ftp and ftp_data events
	dhcpExt     bool // eve-log dhcp extended: every message, every option
	eveSMTP     bool
	smtpExt     bool // eve-log smtp extended: more of the email's headers
	eveFiles    bool
	eveSMB      bool
	eveDCERPC   bool
	fast        *export.EVEWriter // fast.log: the EVE writer is a plain shared line writer
	arrowFlows  bool              // workers batch flows and anomalies: for IPC files, Flight or both
	arrowAlerts bool
	arrowCfg    ArrowOutput
	// noSync skips the fsync of finished Arrow files: a pcap run's files are complete when the run
	// ends, whereas a live sensor's must survive a power loss.
	noSync     bool
	statsTo    *statsArrow        // the sensor's one stats batcher; nil when Arrow and Flight are off
	flight     *export.FlightSink // nil unless outputs.flight is enabled
	flightWait time.Duration
}

// openOutputs opens the shared files. Alert outputs (fast.log, alerts/) are opened only when
// detection runs, so a run without rules leaves no empty alert files behind. noSync is for runs
// over capture files (see outputs.noSync).
func openOutputs(cfg *Config, dir string, alerts, noSync bool) (*outputs, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	o := &outputs{dir: dir, sensor: cfg.SensorName, arrowCfg: cfg.Outputs.Arrow, noSync: noSync}
	if e := cfg.Outputs.EVE; e.Enabled {
		w, err := openEVE(e, dir)
		if err != nil {
			return nil, err
		}
		o.eve = w
		o.eveFlow, o.eveAnomaly, o.eveStats, o.eveAlert = e.Flow, e.Anomaly, e.Stats, e.Alert
		o.evePackets = e.Alert && e.TaggedPackets
		o.eveHTTP, o.eveDNS, o.eveTLS, o.eveSSH, o.eveFiles = e.HTTP, e.DNS.Enabled, e.TLS, e.SSH, e.Files
		o.eveDHCP, o.dhcpExt = e.DHCP.Enabled, e.DHCP.Extended
		o.eveSMTP, o.smtpExt = e.SMTP.Enabled, e.SMTP.Extended
		o.eveFTP = e.FTP
		o.eveSMB, o.eveDCERPC = e.SMB, e.DCERPC
		dl, err := newDNSLog(e.DNS, os.Getenv("SURICATA_EVE_DNS_VERSION"))
		if err != nil {
			o.close()
			return nil, err
		}
		o.dns = dl
	}
	if f := cfg.Outputs.Fast; alerts && f.Enabled {
		w, err := export.OpenEVEWriter(filepath.Join(dir, f.Filename))
		if err != nil {
			o.close()
			return nil, fmt.Errorf("fast.log output: %w", err)
		}
		o.fast = w
	}
	if f := cfg.Outputs.Flight; f.Enabled {
		if err := o.openFlight(cfg, f); err != nil {
			o.close()
			return nil, err
		}
	}
	o.arrowFlows = cfg.Outputs.Arrow.Enabled || o.flight != nil
	o.arrowAlerts = alerts && o.arrowFlows
	if o.arrowFlows {
		st, err := newArrowOutput[export.Stats](o, o.sensor, o.arrowCfg.StatsDir, "stats", export.StatsSchema,
			export.NewStatsBatcher(o.batchOptions()))
		if err != nil {
			o.close()
			return nil, err
		}
		o.statsTo = st
	}
	return o, nil
}

// dnsLog is the eve-log dns setting resolved for the writers.
type dnsLog struct {
	version             uint8 // 2 or 3
	formats             export.DNSFormats
	requests, responses bool
}

// newDNSLog resolves the layout version as Suricata 8 does: the configured version, else the
// environment's SURICATA_EVE_DNS_VERSION, else 3. Suricata falls back to its default on a
// version it does not know; Nightjar refuses it, so a typo cannot change the output silently.
func newDNSLog(c EVEDNSLog, env string) (dnsLog, error) {
	d := dnsLog{version: 3, requests: c.Requests, responses: c.Responses}
	v := c.Version
	if v == 0 && env != "" {
		n, err := strconv.Atoi(strings.TrimSpace(env))
		if err != nil {
			return d, fmt.Errorf("SURICATA_EVE_DNS_VERSION %q: %w", env, err)
		}
		v = n
	}
	switch v {
	case 0, 3:
	case 2:
		d.version = 2
	default:
		return d, fmt.Errorf("outputs.eve-log.dns.version %d: want 2 or 3", v)
	}
	for _, f := range c.Formats {
		switch strings.ToLower(f) {
		case "detailed":
			d.formats |= export.DNSDetailed
		case "grouped":
			d.formats |= export.DNSGrouped
		default:
			return d, fmt.Errorf("outputs.eve-log.dns.formats: unknown format %q (detailed, grouped)", f)
		}
	}
	return d, nil
}

// openEVE opens eve.json, or connects to the socket it names, as the eve-log section says.
func openEVE(e EVEOutput, dir string) (*export.EVEWriter, error) {
	path := e.Filename
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	switch e.Filetype {
	case "", "regular", "file":
		every, err := parseRotateInterval(e.RotateInterval)
		if err != nil {
			return nil, fmt.Errorf("eve output: %w", err)
		}
		return export.OpenEVEWriterOptions(path, export.EVEWriterOptions{RotateBytes: int64(e.RotateBytes), RotateInterval: every})
	case "unix_stream", "unix_dgram":
		return export.OpenEVESocketWriter(export.EVESocketOptions{Path: path, Datagram: e.Filetype == "unix_dgram"})
	}
	return nil, fmt.Errorf("eve output: filetype %q: want regular, unix_stream or unix_dgram", e.Filetype)
}

// parseRotateInterval reads outputs.eve-log.rotate-interval: Suricata's minute, hour or day, a
// count with a unit (30s, 5m, 1h, 1d), or bare seconds. Empty or 0 means off.
func parseRotateInterval(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "", "0":
		return 0, nil
	case "minute":
		return time.Minute, nil
	case "hour":
		return time.Hour, nil
	case "day":
		return 24 * time.Hour, nil
	}
	unit := time.Second
	num := s
	switch s[len(s)-1] {
	case 's':
		num = s[:len(s)-1]
	case 'm':
		unit, num = time.Minute, s[:len(s)-1]
	case 'h':
		unit, num = time.Hour, s[:len(s)-1]
	case 'd':
		unit, num = 24*time.Hour, s[:len(s)-1]
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("rotate-interval %q: want 30s, 5m, 1h, 1d, minute, hour, day or seconds", s)
	}
	return time.Duration(n) * unit, nil
}

// batchOptions are the batching limits every Arrow batcher gets.
func (o *outputs) batchOptions() export.BatchOptions {
	return export.BatchOptions{MaxRows: o.arrowCfg.BatchRows, MaxAge: o.batchAge()}
}

// batchAge is how long a row may wait in a batch before the batch is cut (default 1 s).
func (o *outputs) batchAge() time.Duration {
	if o.arrowCfg.BatchAgeMs > 0 {
		return time.Duration(o.arrowCfg.BatchAgeMs) * time.Millisecond
	}
	return export.DefaultBatchMaxAge
}

// counters are the outputs' own counters for the stats event: what a socket EVE output sent and
// dropped. Suricata has no such counters, so the names are Nightjar's.
func (o *outputs) counters() []export.Counter {
	if o.eve == nil {
		return nil
	}
	st, ok := o.eve.SocketStats()
	if !ok {
		return nil
	}
	return []export.Counter{
		{Name: "eve_log.socket.sent", Value: st.Sent},
		{Name: "eve_log.socket.dropped", Value: st.Dropped},
		{Name: "eve_log.socket.reconnects", Value: st.Reconnects},
	}
}

// writeStats writes one counter snapshot to EVE (when its stats are on) and to the stats batcher.
// Only one goroutine at a time calls it: the control loop in live mode, the reader at the end.
func (o *outputs) writeStats(s *Summary, now int64) error {
	st := export.Stats{Timestamp: now, Uptime: int64(s.Elapsed / time.Second),
		Counters: append(s.Counters[:len(s.Counters):len(s.Counters)], o.counters()...)}
	var err error
	if o.eve != nil && o.eveStats {
		_, err = o.eve.Write(export.AppendStatsJSON(nil, &st))
	}
	if o.statsTo != nil {
		err = errors.Join(err, o.statsTo.append(&st))
	}
	return err
}

// openFlight starts the Flight sink. Its spool lives in the log directory unless configured
// elsewhere, so a sensor restarted with the same -l resumes what an earlier run left.
func (o *outputs) openFlight(cfg *Config, f FlightOutput) error {
	if f.Address == "" {
		return errors.New("flight output: no address (outputs.flight.address or --flight)")
	}
	spool := f.SpoolDir
	if spool != "" && !filepath.IsAbs(spool) {
		spool = filepath.Join(o.dir, spool)
	}
	sink, err := export.NewFlightSink(export.FlightSinkOptions{
		FlightClientOptions: export.FlightClientOptions{Addr: f.Address, Token: f.Token, CAFile: f.CAFile},
		Sensor:              cfg.SensorName,
		SpoolDir:            spool,
		SpoolMaxBytes:       int64(f.SpoolMax),
		QueueBatches:        f.QueueBatches,
		InFlightBytes:       int64(f.InFlight),
	})
	if err != nil {
		return fmt.Errorf("flight output: %w", err)
	}
	o.flight = sink
	o.flightWait = time.Duration(f.DrainTimeout) * time.Second
	return nil
}

// closeFlight waits up to the drain timeout for the collector to acknowledge every batch, then
// says what stays spooled for the next run.
func (o *outputs) closeFlight() {
	ctx, cancel := context.WithTimeout(context.Background(), o.flightWait)
	defer cancel()
	spool := o.flight.SpoolDir()
	st := o.flight.Close(ctx)
	o.flight = nil
	log := slog.Default()
	if st.PendingBatches > 0 {
		log.Warn("flight: not all batches acknowledged; they stay spooled for the next run",
			"batches", st.PendingBatches, "rows", st.PendingRows, "spool", spool, "last_error", st.LastError)
	}
	for et, d := range st.Dropped {
		log.Warn("flight: batches dropped (spool full or absent)", "event_type", et, "batches", d.Batches, "rows", d.Rows)
	}
}

func (o *outputs) close() error {
	var errs []error
	if o.statsTo != nil {
		// Before the Flight sink closes, so that the last snapshot is sent too.
		errs = append(errs, o.statsTo.close())
		o.statsTo = nil
	}
	if o.flight != nil {
		o.closeFlight()
	}
	if o.eve != nil {
		errs = append(errs, o.eve.Close())
	}
	if o.fast != nil {
		errs = append(errs, o.fast.Close())
	}
	return errors.Join(errs...)
}

// batcher is what an Arrow output needs of an event type's batcher (export.FlowBatcher,
// export.AlertBatcher, export.AnomalyBatcher, export.StatsBatcher).
type batcher[T any] interface {
	Append(*T) bool
	Len() int
	Due(now time.Time) bool
	Flush() arrow.RecordBatch
	Release()
}

// arrowOutput is one worker's batches of one event type and the IPC files they go to.
type arrowOutput[T any] struct {
	batch  batcher[T]
	sink   *export.IPCFileSink // nil when only Flight is on
	flight *export.FlightSink  // nil when Flight is off
}

type (
	flowArrow    = arrowOutput[export.FlowRecord]
	alertArrow   = arrowOutput[export.Alert]
	anomalyArrow = arrowOutput[export.Anomaly]
	statsArrow   = arrowOutput[export.Stats]
)

func (o *outputs) newFlowArrow(worker int) (*flowArrow, error) {
	return newArrowOutput[export.FlowRecord](o, workerPrefix(o.sensor, worker), o.arrowCfg.FlowsDir, "flow", export.FlowSchema,
		export.NewFlowBatcher(o.batchOptions()))
}

func (o *outputs) newAlertArrow(worker int) (*alertArrow, error) {
	return newArrowOutput[export.Alert](o, workerPrefix(o.sensor, worker), o.arrowCfg.AlertsDir, "alert", export.AlertSchema,
		export.NewAlertBatcher(o.batchOptions()))
}

func (o *outputs) newAnomalyArrow(worker int) (*anomalyArrow, error) {
	return newArrowOutput[export.Anomaly](o, workerPrefix(o.sensor, worker), o.arrowCfg.AnomaliesDir, "anomaly", export.AnomalySchema,
		export.NewAnomalyBatcher(o.batchOptions()))
}

// workerPrefix tells one worker's files from another's.
func workerPrefix(sensor string, worker int) string { return fmt.Sprintf("%s-w%02d", sensor, worker) }

func newArrowOutput[T any](o *outputs, prefix, sub, kind string, schema *arrow.Schema, b batcher[T]) (*arrowOutput[T], error) {
	if !o.arrowCfg.Enabled {
		return &arrowOutput[T]{batch: b, flight: o.flight}, nil
	}
	sink, err := export.NewIPCFileSink(export.IPCFileSinkOptions{
		Dir:      filepath.Join(o.dir, sub),
		Kind:     kind,
		Prefix:   prefix,
		Schema:   schema,
		MaxBytes: o.arrowCfg.RotateBytes,
		MaxAge:   time.Duration(o.arrowCfg.RotateSeconds) * time.Second,
		NoSync:   o.noSync,
	})
	if err != nil {
		b.Release()
		return nil, fmt.Errorf("%s arrow output: %w", kind, err)
	}
	return &arrowOutput[T]{batch: b, sink: sink, flight: o.flight}, nil
}

// flushDue cuts the batch if its first row has waited the batch age. Workers call it at tick
// time, never per packet.
// The IPC file is finalised on its own age here too, so a quiet live sensor still delivers files.
func (a *arrowOutput[T]) flushDue(now time.Time) error {
	if a == nil {
		return nil
	}
	var err error
	if a.batch.Due(now) {
		err = a.flush()
	}
	if a.sink != nil {
		err = errors.Join(err, a.sink.Tick(now))
	}
	return err
}

func (a *arrowOutput[T]) append(r *T) error {
	if a.batch.Append(r) {
		return a.flush()
	}
	return nil
}

func (a *arrowOutput[T]) flush() error {
	if a.batch.Len() == 0 {
		return nil
	}
	rec := a.batch.Flush()
	defer rec.Release()
	var err error
	if a.flight != nil {
		err = a.flight.Write(rec) // never blocks: a full queue spills to the spool
	}
	if a.sink != nil {
		err = errors.Join(err, a.sink.Write(rec))
	}
	return err
}

func (a *arrowOutput[T]) close() error {
	err := a.flush()
	if a.sink != nil {
		if cerr := a.sink.Close(); err == nil {
			err = cerr
		}
	}
	a.batch.Release()
	return err
}
