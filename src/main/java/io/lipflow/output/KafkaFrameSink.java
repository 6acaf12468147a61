package io.lipflow.output;

import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/** Frames to a Kafka topic, exactly once (transactions committed with each checkpoint). */
public final class KafkaFrameSink {
    /**
     * Transaction timeout for LipFlow's exactly-once Kafka sinks: longer than a checkpoint interval, and
     * within a default broker's transaction.max.timeout.ms (15 min; the KafkaSink's own default of 1 h is not).
     */
    public static final String TRANSACTION_TIMEOUT_MS = "600000";

    private KafkaFrameSink() {}

    /**
     * @param transactionalIdPrefix unique per job writing to the same cluster
     */
    public static KafkaSink<VideoFrame> create(String bootstrap, String topic, String transactionalIdPrefix) {
        return KafkaSink.<VideoFrame>builder()
                .setBootstrapServers(bootstrap)
                .setRecordSerializer(new FrameRecordSerializer(topic))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                // frames are up to a few hundred KB; transactions must outlive a checkpoint interval
                .setProperty("max.request.size", "20971520")
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .build();
    }
}
