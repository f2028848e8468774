package collector

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/nightjar-ids/nightjar/export"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// startCollector serves a collector on a random loopback port.
func startCollector(t testing.TB, o Options) (*Collector, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, o, lis), lis.Addr().String()
}

func serveOn(t testing.TB, o Options, lis net.Listener) *Collector {
	t.Helper()
	if o.Log == nil {
		o.Log = quietLog
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	go c.Serve(lis)
	t.Cleanup(func() { c.Close(time.Second) })
	return c
}

// flowBatch makes n flow records with flow ids first, first+1, … at time ts.
func flowBatch(first, n int, ts time.Time) arrow.RecordBatch { return flowBatchStep(first, n, ts, 0) }

// flowBatchStep is flowBatch with row i at ts + i*step.
func flowBatchStep(first, n int, ts time.Time, step time.Duration) arrow.RecordBatch {
	b := export.NewFlowBatcher(export.BatchOptions{MaxRows: n + 1})
	defer b.Release()
	var r export.FlowRecord
	for i := 0; i < n; i++ {
		id := first + i
		ts := ts.Add(time.Duration(i) * step)
		r = export.FlowRecord{
			Tuple: export.Tuple{
				FlowID: uint64(id), Proto: 6, SrcPort: uint16(1024 + id%60000), DestPort: 443,
				SrcIP:  netip.AddrFrom4([4]byte{10, 0, byte(id >> 8), byte(id)}),
				DestIP: netip.AddrFrom4([4]byte{192, 0, 2, byte(id % 7)}),
			},
			Timestamp: ts.UnixNano(), Start: ts.UnixNano() - 1e9, End: ts.UnixNano(),
			PktsToServer: uint64(id % 13), BytesToServer: uint64(id * 3), State: "closed", Reason: "timeout",
			HasTCP: true, ConnState: "SF", History: "ShADadFf",
		}
		b.Append(&r)
	}
	return b.Flush()
}

// alertSchema stands in for the alert event type: any schema naming its event type is carried.
var alertSchema = arrow.NewSchema([]arrow.Field{
	{Name: "timestamp", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	{Name: "flow_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "signature", Type: arrow.BinaryTypes.String},
}, func() *arrow.Metadata {
	md := arrow.NewMetadata([]string{export.MetaEventType, export.MetaSchemaVersion}, []string{"alert", "1"})
	return &md
}())

func alertBatch(first, n int, ts time.Time) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, alertSchema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
		b.Field(1).(*array.Int64Builder).Append(int64(first + i))
		b.Field(2).(*array.StringBuilder).Append("ET TEST")
	}
	return b.NewRecordBatch()
}

// openDuck opens an in-memory DuckDB.
func openDuck(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// lakeFlowIDs reads every flow_id of an event type in the lake, with how often each occurs.
func lakeIDs(t testing.TB, db *sql.DB, lake, eventType string) map[int64]int {
	t.Helper()
	glob := filepath.Join(lake, "event_type="+eventType, "**", "*.parquet")
	out := map[int64]int{}
	if m, _ := filepath.Glob(filepath.Join(lake, "event_type="+eventType)); len(m) == 0 {
		return out
	}
	rows, err := db.Query("SELECT flow_id FROM read_parquet(?, hive_partitioning = true)", glob)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out[id]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// selfSigned makes a loopback certificate and writes its PEM (the client's CA file) into dir.
func selfSigned(t testing.TB, dir string) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "nightjar test collector"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, caPath
}

// newSink makes a sink with fast backoff, closed at the end of the test.
func newSink(t testing.TB, o export.FlightSinkOptions) *export.FlightSink {
	t.Helper()
	if o.Sensor == "" {
		o.Sensor = "s1"
	}
	if o.MinBackoff == 0 {
		o.MinBackoff, o.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	}
	if o.Log == nil {
		o.Log = quietLog
	}
	s, err := export.NewFlightSink(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
