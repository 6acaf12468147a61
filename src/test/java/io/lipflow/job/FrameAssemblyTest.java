package io.lipflow.job;

import io.lipflow.output.VideoFrame;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-order emitter: frames made out of order leave in sequence. */
class FrameAssemblyTest {
    private final JobSettings settings = new JobSettings();

    private static KeyedOneInputStreamOperatorTestHarness<String, FrameEvent, VideoFrame> harness(JobSettings settings)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new FrameAssembly(settings)),
                (FrameEvent e) -> e.speaker, Types.STRING);
        h.open();
        return h;
    }

    /** A made frame; its image says which frame it is. */
    private static FrameEvent made(String speaker, int index) {
        FrameEvent e = FrameEvent.frame(speaker, "av", "u", index, 0, null, null);
        e.image = (speaker + "/" + index).getBytes(StandardCharsets.UTF_8);
        return e;
    }

    /** A frame that could not be made. */
    private static FrameEvent failed(String speaker, int index, String why) {
        FrameEvent e = FrameEvent.frame(speaker, "av", "u", index, 0, null, null);
        e.failure = why;
        return e;
    }

    private static List<DeadLetter> deadLetters(KeyedOneInputStreamOperatorTestHarness<String, FrameEvent, VideoFrame> h) {
        List<DeadLetter> dead = new ArrayList<>();
        h.getSideOutput(DeadLetter.TAG).forEach(r -> dead.add(r.getValue()));
        return dead;
    }

    @Test
    void releasesFramesStrictlyInSequenceAndClearsStateAtTheEnd() throws Exception {
        var h = harness(settings);

        int frames = 12;
        List<FrameEvent> events = new ArrayList<>();
        for (String speaker : List.of("s1", "s2")) {
            for (int i = 0; i < frames; i++) {
                events.add(made(speaker, i));
            }
            events.add(FrameEvent.end(speaker, "av", "u", frames, new float[] {0.5f}, 16000));
        }
        Collections.shuffle(events, new Random(3)); // frames are made in any order, end markers included
        for (FrameEvent e : events) {
            h.processElement(new StreamRecord<>(e));
        }

        List<VideoFrame> out = h.extractOutputValues();
        for (String speaker : List.of("s1", "s2")) {
            List<VideoFrame> mine = out.stream().filter(f -> f.speaker.equals(speaker)).toList();
            assertEquals(frames + 1, mine.size());
            for (int i = 0; i < frames; i++) {
                assertEquals(i, mine.get(i).index, speaker + " frame order");
                assertEquals(speaker + "/" + i, new String(mine.get(i).image, StandardCharsets.UTF_8), "each frame's own image");
                assertTrue(!mine.get(i).end);
            }
            VideoFrame end = mine.get(frames);
            assertTrue(end.end, "the end marker comes after every frame");
            assertEquals(frames, end.index);
            assertArrayEquals(new float[] {0.5f}, end.audio);
        }
        assertEquals(0, h.numKeyedStateEntries(), "the speakers' state is cleared once their utterances end");
        h.close();
    }

    @Test
    void anUtteranceWithAFrameThatCouldNotBeMadeIsDeadLetteredOnceAndTheOthersGoOn() throws Exception {
        var h = harness(settings);

        // s1's frame 1 arrives first and waits for frame 0, which could not be made; so could not frame 2
        h.processElement(new StreamRecord<>(made("s1", 1)));
        h.processElement(new StreamRecord<>(failed("s1", 0, "avatar 'av' has no template 4: it has 4")));
        h.processElement(new StreamRecord<>(failed("s1", 2, "avatar 'av' has no template 5: it has 4")));
        for (int i = 0; i < 3; i++) {
            h.processElement(new StreamRecord<>(made("s2", i)));
        }
        for (String speaker : List.of("s1", "s2")) {
            h.processElement(new StreamRecord<>(FrameEvent.end(speaker, "av", "u", 3, new float[] {0.5f}, 16000)));
        }

        List<VideoFrame> out = h.extractOutputValues();
        assertEquals(List.of(), out.stream().filter(f -> f.speaker.equals("s1")).toList(), "no frames, no end marker");
        assertEquals(4, out.stream().filter(f -> f.speaker.equals("s2")).count(), "the other speaker's frames and end");
        List<DeadLetter> dead = deadLetters(h);
        assertEquals(1, dead.size(), "one dead letter for the utterance: " + dead);
        assertEquals("s1", dead.get(0).speaker);
        assertEquals("composite", dead.get(0).stage);
        assertEquals("avatar 'av' has no template 4: it has 4", dead.get(0).reason);
        assertEquals(0, h.numKeyedStateEntries(), "the broken utterance's state is cleared too");

        // the speaker's next utterance goes out again
        FrameEvent next = made("s1", 0);
        next.utterance = "u2";
        h.processElement(new StreamRecord<>(next));
        assertEquals(List.of("u2"), h.extractOutputValues().stream().filter(f -> f.speaker.equals("s1"))
                .map(f -> f.utterance).toList());
        h.close();
    }
}
