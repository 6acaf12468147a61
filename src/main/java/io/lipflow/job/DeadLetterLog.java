package io.lipflow.job;

import org.apache.flink.api.common.accumulators.IntCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts each dead letter (the {@value #ACCUMULATOR} accumulator, and the {@value #METRIC} metric of this
 * operator for dashboards while the job runs), logs it, and turns it into the JSON line the dead-letter
 * sink stores.
 */
public final class DeadLetterLog extends RichMapFunction<DeadLetter, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterLog.class);
    /** Accumulator with the number of dead letters. */
    public static final String ACCUMULATOR = "dead-letters";
    /** Counter metric with the number of dead letters. */
    public static final String METRIC = "deadLetters";

    private transient IntCounter count;
    private transient Counter metric;

    @Override
    public void open(OpenContext context) {
        count = new IntCounter();
        getRuntimeContext().addAccumulator(ACCUMULATOR, count);
        metric = getRuntimeContext().getMetricGroup().counter(METRIC);
    }

    @Override
    public String map(DeadLetter letter) {
        count.add(1);
        metric.inc();
        LOG.warn("dead letter from {}: {}", letter.stage, letter.reason);
        return letter.toJson();
    }
}
