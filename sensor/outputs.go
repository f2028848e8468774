package sensor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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
	eveStats    bool
	eveAlert    bool
	fast        *export.EVEWriter // fast.log: the EVE writer is a plain shared line writer
	arrowFlows  bool              // workers batch flows: for IPC files, Flight or both
	arrowAlerts bool
	arrowCfg    ArrowOutput
	flight      *export.FlightSink // nil unless outputs.flight is enabled
	flightWait  time.Duration
}

// openOutputs opens the shared files. Alert outputs (fast.log, alerts/) are opened only when
// detection runs, so a run without rules leaves no empty alert files behind.
func openOutputs(cfg *Config, dir string, alerts bool) (*outputs, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	o := &outputs{dir: dir, sensor: cfg.SensorName, arrowCfg: cfg.Outputs.Arrow}
	if e := cfg.Outputs.EVE; e.Enabled {
		w, err := export.OpenEVEWriter(filepath.Join(dir, e.Filename))
		if err != nil {
			return nil, err
		}
		o.eve = w
		o.eveFlow, o.eveAnomaly, o.eveStats, o.eveAlert = e.Flow, e.Anomaly, e.Stats, e.Alert
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
	return o, nil
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
	if o.flight != nil {
		o.closeFlight()
	}
	var errs []error
	if o.eve != nil {
		errs = append(errs, o.eve.Close())
	}
	if o.fast != nil {
		errs = append(errs, o.fast.Close())
	}
	return errors.Join(errs...)
}

// batcher is what an Arrow output needs of an event type's batcher (export.FlowBatcher,
// export.AlertBatcher).
type batcher[T any] interface {
	Append(*T) bool
	Len() int
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
	flowArrow  = arrowOutput[export.FlowRecord]
	alertArrow = arrowOutput[export.Alert]
)

func (o *outputs) newFlowArrow(worker int) (*flowArrow, error) {
	return newArrowOutput[export.FlowRecord](o, worker, o.arrowCfg.FlowsDir, "flow", export.FlowSchema,
		export.NewFlowBatcher(export.BatchOptions{MaxRows: o.arrowCfg.BatchRows}))
}

func (o *outputs) newAlertArrow(worker int) (*alertArrow, error) {
	return newArrowOutput[export.Alert](o, worker, o.arrowCfg.AlertsDir, "alert", export.AlertSchema,
		export.NewAlertBatcher(export.BatchOptions{MaxRows: o.arrowCfg.BatchRows}))
}

func newArrowOutput[T any](o *outputs, worker int, sub, kind string, schema *arrow.Schema, b batcher[T]) (*arrowOutput[T], error) {
	if !o.arrowCfg.Enabled {
		return &arrowOutput[T]{batch: b, flight: o.flight}, nil
	}
	sink, err := export.NewIPCFileSink(export.IPCFileSinkOptions{
		Dir:      filepath.Join(o.dir, sub),
		Kind:     kind,
		Prefix:   fmt.Sprintf("%s-w%02d", o.sensor, worker),
		Schema:   schema,
		MaxBytes: o.arrowCfg.RotateBytes,
		MaxAge:   time.Duration(o.arrowCfg.RotateSeconds) * time.Second,
		NoSync:   true, // files of a pcap run are complete when the run ends; live runs sync
	})
	if err != nil {
		b.Release()
		return nil, fmt.Errorf("%s arrow output: %w", kind, err)
	}
	return &arrowOutput[T]{batch: b, sink: sink, flight: o.flight}, nil
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
