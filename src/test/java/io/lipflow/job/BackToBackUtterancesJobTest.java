package io.lipflow.job;

import io.lipflow.testing.TestClusters;
import io.lipflow.audio.AudioChunk;
import io.lipflow.output.VideoFrame;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Many short utterances of one speaker back to back, so that the next utterance's frames and end marker
 * are in the generator while the previous one's frames still are: each utterance must still get exactly
 * its own frames, in order, then its end.
 */
class BackToBackUtterancesJobTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = TestClusters.twoSlots();

    @TempDir
    Path tmp;

    @Test
    void everyUtteranceGetsExactlyItsOwnFrames() throws Exception {
        JobSettings settings = new JobSettings();
        settings.generator = JobFixtures.mirror().toString();
        settings.encoder = JobFixtures.encoder().toString();
        settings.avatarDirs.put("demo", JobFixtures.avatar(tmp.resolve("demo")).toString());
        settings.maxBatch = 4; // several generator batches per utterance
        List<AudioChunk> in = new ArrayList<>();
        Map<String, Integer> expected = new TreeMap<>();
        for (int u = 0; u < 12; u++) {
            float[] x = JobFixtures.speech(0.2 + 0.05 * (u % 5), u);
            String id = String.format("u%02d", u);
            in.add(new AudioChunk("sam", "demo", id, 0, 16000, x, true));
            expected.put(id, JobFixtures.frameCount(x.length));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                JobEnvironment.configuration(tmp.resolve("checkpoints"), Duration.ofSeconds(1)));
        env.setParallelism(2);
        LipFlowJob.Outputs outputs = LipFlowJob.build(env.fromData(in).setParallelism(1), settings);
        Map<String, List<Integer>> frames = new TreeMap<>();
        Map<String, Integer> ends = new TreeMap<>();
        try (CloseableIterator<String> it = outputs.frames()
                .map((VideoFrame f) -> f.utterance + " " + f.index + " " + f.end).returns(Types.STRING)
                .executeAndCollect("back to back")) {
            while (it.hasNext()) {
                String[] f = it.next().split(" ");
                if (Boolean.parseBoolean(f[2])) {
                    assertEquals(null, ends.put(f[0], Integer.parseInt(f[1])), f[0] + " ended twice");
                } else {
                    frames.computeIfAbsent(f[0], k -> new ArrayList<>()).add(Integer.parseInt(f[1]));
                }
            }
        }
        assertEquals(expected, ends);
        for (var e : expected.entrySet()) {
            assertEquals(IntStream.range(0, e.getValue()).boxed().toList(), frames.get(e.getKey()), e.getKey());
        }
    }
}
