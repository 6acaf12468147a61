package io.lipflow.output;

import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

import java.time.Duration;

/** The job's Kafka sinks, exactly once (transactions committed with each checkpoint). */
public final class KafkaFrameSink {
    /**
     * Transaction timeout for LipFlow's exactly-once Kafka sinks: within a default broker's
     * transaction.max.timeout.ms (15 min; the KafkaSink's own default of 1 h is not).
     */
    public static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(10);
    /**
     * The longest checkpoint interval these sinks allow: a transaction stays open from one checkpoint until
     * the next completes, and one the broker aborted first fails the job or loses its frames.
     */
    public static final Duration MAX_CHECKPOINT_INTERVAL = TRANSACTION_TIMEOUT.dividedBy(2);

    private KafkaFrameSink() {}

    /**
     * Frames to {@code topic} ({@link FrameRecordSerializer}).
     *
     * @param transactionalIdPrefix unique per job writing to the same cluster
     */
    public static KafkaSink<VideoFrame> create(String bootstrap, String topic, String transactionalIdPrefix) {
        return exactlyOnce(bootstrap, new FrameRecordSerializer(topic), transactionalIdPrefix);
    }

    /** Text lines (dead letters) to {@code topic}. */
    public static KafkaSink<String> lines(String bootstrap, String topic, String transactionalIdPrefix) {
        return exactlyOnce(bootstrap, KafkaRecordSerializationSchema.builder().setTopic(topic)
                .setValueSerializationSchema(new SimpleStringSchema()).build(), transactionalIdPrefix);
    }

    private static <T> KafkaSink<T> exactlyOnce(String bootstrap, KafkaRecordSerializationSchema<T> serializer,
                                                String transactionalIdPrefix) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(bootstrap)
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                // frames are up to a few hundred KB
                .setProperty("max.request.size", "20971520")
                .setProperty("transaction.timeout.ms", String.valueOf(TRANSACTION_TIMEOUT.toMillis()))
                .build();
    }
}
