// The service's Prometheus metrics, on a registry of its own (no global
// state): requests by status, request latency, batch size, queue depth.

package serve

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// Metrics are the collectors of one service.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   prometheus.Histogram
	batchSize prometheus.Histogram
	batchTime prometheus.Histogram
	inFlight  prometheus.Gauge
	refused   prometheus.Counter
}

// NewMetrics registers the service's collectors on a new registry;
// queueDepth, when set, is read at each scrape.
func NewMetrics(queueDepth func() int) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "embrec_requests_total", Help: "Recommendation requests by HTTP status (499: the client went away).",
		}, []string{"code"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "embrec_request_duration_seconds", Help: "Time from a recommendation request's arrival to its answer.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "embrec_batch_size", Help: "Requests decoded together in one batched beam search.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9),
		}),
		batchTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "embrec_batch_duration_seconds", Help: "Time of one batched beam search.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "embrec_requests_in_flight", Help: "Recommendation requests being handled (queued, decoding or answering).",
		}),
	}
	m.refused = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "embrec_connections_refused_total", Help: "Connections answered 503 and closed at once: over the connection limit.",
	})
	m.reg.MustRegister(m.requests, m.latency, m.batchSize, m.batchTime, m.inFlight, m.refused)
	if queueDepth != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "embrec_queue_depth", Help: "Requests waiting for a batch.",
		}, func() float64 { return float64(queueDepth()) }))
	}
	return m
}

// Handler serves the registry in Prometheus' text exposition format
// (version 0.0.4, which every scraper accepts). It encodes the registry's
// families with the client library's expfmt encoder itself rather than through
// promhttp, whose content and encoding negotiation, gzip writer and 93
// response-writer wrapper types were 0.27 MB of the binary (results/binary).
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mfs, err := m.reg.Gather()
		if err != nil {
			writeError(w, http.StatusInternalServerError, "gathering metrics: "+err.Error())
			return
		}
		var buf bytes.Buffer
		enc := expfmt.NewEncoder(&buf, expfmt.FmtText)
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				writeError(w, http.StatusInternalServerError, "encoding metric "+mf.GetName()+": "+err.Error())
				return
			}
		}
		w.Header().Set("Content-Type", string(expfmt.FmtText))
		w.Write(buf.Bytes())
	})
}

// Registry is the registry the collectors are on (tests read it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) request(code int, d time.Duration) {
	m.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	m.latency.Observe(d.Seconds())
}

func (m *Metrics) batch(n int, d time.Duration) {
	m.batchSize.Observe(float64(n))
	m.batchTime.Observe(d.Seconds())
}

// ConnRefused counts a connection refused over the limit (LimitListener).
func (m *Metrics) ConnRefused() { m.refused.Inc() }
