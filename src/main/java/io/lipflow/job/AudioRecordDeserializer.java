package io.lipflow.job;

import io.lipflow.audio.AudioChunk;
import io.lipflow.audio.AudioFormatException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;

/**
 * Kafka audio records (key = speaker, value = the {@link AudioChunk} envelope) to chunks; a record
 * without an avatar id gets the speaker's avatar from the routing. A record that does not parse becomes
 * a failed chunk, dead-lettered downstream with the reason.
 */
public final class AudioRecordDeserializer implements KafkaRecordDeserializationSchema<AudioChunk> {
    private static final long serialVersionUID = 1L;

    private final SpeakerRouting routing;

    public AudioRecordDeserializer(SpeakerRouting routing) {
        this.routing = routing;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<AudioChunk> out) {
        String speaker = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
        String where = record.topic() + "/" + record.partition() + "@" + record.offset();
        try {
            AudioChunk chunk = AudioChunk.fromKafkaValue(speaker, record.value(), where);
            if (chunk.avatar.isEmpty()) {
                chunk.avatar = routing.avatarOf(speaker);
            }
            out.collect(chunk);
        } catch (AudioFormatException e) {
            out.collect(AudioChunk.failed(speaker.isEmpty() ? "(no key)" : speaker, null, "(unparsed)", e.getMessage()));
        }
    }

    @Override
    public TypeInformation<AudioChunk> getProducedType() {
        return TypeInformation.of(AudioChunk.class);
    }
}
