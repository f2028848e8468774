package main

import "github.com/nightjar-ids/nightjar/sensor"

// flightFlags are the Flight export flags `read` and `run` share: --flight ADDR turns the
// export on; the token and CA go with it. They override outputs.flight.* from the config.
type flightFlags struct{ address, token, caFile string }

func (f *flightFlags) register(p *argParser) {
	p.value(func(v string) error { f.address = v; return nil }, "--flight")
	p.value(func(v string) error { f.token = v; return nil }, "--flight-token")
	p.value(func(v string) error { f.caFile = v; return nil }, "--flight-ca")
}

func (f *flightFlags) apply(cfg *sensor.Config) {
	if f.address != "" {
		cfg.Outputs.Flight.Enabled, cfg.Outputs.Flight.Address = true, f.address
	}
	if f.token != "" {
		cfg.Outputs.Flight.Token = f.token
	}
	if f.caFile != "" {
		cfg.Outputs.Flight.CAFile = f.caFile
	}
}
