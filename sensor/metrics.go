package sensor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The Prometheus endpoint reads the same snapshots as the EVE stats events: the workers
// publish theirs once a tick and a scrape only loads pointers and asks the kernel for the ring
// counters, so scraping never touches the hot path.

// metricsServer serves /metrics on a listener opened before privileges are dropped.
type metricsServer struct {
	ln  net.Listener
	srv *http.Server
}

// MetricsListenAddr turns --metrics into a listen address: a bare port or ":port" binds to
// the loopback address only, so the endpoint is never exposed by accident.
func MetricsListenAddr(addr string) (string, error) {
	if _, err := strconv.Atoi(addr); err == nil {
		addr = ":" + addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("metrics address %q: want [HOST]:PORT or PORT", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

func listenMetrics(addr string) (*metricsServer, error) {
	a, err := MetricsListenAddr(addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", a)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return &metricsServer{ln: ln}, nil
}

// Addr is where the endpoint listens.
func (m *metricsServer) Addr() string { return m.ln.Addr().String() }

func (m *metricsServer) serve(st *liveState, log *slog.Logger) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(&liveCollector{st: st},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Info("serving metrics", "addr", "http://"+m.Addr()+"/metrics")
	go func() {
		if err := m.srv.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics endpoint", "err", err)
		}
	}()
}

func (m *metricsServer) close() {
	if m.srv == nil {
		m.ln.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = m.srv.Shutdown(ctx)
}

// liveCollector turns a live summary into metrics at scrape time.
type liveCollector struct{ st *liveState }

// gaugeCounters are the EVE counters that go up and down.
var gaugeCounters = map[string]bool{
	"flow.active":           true,
	"decoder.max_pkt_size":  true,
	"decoder.avg_pkt_size":  true,
	"memcap.pressure":       true,
	"memcap.pressure_max":   true,
	"bypass.xdp_interfaces": true,
}

// Describe sends nothing: the counter set grows as decoders meet new things, so the collector
// is unchecked.
func (c *liveCollector) Describe(chan<- *prometheus.Desc) {}

func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.st.summary(time.Since(c.st.start))
	labels := []string{"interface", "worker"}
	ringMetrics := []struct {
		desc *prometheus.Desc
		val  func(*RingResult) uint64
	}{
		{prometheus.NewDesc("nightjar_capture_kernel_packets_total", "Packets the kernel queued for the ring (drops included).", labels, nil), func(r *RingResult) uint64 { return r.Packets }},
		{prometheus.NewDesc("nightjar_capture_kernel_drops_total", "Packets lost because the ring was full.", labels, nil), func(r *RingResult) uint64 { return r.Drops }},
		{prometheus.NewDesc("nightjar_capture_kernel_queue_freezes_total", "Times the ring was full (TPACKET_V3 queue freeze).", labels, nil), func(r *RingResult) uint64 { return r.Freezes }},
	}
	for i := range s.Rings {
		r := &s.Rings[i]
		for _, m := range ringMetrics {
			ch <- prometheus.MustNewConstMetric(m.desc, prometheus.CounterValue, float64(m.val(r)), r.Interface, strconv.Itoa(r.Worker))
		}
	}
	xdpDesc := prometheus.NewDesc("nightjar_xdp_bypass_attached", "1 for each interface the XDP bypass program is attached to, labelled with how (native or generic).", []string{"interface", "mode"}, nil)
	for _, a := range s.XDP {
		ch <- prometheus.MustNewConstMetric(xdpDesc, prometheus.GaugeValue, 1, a.Interface, a.Mode)
	}
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("nightjar_uptime_seconds", "Seconds since capture started.", nil, nil),
		prometheus.GaugeValue, s.Elapsed.Seconds())
	for _, cn := range s.Counters {
		if strings.HasPrefix(cn.Name, "capture.kernel_") {
			continue // per ring above
		}
		name, typ := "nightjar_"+metricName(cn.Name), prometheus.CounterValue
		if gaugeCounters[cn.Name] {
			typ = prometheus.GaugeValue
		} else {
			name += "_total"
		}
		desc := prometheus.NewDesc(name, "EVE stats counter "+cn.Name+".", nil, nil)
		ch <- prometheus.MustNewConstMetric(desc, typ, float64(cn.Value))
	}
}

// metricName makes a Prometheus name of an EVE counter name: decoder.event.ipv4.trunc_pkt
// becomes decoder_event_ipv4_trunc_pkt.
func metricName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
