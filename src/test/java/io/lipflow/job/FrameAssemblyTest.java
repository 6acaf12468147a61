package io.lipflow.job;

import io.lipflow.frames.FaceCrop;
import io.lipflow.frames.PreparedAvatar;
import io.lipflow.output.VideoFrame;
import io.lipflow.testing.TestAssets;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-order emitter: frames whose inference finished out of order leave in sequence. */
class FrameAssemblyTest {
    private JobSettings settings;
    /** Avatar "av" (4 templates), every test's. */
    private PreparedAvatar avatar;

    @BeforeEach
    void avatar() throws Exception {
        settings = new JobSettings();
        settings.avatarDirs.put("av", TestAssets.avatar("av", 4, 0).toString());
        avatar = AvatarCache.get(settings, "av");
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, FrameEvent, VideoFrame> harness(JobSettings settings)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new FrameAssembly(settings)),
                (FrameEvent e) -> e.speaker, Types.STRING);
        h.open();
        return h;
    }

    /** A generated frame as the mirror model returns it: the crop's own lower face. */
    private static FrameEvent mirrored(String speaker, String avatarId, int index, int template, byte[] crop) {
        FrameEvent e = FrameEvent.frame(speaker, avatarId, "u", index, template, null, crop);
        e.face = Arrays.copyOf(FaceCrop.input(crop), FaceCrop.OUTPUT_SIZE);
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
                int template = io.lipflow.frames.TemplateOrder.templateFor(i, avatar.templateCount());
                events.add(mirrored(speaker, "av", i, template, avatar.template(template).crop()));
            }
            events.add(FrameEvent.end(speaker, "av", "u", frames, new float[] {0.5f}, 16000));
        }
        Collections.shuffle(events, new Random(3)); // inference completes in any order, end markers included
        for (FrameEvent e : events) {
            h.processElement(new StreamRecord<>(e));
        }

        List<VideoFrame> out = h.extractOutputValues();
        for (String speaker : List.of("s1", "s2")) {
            List<VideoFrame> mine = out.stream().filter(f -> f.speaker.equals(speaker)).toList();
            assertEquals(frames + 1, mine.size());
            for (int i = 0; i < frames; i++) {
                assertEquals(i, mine.get(i).index, speaker + " frame order");
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
    void aFrameWhoseAvatarCannotBeHadIsDeadLetteredAndTheOthersGoOn(@TempDir Path tmp) throws Exception {
        settings.avatarDirs.put("gone", tmp.resolve("gone").toString()); // removed while the job ran, say
        var h = harness(settings);

        byte[] crop = avatar.template(0).crop();
        for (String[] speaker : new String[][] {{"s1", "gone"}, {"s2", "av"}}) {
            for (int i = 0; i < 3; i++) {
                h.processElement(new StreamRecord<>(mirrored(speaker[0], speaker[1], i, 0, crop)));
            }
            h.processElement(new StreamRecord<>(FrameEvent.end(speaker[0], speaker[1], "u", 3, new float[] {0.5f}, 16000)));
        }

        List<VideoFrame> out = h.extractOutputValues();
        assertEquals(List.of(), out.stream().filter(f -> f.speaker.equals("s1")).toList(), "no frames, no end marker");
        assertEquals(4, out.stream().filter(f -> f.speaker.equals("s2")).count(), "the other speaker's frames and end");
        List<DeadLetter> dead = deadLetters(h);
        assertEquals(1, dead.size(), "one dead letter for the utterance: " + dead);
        assertEquals("s1", dead.get(0).speaker);
        assertEquals(0, h.numKeyedStateEntries(), "the broken utterance's state is cleared too");
        h.close();
    }

    @Test
    void aTemplateTheAvatarNoLongerHasDeadLettersTheUtterance() throws Exception {
        var h = harness(settings);

        // planned from a template count kept in state from before the avatar was imported again with 4 templates
        byte[] crop = avatar.template(0).crop();
        for (int i = 0; i < 3; i++) {
            h.processElement(new StreamRecord<>(mirrored("s1", "av", i, avatar.templateCount() + i, crop)));
        }
        h.processElement(new StreamRecord<>(FrameEvent.end("s1", "av", "u", 3, new float[] {0.5f}, 16000)));

        assertEquals(List.of(), h.extractOutputValues(), "no frames, no end marker");
        List<DeadLetter> dead = deadLetters(h);
        assertEquals(1, dead.size(), "one dead letter for the utterance: " + dead);
        assertEquals("avatar 'av' has no template 4: it has 4", dead.get(0).reason);
        assertEquals(0, h.numKeyedStateEntries(), "the broken utterance's state is cleared");
        h.close();
    }
}
