package io.lipflow.job;

import io.lipflow.audio.AudioChunk;
import io.lipflow.features.MelWindow;
import io.lipflow.features.MelWindowStream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MelWindowingTest {

    static KeyedOneInputStreamOperatorTestHarness<String, AudioChunk, FeatureEvent> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new MelWindowing(new JobSettings())),
                c -> c.speaker, Types.STRING);
        h.open();
        return h;
    }

    static float[] audio(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.4 * Math.sin(i * (0.05 + seed * 0.01)) + 0.1 * (r.nextDouble() - 0.5));
        }
        return x;
    }

    static List<AudioChunk> chunks(String speaker, String utterance, float[] x, int rate, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<AudioChunk> out = new ArrayList<>();
        for (int pos = 0, seq = 0; pos < x.length; seq++) {
            int n = Math.min(x.length - pos, 1 + r.nextInt(rate));
            out.add(new AudioChunk(speaker, "avatar-a", utterance, seq, rate, Arrays.copyOfRange(x, pos, pos + n), pos + n == x.length));
            pos += n;
        }
        return out;
    }

    static List<float[]> wholeFileWindows(float[] x, int rate) {
        List<float[]> windows = new ArrayList<>();
        MelWindowStream s = new MelWindowStream(rate);
        MelWindowStream.Sink sink = (MelWindow w) -> windows.add(w.data());
        s.accept(x, sink);
        s.finish(sink);
        return windows;
    }

    @Test
    void interleavedSpeakersGetTheirWholeFileWindowsAndStateIsClearedAtTheEnd() throws Exception {
        Map<String, float[]> speech = Map.of("ann", audio(23_456, 1), "bob", audio(16_000 * 2 + 5, 2), "cy", audio(900, 3));
        Map<String, List<AudioChunk>> pending = new HashMap<>();
        speech.forEach((k, v) -> pending.put(k, new ArrayList<>(chunks(k, k + "-u1", v, 16000, k.hashCode()))));
        var h = harness();
        SplittableRandom r = new SplittableRandom(7);
        List<String> speakers = new ArrayList<>(pending.keySet());
        OperatorSubtaskState snapshot = null;
        int fed = 0;
        while (!speakers.isEmpty()) {
            String sp = speakers.get(r.nextInt(speakers.size()));
            h.processElement(new StreamRecord<>(pending.get(sp).remove(0)));
            if (pending.get(sp).isEmpty()) {
                speakers.remove(sp);
            }
            if (++fed == 5) {
                // restart from a snapshot mid-stream: keyed state carries each speaker's framing
                snapshot = h.snapshot(1, 1);
                List<FeatureEvent> before = new ArrayList<>(h.extractOutputValues());
                h.close();
                h = harness0();
                h.initializeState(snapshot);
                h.open();
                before.forEach(this::remember);
            }
        }
        h.extractOutputValues().forEach(this::remember);
        for (var e : speech.entrySet()) {
            List<float[]> expected = wholeFileWindows(e.getValue(), 16000);
            List<FeatureEvent> got = seen.get(e.getKey());
            assertEquals(expected.size() + 1, got.size(), e.getKey());
            for (int k = 0; k < expected.size(); k++) {
                assertEquals(k, got.get(k).index);
                assertArrayEquals(expected.get(k), got.get(k).values, e.getKey() + " window " + k);
            }
            FeatureEvent end = got.get(got.size() - 1);
            assertTrue(end.end);
            assertEquals(expected.size(), end.index);
            assertArrayEquals(e.getValue(), end.audio, "the utterance's audio rides on the end marker");
        }
        assertEquals(0, h.numKeyedStateEntries(), "state cleared after each utterance ends");
        h.close();
    }

    private final Map<String, List<FeatureEvent>> seen = new HashMap<>();

    private void remember(FeatureEvent e) {
        seen.computeIfAbsent(e.speaker, k -> new ArrayList<>()).add(e);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, AudioChunk, FeatureEvent> harness0() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new MelWindowing(new JobSettings())),
                c -> c.speaker, Types.STRING);
    }

    @Test
    void badChunksAreDeadLetteredAndOtherSpeakersContinue() throws Exception {
        var h = harness();
        float[] x = audio(8000, 4);
        List<AudioChunk> good = chunks("ok", "u", x, 16000, 1);
        h.processElement(new StreamRecord<>(good.get(0)));
        h.processElement(new StreamRecord<>(new AudioChunk("bad", "avatar-a", "u", 3, 16000, new float[100], false)));
        h.processElement(new StreamRecord<>(AudioChunk.failed("worse", "avatar-a", "w", "w.wav: not a RIFF/WAVE file")));
        h.processElement(new StreamRecord<>(new AudioChunk("lost", null, "u", 0, 16000, new float[100], true)));
        for (AudioChunk c : good.subList(1, good.size())) {
            h.processElement(new StreamRecord<>(c));
        }
        List<String> reasons = h.getSideOutput(DeadLetter.TAG).stream().map(r -> r.getValue().reason).toList();
        assertEquals(List.of("speaker 'bad' utterance 'u': chunk 3 out of sequence, expected 0",
                "w.wav: not a RIFF/WAVE file",
                "speaker 'lost' utterance 'u': no avatar (give one in the record, the manifest or --avatar)"), reasons);
        List<FeatureEvent> out = h.extractOutputValues();
        assertTrue(out.stream().allMatch(e -> e.speaker.equals("ok")));
        assertEquals(wholeFileWindows(x, 16000).size(), out.get(out.size() - 1).index);
        h.close();
    }
}
