package io.lipflow.job;

import org.apache.flink.api.common.accumulators.IntCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts (accumulator and metric {@code deadLetters}) and logs each dead letter and turns it into the JSON
 * line the dead-letter sink stores.
 */
public final class DeadLetterLog extends RichMapFunction<DeadLetter, String> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterLog.class);
    /** Accumulator with the number of dead letters. */
    public static final String ACCUMULATOR = "dead-letters";

    private transient IntCounter count;
    private transient Counter metric;

    @Override
    public void open(OpenContext context) {
        count = new IntCounter();
        getRuntimeContext().addAccumulator(ACCUMULATOR, count);
        metric = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public String map(DeadLetter letter) {
        count.add(1);
        metric.inc();
        LOG.warn("dead letter from {}: {}", letter.stage, letter.reason);
        return letter.toJson();
    }
}
