package io.lipflow.output;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * Frames to Kafka: key = speaker, value = the encoded image, headers {@code utterance},
 * {@code frame} (index), {@code pts-ms} (presentation time) and {@code format}. An utterance's end is
 * a record with an empty value and header {@code end} = its frame count.
 */
public final class FrameRecordSerializer implements KafkaRecordSerializationSchema<VideoFrame> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    public FrameRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(VideoFrame f, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("utterance", bytes(f.utterance));
        headers.add("format", bytes(f.format));
        if (f.end) {
            headers.add("end", bytes(Integer.toString(f.index)));
        } else {
            headers.add("frame", bytes(Integer.toString(f.index)));
            headers.add("pts-ms", bytes(Long.toString(f.ptsMillis())));
        }
        return new ProducerRecord<>(topic, null, null, bytes(f.speaker), f.end ? new byte[0] : f.image, headers);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
