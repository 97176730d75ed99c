package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/numan-dev/numan/number"
)

// metrics are the server's Prometheus metrics, on a registry of its own so
// several servers (tests) do not collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// countByState counts the stored numbers in each state.
type countByState func(ctx context.Context) (map[number.State]int64, error)

func newMetrics(count countByState) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "numan_http_requests_total",
			Help: "HTTP requests served, by route, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "numan_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	m.registry.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&numbersCollector{count: count})
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// numbersCollector reports how many numbers are in each state, counted by
// the store when Prometheus scrapes.
type numbersCollector struct{ count countByState }

var numbersDesc = prometheus.NewDesc("numan_numbers", "Numbers stored, by state.", []string{"state"}, nil)

func (nc *numbersCollector) Describe(ch chan<- *prometheus.Desc) { ch <- numbersDesc }

func (nc *numbersCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := nc.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(numbersDesc, err)
		return
	}
	for _, st := range number.States {
		ch <- prometheus.MustNewConstMetric(numbersDesc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}
