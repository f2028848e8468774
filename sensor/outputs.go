package sensor

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nightjar-ids/nightjar/export"
)

// outputs is what all workers write into: the shared EVE file and the settings for each
// worker's own Arrow files.
type outputs struct {
	dir        string
	sensor     string
	eve        *export.EVEWriter
	eveFlow    bool
	eveAnomaly bool
	eveStats   bool
	arrowFlows bool
	arrowCfg   ArrowOutput
}

func openOutputs(cfg *Config, dir string) (*outputs, error) {
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
		o.eveFlow, o.eveAnomaly, o.eveStats = e.Flow, e.Anomaly, e.Stats
	}
	o.arrowFlows = cfg.Outputs.Arrow.Enabled
	return o, nil
}

func (o *outputs) close() error {
	if o.eve != nil {
		return o.eve.Close()
	}
	return nil
}

// flowArrow is one worker's flow-record batches and the IPC files they go to.
type flowArrow struct {
	batch *export.FlowBatcher
	sink  *export.IPCFileSink
}

func (o *outputs) newFlowArrow(worker int) (*flowArrow, error) {
	dir := filepath.Join(o.dir, o.arrowCfg.FlowsDir)
	sink, err := export.NewIPCFileSink(export.IPCFileSinkOptions{
		Dir:      dir,
		Kind:     "flow",
		Prefix:   fmt.Sprintf("%s-w%02d", o.sensor, worker),
		Schema:   export.FlowSchema,
		MaxBytes: o.arrowCfg.RotateBytes,
		MaxAge:   time.Duration(o.arrowCfg.RotateSeconds) * time.Second,
		NoSync:   true, // files of a pcap run are complete when the run ends; live runs sync
	})
	if err != nil {
		return nil, fmt.Errorf("flow arrow output: %w", err)
	}
	return &flowArrow{batch: export.NewFlowBatcher(export.BatchOptions{MaxRows: o.arrowCfg.BatchRows}), sink: sink}, nil
}

func (f *flowArrow) append(r *export.FlowRecord) error {
	if f.batch.Append(r) {
		return f.flush()
	}
	return nil
}

func (f *flowArrow) flush() error {
	if f.batch.Len() == 0 {
		return nil
	}
	rec := f.batch.Flush()
	defer rec.Release()
	return f.sink.Write(rec)
}

func (f *flowArrow) close() error {
	err := f.flush()
	if cerr := f.sink.Close(); err == nil {
		err = cerr
	}
	return err
}
