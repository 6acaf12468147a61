package io.lipflow.cli;

import io.lipflow.audio.AudioChunk;
import io.lipflow.audio.AudioFormatException;
import io.lipflow.audio.PcmAudio;
import io.lipflow.audio.WavDecoder;
import io.lipflow.frames.AvatarStore;
import io.lipflow.job.SpeakerRouting;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ./lipflow produce}: streams a WAV into a Kafka topic as LipFlow audio records, in chunks paced
 * at real time (or faster), the last one flagged end of utterance.
 */
final class ProduceCommand implements Command {
    @Override
    public String name() {
        return "produce";
    }

    @Override
    public String usage() {
        return "--wav IN.wav --kafka HOST:PORT --topic T --speaker ID [--avatar ID] [--utterance ID]\n"
                + "[--chunk-ms 40] [--speed 1.0]   (speed 0: as fast as possible)";
    }

    @Override
    public String summary() {
        return "stream a WAV into a Kafka audio topic in real-time-paced chunks";
    }

    @Override
    public void run(Args args) throws Exception {
        Path wav = args.path("wav");
        String bootstrap = args.require("kafka");
        String topic = args.require("topic");
        String speaker = safe(args.require("speaker"), "--speaker");
        String avatar = args.get("avatar", null);
        String utterance = safe(args.get("utterance", SpeakerRouting.utteranceOf(wav.toString())), "--utterance");
        int chunkMs = args.intValue("chunk-ms", 40, 1, 60_000);
        double speed = args.doubleValue("speed", 1.0);
        args.finish();
        if (avatar != null) {
            safe(avatar, "--avatar");
        }
        if (speed < 0) {
            throw new UserError("--speed must not be negative");
        }
        PcmAudio audio;
        try {
            audio = WavDecoder.read(wav);
        } catch (AudioFormatException e) {
            throw new UserError(e.getMessage());
        }
        float[] x = audio.samples();
        int size = (int) Math.max(1, (long) audio.sampleRate() * chunkMs / 1000);
        int chunks = (x.length + size - 1) / size;
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, // a retried send is not a second chunk
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        long start = System.nanoTime();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] key = speaker.getBytes(StandardCharsets.UTF_8);
            long lastReport = start;
            for (int seq = 0; seq < chunks; seq++) {
                int from = seq * size;
                float[] samples = Arrays.copyOfRange(x, from, Math.min(x.length, from + size));
                // without an avatar id the job's manifest or default avatar decides
                AudioChunk chunk = new AudioChunk(speaker, avatar == null ? "" : avatar, utterance, seq,
                        audio.sampleRate(), samples, seq == chunks - 1);
                // Kafka reports a send that failed (record too large, topic unknown) only to its callback
                producer.send(new ProducerRecord<>(topic, key, chunk.toKafkaValue()), (meta, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                });
                if (failure.get() != null) {
                    break;
                }
                if (speed > 0) {
                    long due = start + (long) ((from + samples.length) * 1e9 / audio.sampleRate() / speed);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                if (System.nanoTime() - lastReport > 1_000_000_000L) {
                    System.out.printf("produce: %d/%d chunks%n", seq + 1, chunks);
                    lastReport = System.nanoTime();
                }
            }
            producer.flush();
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new UserError("Kafka at " + bootstrap + ": " + e.getMessage());
        }
        if (failure.get() != null) {
            throw new UserError("Kafka at " + bootstrap + ", topic " + topic + ": " + failure.get().getMessage());
        }
        System.out.printf("produce: %s (%.2f s of audio) as speaker '%s' utterance '%s': %d chunks to topic %s in %.1f s%n",
                wav, audio.seconds(), speaker, utterance, chunks, topic, (System.nanoTime() - start) / 1e9);
    }

    private static String safe(String id, String option) throws UserError {
        if (!AvatarStore.isSafeName(id)) {
            throw new UserError(option + " '" + id + "': ids are 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return id;
    }
}
