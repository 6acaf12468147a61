package io.lipflow.job;

import io.lipflow.testing.TestClusters;
import io.lipflow.audio.AudioChunk;
import io.lipflow.output.VideoFrame;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole job (RocksDB state, parallelism 2, mirror generator) fed good speakers interleaved with every
 * kind of bad input: each bad record comes out as one dead letter with its reason, and the good
 * speakers' utterances, including later ones of speakers that sent garbage, come out complete.
 */
class DeadLetterJobTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.twoSlots();

    private static final int RATE = 16000;
    /** Chunk size: a quarter second, so bad records can land mid-utterance. */
    private static final int CHUNK = RATE / 4;

    @TempDir
    Path tmp;

    /** What the job put out: frames by speaker/utterance, and the dead letters. */
    private record Output(Map<String, List<Integer>> frames, Map<String, Integer> ends, List<String> deadLetters) {}

    @Test
    void badInputIsDeadLetteredWithItsReasonAndEveryOtherUtteranceIsComplete() throws Exception {
        JobSettings settings = new JobSettings();
        settings.generator = JobFixtures.mirror().toString();
        settings.encoder = JobFixtures.encoder().toString();
        settings.avatarDirs.put("demo", JobFixtures.avatar(tmp.resolve("demo")).toString());
        settings.avatarDirs.put("broken", JobFixtures.avatarWithCorruptFrame(tmp.resolve("broken"), 1).toString());
        settings.avatarDirs.put("crooked", JobFixtures.avatarWithBadLandmarks(tmp.resolve("crooked"), 2).toString());
        settings.maxUtteranceSeconds = 2;
        settings.maxBufferedBytes = 512 << 10; // 131,072 samples: 1.5 s at 96 kHz is over it, within 2 s
        settings.maxBatchDelayMillis = 1;

        Map<String, float[]> good = new LinkedHashMap<>();
        List<AudioChunk> in = new ArrayList<>();
        // two good speakers, with garbage Kafka records for one of them between their chunks
        List<AudioChunk> ann = chunks("ann", "demo", "u1", JobFixtures.speech(1.3, 1), RATE, good);
        List<AudioChunk> bob = chunks("bob", "demo", "u1", JobFixtures.speech(0.9, 2), RATE, good);
        in.add(ann.get(0));
        in.add(bob.get(0));
        in.add(kafka("ann", new byte[] {'L', 'F', 'A', '2', 0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 5));
        in.add(kafka(null, new AudioChunk("x", "demo", "u", 0, RATE, new float[4], true).toKafkaValue(), 7));
        byte[] whole = new AudioChunk("bob", "demo", "u9", 0, RATE, new float[100], true).toKafkaValue();
        in.add(kafka("bob", Arrays.copyOf(whole, 27), 9));
        in.addAll(ann.subList(1, ann.size()));
        in.addAll(bob.subList(1, bob.size()));
        // ids that would escape the output directory or are not file names
        in.add(new AudioChunk("../x", "demo", "u1", 0, RATE, new float[CHUNK], true));
        in.add(new AudioChunk("a/b", "demo", "u1", 0, RATE, new float[CHUNK], true));
        in.add(new AudioChunk("eve", "demo", "../../etc", 0, RATE, new float[CHUNK], true));
        in.add(new AudioChunk("fay", "demo", "", 0, RATE, new float[CHUNK], true));
        in.add(new AudioChunk("gus", "../demo", "u1", 0, RATE, new float[CHUNK], true));
        // an utterance named like another utterance's output files (u1.wav beside u1/)
        in.add(new AudioChunk("ann", "demo", "u1.WAV", 0, RATE, new float[CHUNK], true));
        in.add(new AudioChunk("bob", "demo", "u1.mp4", 0, RATE, new float[CHUNK], true));
        // unknown speaker (no avatar), unknown avatar, broken avatars
        in.add(new AudioChunk("ghost", null, "u1", 0, RATE, new float[CHUNK], true));
        in.add(new AudioChunk("hal", "nobody", "u1", 0, RATE, new float[CHUNK], true));
        in.addAll(chunks("ivy", "broken", "u1", JobFixtures.speech(0.6, 3), RATE, null));
        in.addAll(chunks("ivy", "broken", "u2", JobFixtures.speech(0.3, 4), RATE, null));
        in.addAll(chunks("ivy", "demo", "u3", JobFixtures.speech(0.5, 5), RATE, good)); // a working avatar again
        in.addAll(chunks("jo", "crooked", "u1", JobFixtures.speech(0.3, 6), RATE, null));
        // limits, each followed by a good utterance of the same speaker
        in.addAll(chunks("kim", "demo", "long", JobFixtures.speech(2.2, 7), RATE, null));
        in.addAll(chunks("kim", "demo", "short", JobFixtures.speech(0.4, 8), RATE, good));
        in.addAll(chunks("lea", "demo", "hifi", JobFixtures.speech(1.5 * 6, 10), 96000, null));
        in.addAll(chunks("lea", "demo", "after", JobFixtures.speech(0.4, 9), RATE, good));

        Output out = run(in, settings);

        assertEquals(List.of(
                "ann/(unparsed) mel-windows audio/0@5: value does not start with LFA1",
                "(no key)/(unparsed) mel-windows audio/0@7: record has no key (the speaker id)",
                "bob/(unparsed) mel-windows audio/0@9: value truncated before the utterance id",
                "../x/u1 mel-windows speaker '../x' utterance 'u1': ids must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                "a/b/u1 mel-windows speaker 'a/b' utterance 'u1': ids must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                "eve/../../etc mel-windows speaker 'eve' utterance '../../etc': ids must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                "fay/ mel-windows speaker 'fay' utterance '': ids must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                "ann/u1.WAV mel-windows speaker 'ann' utterance 'u1.WAV': utterance ids must not end in .wav or .mp4",
                "bob/u1.mp4 mel-windows speaker 'bob' utterance 'u1.mp4': utterance ids must not end in .wav or .mp4",
                "gus/u1 audio-context avatar id '../demo' is not allowed: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                "ghost/u1 mel-windows speaker 'ghost' utterance 'u1': no avatar (give one in the record, the manifest or --avatar)",
                "hal/u1 audio-context unknown avatar 'nobody' (no avatar store or --avatar for it)",
                "ivy/u1 audio-context avatar 'broken': frame 1: full_body_img/1.jpg is not a readable image (5 bytes)",
                "ivy/u2 audio-context avatar 'broken': frame 1: full_body_img/1.jpg is not a readable image (5 bytes)",
                "jo/u1 audio-context avatar 'crooked': frame 2: landmarks/2.lms: line 1 is not 'x y': '12 oops'",
                "kim/long mel-windows speaker 'kim' utterance 'long': longer than the limit of 2.0 s",
                "lea/hifi mel-windows speaker 'lea' utterance 'hifi': 562 KiB of audio at 96000 Hz exceeds the limit of 512 KiB buffered per speaker"
        ).stream().sorted().toList(), out.deadLetters().stream().sorted().toList());

        for (var e : good.entrySet()) {
            int n = JobFixtures.frameCount(e.getValue().length);
            List<Integer> expected = java.util.stream.IntStream.range(0, n).boxed().toList();
            assertEquals(expected, out.frames().get(e.getKey()), e.getKey() + ": every frame once, in order");
            assertEquals(n, out.ends().get(e.getKey()), e.getKey() + " ends after its frames");
        }
        assertEquals(good.keySet(), out.ends().keySet(), "no end markers for refused input");
        // utterances refused part way keep the frames made before the refusal, in order, and nothing else has frames
        for (String partial : List.of("kim/long", "lea/hifi")) {
            List<Integer> got = out.frames().remove(partial);
            assertTrue(got != null && !got.isEmpty(), partial);
            assertEquals(java.util.stream.IntStream.range(0, got.size()).boxed().toList(), got, partial);
        }
        assertEquals(good.keySet(), out.frames().keySet(), "no frames for refused input");
    }

    /** {@code x} as chunks of {@link #CHUNK} samples at {@code rate}; remembered in {@code good} unless null. */
    private static List<AudioChunk> chunks(String speaker, String avatar, String utterance, float[] x, int rate,
                                           Map<String, float[]> good) {
        if (good != null) {
            good.put(speaker + "/" + utterance, x);
        }
        List<AudioChunk> out = new ArrayList<>();
        int size = CHUNK * rate / RATE;
        for (int from = 0, seq = 0; from < x.length; from += size, seq++) {
            int to = Math.min(x.length, from + size);
            out.add(new AudioChunk(speaker, avatar, utterance, seq, rate, Arrays.copyOfRange(x, from, to), to == x.length));
        }
        return out;
    }

    /** What {@link AudioRecordDeserializer} makes of a Kafka record on partition 0 of topic "audio". */
    private static AudioChunk kafka(String key, byte[] value, long offset) {
        List<AudioChunk> out = new ArrayList<>();
        new AudioRecordDeserializer(new SpeakerRouting(Map.of(), null)).deserialize(new ConsumerRecord<>("audio", 0, offset,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value), new Collector<>() {
                    @Override
                    public void collect(AudioChunk c) {
                        out.add(c);
                    }

                    @Override
                    public void close() {
                    }
                });
        assertEquals(1, out.size());
        return out.get(0);
    }

    /** Runs the job over {@code chunks} and gathers its frames and dead letters. */
    private Output run(List<AudioChunk> chunks, JobSettings settings) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.configuration(tmp.resolve("checkpoints"), Duration.ofSeconds(1)));
        env.setParallelism(2);
        DataStream<AudioChunk> audio = env.fromData(chunks).setParallelism(1);
        LipFlowJob.Outputs outputs = LipFlowJob.build(audio, settings);
        DataStream<String> lines = outputs.frames()
                .map((VideoFrame f) -> "F\t" + f.speaker + "/" + f.utterance + "\t" + f.index + "\t" + f.end).returns(Types.STRING)
                .union(outputs.deadLetters().map(d -> "D\t" + d.speaker + "/" + d.utterance + " " + d.stage + " " + d.reason)
                        .returns(Types.STRING));
        Map<String, List<Integer>> frames = new TreeMap<>();
        Map<String, Integer> ends = new TreeMap<>();
        List<String> deadLetters = new ArrayList<>();
        try (CloseableIterator<String> it = lines.executeAndCollect("dead letters")) {
            while (it.hasNext()) {
                String[] f = it.next().split("\t");
                if (f[0].equals("D")) {
                    deadLetters.add(f[1]);
                } else if (Boolean.parseBoolean(f[3])) {
                    assertTrue(ends.put(f[1], Integer.parseInt(f[2])) == null, f[1] + " ended twice");
                } else {
                    frames.computeIfAbsent(f[1], k -> new ArrayList<>()).add(Integer.parseInt(f[2]));
                }
            }
        }
        return new Output(frames, ends, deadLetters);
    }
}
