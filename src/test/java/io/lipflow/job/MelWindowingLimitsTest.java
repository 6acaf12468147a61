package io.lipflow.job;

import io.lipflow.audio.AudioChunk;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The windowing operator's caps, abandoned utterances and undecodable records, one speaker at a time. */
class MelWindowingLimitsTest {
    private static KeyedOneInputStreamOperatorTestHarness<String, AudioChunk, FeatureEvent> harness(
            double maxSeconds, long maxBytes) throws Exception {
        JobSettings settings = new JobSettings();
        settings.maxUtteranceSeconds = maxSeconds;
        settings.maxBufferedBytes = maxBytes;
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new MelWindowing(settings)),
                c -> c.speaker, Types.STRING);
        h.open();
        return h;
    }

    private static AudioChunk chunk(String utterance, long seq, int rate, float[] x, boolean last) {
        return new AudioChunk("ann", "demo", utterance, seq, rate, x, last);
    }

    private static List<String> reasons(KeyedOneInputStreamOperatorTestHarness<String, AudioChunk, FeatureEvent> h) {
        return h.getSideOutput(DeadLetter.TAG) == null ? List.of()
                : h.getSideOutput(DeadLetter.TAG).stream().map(r -> r.getValue().reason).toList();
    }

    @Test
    void overTheBufferCapTheUtteranceIsAbandonedOnceAndTheNextOneWorks() throws Exception {
        var h = harness(600, 100_000); // 25,000 samples
        float[] second48k = JobFixtures.speech(3, 1); // 48,000 samples: one second at 48 kHz
        float[] piece = java.util.Arrays.copyOf(second48k, 12_000);
        for (int seq = 0; seq < 5; seq++) {
            h.processElement(new StreamRecord<>(chunk("hifi", seq, 48000, piece, seq == 4)));
        }
        assertEquals(List.of("speaker 'ann' utterance 'hifi': 140 KiB of audio at 48000 Hz exceeds the limit of 97 KiB buffered per speaker"),
                reasons(h), "one dead letter; the later chunks are dropped");
        List<FeatureEvent> out = h.extractOutputValues();
        FeatureEvent abandon = out.get(out.size() - 1);
        assertTrue(abandon.abandoned());
        assertEquals(out.size() - 1, abandon.index, "the marker counts the windows sent before it");
        assertEquals(0, h.numKeyedStateEntries(), "nothing kept for the abandoned utterance");

        float[] ok = JobFixtures.speech(0.5, 2);
        h.processElement(new StreamRecord<>(chunk("next", 0, 16000, ok, true)));
        FeatureEvent end = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
        assertTrue(end.end && !end.abandoned());
        assertEquals("next", end.utterance);
        assertArrayEquals(ok, end.audio);
        h.close();
    }

    @Test
    void anUndecodableRecordDoesNotEndTheOpenUtterance() throws Exception {
        var h = harness(600, 1 << 20);
        float[] x = JobFixtures.speech(0.6, 3);
        h.processElement(new StreamRecord<>(chunk("u1", 0, 16000, java.util.Arrays.copyOf(x, 4000), false)));
        h.processElement(new StreamRecord<>(AudioChunk.failed("ann", null, "(unparsed)", "audio/0@3: value does not start with LFA1")));
        h.processElement(new StreamRecord<>(chunk("u1", 1, 16000, java.util.Arrays.copyOfRange(x, 4000, x.length), true)));
        assertEquals(List.of("audio/0@3: value does not start with LFA1"), reasons(h));
        List<FeatureEvent> out = h.extractOutputValues();
        assertTrue(out.stream().noneMatch(FeatureEvent::abandoned));
        assertArrayEquals(x, out.get(out.size() - 1).audio, "the utterance is whole");
        h.close();
    }

    @Test
    void refusedFirstChunkDropsTheRestWithoutAMarker() throws Exception {
        var h = harness(600, 1 << 20);
        h.processElement(new StreamRecord<>(new AudioChunk("ann", "demo", "../up", 0, 16000, new float[160], false)));
        h.processElement(new StreamRecord<>(new AudioChunk("ann", "demo", "../up", 1, 16000, new float[160], true)));
        assertEquals(1, reasons(h).size());
        assertTrue(h.extractOutputValues().isEmpty());
        assertEquals("../up", h.getSideOutput(DeadLetter.TAG).peek().getValue().utterance);
        assertEquals(0, h.numKeyedStateEntries());
        h.close();
    }

    @Test
    void anUtteranceWhoseChunksStopIsEndedWithItsAudioAfterTheTimeoutAndTheNextOneWorks() throws Exception {
        var h = harness(600, 1 << 20); // the default timeout: 60 s
        float[] x = JobFixtures.speech(0.5, 4);
        h.setProcessingTime(1_000);
        h.processElement(new StreamRecord<>(chunk("cut", 0, 16000, java.util.Arrays.copyOf(x, 4000), false)));
        h.setProcessingTime(30_000); // a pause within the timeout: the utterance stays open
        h.processElement(new StreamRecord<>(chunk("cut", 1, 16000, java.util.Arrays.copyOfRange(x, 4000, 8000), false)));
        h.setProcessingTime(89_000); // 59 s after its last chunk (the check set at the first chunk fired: no-op)
        assertTrue(reasons(h).isEmpty());
        assertTrue(h.extractOutputValues().stream().noneMatch(e -> e.end), "still open");
        h.setProcessingTime(91_000); // past 60 s: the producer is taken as gone
        assertEquals(List.of("speaker 'ann' utterance 'cut': no audio for 60 s after chunk 1; ended with the 0.50 s received"),
                reasons(h));
        List<FeatureEvent> out = h.extractOutputValues();
        FeatureEvent end = out.get(out.size() - 1);
        assertTrue(end.end && !end.abandoned(), "ended with a video of what came");
        assertArrayEquals(java.util.Arrays.copyOf(x, 8000), end.audio);
        assertEquals(0, h.numKeyedStateEntries(), "nothing kept once ended");

        // a late chunk of it is out of sequence now; the speaker's next utterance works
        h.processElement(new StreamRecord<>(chunk("cut", 2, 16000, new float[160], true)));
        h.processElement(new StreamRecord<>(chunk("next", 0, 16000, x, true)));
        assertEquals("speaker 'ann' utterance 'cut': chunk 2 out of sequence, expected 0", reasons(h).get(1));
        FeatureEvent last = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
        assertTrue(last.end && !last.abandoned());
        assertEquals("next", last.utterance);
        h.close();
    }

    @Test
    void aJobRestoredAfterDowntimeDoesNotCountTheDowntimeAsSilence() throws Exception {
        var h = harness(600, 1 << 20);
        float[] x = JobFixtures.speech(0.5, 5);
        h.setProcessingTime(1_000);
        h.processElement(new StreamRecord<>(chunk("live", 0, 16000, java.util.Arrays.copyOf(x, 4000), false)));
        var snapshot = h.snapshot(1, 1_000);
        h.close();

        // restored five minutes later: the check that fell due meanwhile fires at once
        JobSettings settings = new JobSettings();
        var r = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new MelWindowing(settings)),
                (AudioChunk c) -> c.speaker, Types.STRING);
        r.setProcessingTime(0);
        r.initializeState(snapshot);
        r.open();
        r.setProcessingTime(301_000);
        assertTrue(reasons(r).isEmpty(), "the producer gets the timeout from the restore on");
        r.setProcessingTime(330_000);
        r.processElement(new StreamRecord<>(chunk("live", 1, 16000, java.util.Arrays.copyOfRange(x, 4000, x.length), true)));
        assertTrue(reasons(r).isEmpty());
        FeatureEvent end = r.extractOutputValues().get(r.extractOutputValues().size() - 1);
        assertTrue(end.end && !end.abandoned());
        assertArrayEquals(x, end.audio, "the utterance is whole");
        r.close();

        // and a producer that is gone after the restore is still timed out
        var g = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new MelWindowing(settings)),
                (AudioChunk c) -> c.speaker, Types.STRING);
        g.initializeState(snapshot);
        g.open();
        g.setProcessingTime(301_000);
        assertTrue(reasons(g).isEmpty());
        g.setProcessingTime(362_000);
        assertEquals(List.of("speaker 'ann' utterance 'live': no audio for 60 s after chunk 0; ended with the 0.25 s received"),
                reasons(g));
        g.close();
    }
}
