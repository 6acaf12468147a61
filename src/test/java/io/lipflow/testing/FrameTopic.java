package io.lipflow.testing;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a frames topic the way a downstream consumer would: read_committed (or read_uncommitted, to see what
 * aborted transactions left), per speaker in offset order.
 */
public final class FrameTopic {
    /** One record: frame {@code index} (or the end marker with the frame count). */
    public record Record(String utterance, int index, boolean end, byte[] image) {}

    private FrameTopic() {}

    public static Map<String, List<Record>> readCommitted(String bootstrap, String topic) {
        return read(bootstrap, topic, "read_committed");
    }

    /** Every record, those of aborted transactions too: what a consumer that ignores transactions would see. */
    public static Map<String, List<Record>> readUncommitted(String bootstrap, String topic) {
        return read(bootstrap, topic, "read_uncommitted");
    }

    private static Map<String, List<Record>> read(String bootstrap, String topic, String isolation) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 20 << 20,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 50 << 20);
        Map<String, List<Record>> bySpeaker = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    String speaker = new String(r.key(), StandardCharsets.UTF_8);
                    String endHeader = header(r, "end");
                    Record rec = endHeader != null
                            ? new Record(header(r, "utterance"), Integer.parseInt(endHeader), true, r.value())
                            : new Record(header(r, "utterance"), Integer.parseInt(header(r, "frame")), false, r.value());
                    bySpeaker.computeIfAbsent(speaker, k -> new ArrayList<>()).add(rec);
                }
            }
        }
        return bySpeaker;
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
