package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"

	"github.com/nightjar-ids/nightjar/export"
)

// Tail asks a collector for the recent batches of one event type (and, with follow, the live ones
// after them) and calls fn for each, with the sensor it came from. fn must not keep rec after it
// returns. Tail returns when the stream ends, ctx ends (nil error), or fn fails.
func Tail(ctx context.Context, co export.FlightClientOptions, ticket export.TailTicket, fn func(sensor string, rec arrow.RecordBatch) error) error {
	client, err := export.DialFlight(co)
	if err != nil {
		return err
	}
	defer client.Close()
	tk, _ := json.Marshal(ticket)
	stream, err := client.DoGet(ctx, &flight.Ticket{Ticket: tk})
	if err != nil {
		return fmt.Errorf("tail: %w", err)
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		if errors.Is(err, io.EOF) || ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("tail: %w", err)
	}
	defer rdr.Release()
	for rdr.Next() {
		var m export.TailMeta
		_ = json.Unmarshal(rdr.LatestAppMetadata(), &m)
		if err := fn(m.Sensor, rdr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rdr.Err(); err != nil && !errors.Is(err, io.EOF) && ctx.Err() == nil {
		return fmt.Errorf("tail: %w", err)
	}
	return nil
}
