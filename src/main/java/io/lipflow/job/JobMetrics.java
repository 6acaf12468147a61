package io.lipflow.job;

import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Shared pieces of the operators' metrics (listed in the README's "Metrics" section): latency histograms
 * over the last {@value #WINDOW} samples, which the web UI and REST API show as min/mean/percentiles.
 */
final class JobMetrics {
    static final int WINDOW = 1024;

    private JobMetrics() {}

    /** A latency histogram that may be updated from several threads (the batchers' workers). */
    static Histogram histogram(MetricGroup group, String name) {
        return group.histogram(name, new SynchronizedHistogram(new DescriptiveStatisticsHistogram(WINDOW)));
    }

    /** Microseconds since {@code startNanos} ({@link System#nanoTime()}). */
    static long micros(long startNanos) {
        return (System.nanoTime() - startNanos) / 1000;
    }

    private record SynchronizedHistogram(Histogram inner) implements Histogram {
        @Override
        public synchronized void update(long value) {
            inner.update(value);
        }

        @Override
        public synchronized long getCount() {
            return inner.getCount();
        }

        @Override
        public synchronized org.apache.flink.metrics.HistogramStatistics getStatistics() {
            return inner.getStatistics();
        }
    }
}
