package export

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
)

// The Flight protocol between sensor and collector (docs/flight.md has the prose version):
//
//   - A sensor opens one DoPut per event type. Its descriptor is the path ["nightjar", <event_type>]
//     and its schema is the event type's Arrow schema, which carries MetaEventType and
//     MetaSchemaVersion in its metadata.
//   - Every record batch travels in a FlightData whose app_metadata is the JSON of BatchMeta:
//     {"event_type":"flow","sensor":"s1","stream":"flow-1f2e3d4c5b6a7988","seq":42}. Sensor,
//     stream and sequence number together name the batch for de-duplication. They ride in
//     app_metadata rather than in schema metadata because a schema is sent once per DoPut, while a
//     DoPut may carry batches of several streams (a resumed spool next to fresh batches).
//   - The collector answers each batch, once it is durable, with a PutResult whose app_metadata is
//     the JSON of a FlightAck: the same key plus "dup":true when the batch was already stored.
//   - DoGet takes a TailTicket (JSON) and streams recent and then live batches of one event type;
//     each FlightData's app_metadata names the sensor it came from.
//   - Auth: every call carries "authorization: Bearer <token>" gRPC metadata when a token is set.

// FlightPathPrefix is the first element of every DoPut descriptor path.
const FlightPathPrefix = "nightjar"

// BatchMeta names one record batch on its way from a sensor to the lake.
type BatchMeta struct {
	EventType string `json:"event_type"`
	Sensor    string `json:"sensor"`
	// Stream is a sequence space: one per event type and sensor run ("flow-<run id>"), so that a
	// restarted sensor never reuses a (stream, seq) pair of an earlier run.
	Stream string `json:"stream"`
	Seq    uint64 `json:"seq"`
}

// FlightAck is the collector's answer to one batch.
type FlightAck struct {
	BatchMeta
	Dup bool `json:"dup,omitempty"`
}

// TailTicket is the DoGet ticket of `nightjar tail`.
type TailTicket struct {
	EventType string `json:"event_type"`
	Follow    bool   `json:"follow"` // keep the stream open and send live batches
}

// TailMeta is the app_metadata of each FlightData a DoGet sends.
type TailMeta struct {
	Sensor string `json:"sensor"`
}

// ParseBatchMeta decodes and checks a batch's app_metadata.
func ParseBatchMeta(b []byte) (BatchMeta, error) {
	var m BatchMeta
	if len(b) == 0 {
		return m, errors.New("batch has no app_metadata (want sensor, stream, seq)")
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("batch app_metadata: %w", err)
	}
	if m.Sensor == "" || m.Stream == "" || !ValidEventType(m.EventType) {
		return m, fmt.Errorf("batch app_metadata %q: want event_type, sensor and stream", b)
	}
	return m, nil
}

// ValidEventType reports whether s can name an event type: it becomes a directory and a file name
// component, so only lower-case letters, digits and '_' are allowed.
func ValidEventType(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// SchemaEventType is the event type a schema declares in its metadata; "" when none.
func SchemaEventType(s *arrow.Schema) string {
	if s == nil {
		return ""
	}
	md := s.Metadata()
	v, _ := md.GetValue(MetaEventType)
	return v
}

// FlightClientOptions says how to reach a Flight endpoint.
type FlightClientOptions struct {
	// Addr is host:port, optionally with a grpc://, grpc+tcp:// or grpc+tls:// scheme.
	Addr string
	// Token, when set, is sent as a bearer token on every call.
	Token string
	// CAFile is a PEM bundle to verify the server with; it turns TLS on.
	CAFile string
	// TLS, when set, is used as is (tests; it turns TLS on).
	TLS *tls.Config
}

// DialFlight makes a Flight client. gRPC connects lazily, so an unreachable endpoint shows up as
// an error of the first call, not here.
func DialFlight(o FlightClientOptions) (flight.Client, error) {
	addr, useTLS, err := splitFlightAddr(o.Addr)
	if err != nil {
		return nil, err
	}
	cfg := o.TLS
	if cfg == nil && (useTLS || o.CAFile != "") {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, fmt.Errorf("flight: CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("flight: CA file %s: no PEM certificate", o.CAFile)
			}
			cfg.RootCAs = pool
		}
	}
	opts := []grpc.DialOption{
		// A dead collector behind a silent network must not hold the sender forever.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 15 * time.Second, Timeout: 10 * time.Second}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(256 << 20)),
		// gRPC's own reconnect backoff grows to two minutes by default; keep it within the
		// sink's, so a collector that comes back is used within seconds.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}),
	}
	if cfg != nil {
		opts = append(opts, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	} else {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if o.Token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(bearerToken{token: o.Token, secure: cfg != nil}))
	}
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("flight: %s: %w", o.Addr, err)
	}
	return flight.NewClientFromConn(conn, nil), nil
}

// splitFlightAddr strips a Flight URI scheme and says whether it asks for TLS.
func splitFlightAddr(s string) (addr string, useTLS bool, err error) {
	switch {
	case strings.HasPrefix(s, "grpc+tls://"):
		addr, useTLS = strings.TrimPrefix(s, "grpc+tls://"), true
	case strings.HasPrefix(s, "grpc+tcp://"):
		addr = strings.TrimPrefix(s, "grpc+tcp://")
	case strings.HasPrefix(s, "grpc://"):
		addr = strings.TrimPrefix(s, "grpc://")
	case strings.Contains(s, "://"):
		return "", false, fmt.Errorf("flight: %q: unknown scheme (want grpc://, grpc+tcp:// or grpc+tls://)", s)
	default:
		addr = s
	}
	if addr == "" || !strings.Contains(addr, ":") {
		return "", false, fmt.Errorf("flight: %q: want host:port", s)
	}
	return addr, useTLS, nil
}

// bearerToken puts the token on every call. It also allows plain connections, because a
// collector on loopback or inside a private network need not run TLS to want a token.
type bearerToken struct {
	token  string
	secure bool
}

func (b bearerToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

func (b bearerToken) RequireTransportSecurity() bool { return false }

// recordBytes estimates the memory a record holds: the sum of its buffers, recursively. It is
// what the in-flight window and the queue are bounded by.
func recordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, c := range rec.Columns() {
		n += arrayDataBytes(c.Data())
	}
	return n
}

func arrayDataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += arrayDataBytes(c)
	}
	return n
}
