package io.lipflow.job;

import io.lipflow.features.AudioContext;
import io.lipflow.frames.DemoAvatar;
import io.lipflow.frames.PreparedAvatar;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frame requests and the speaker's avatar crops in keyed state. */
class FramePlanningTest {
    /** Encoder outputs a frame needs before it is complete (frame i: enc[i + 6]). */
    private static final int LOOK_AHEAD = 6;

    @TempDir
    Path tmp;

    /** Writes an avatar of {@code templates} frames and makes it {@code id} in {@code settings}. */
    private Path avatar(JobSettings settings, String id, int templates) throws Exception {
        Path dir = tmp.resolve(id);
        DemoAvatar.writeDataset(dir, templates);
        settings.avatarDirs.put(id, dir.toString());
        return dir;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, FrameEvent> harness(JobSettings settings)
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new FramePlanning(settings)),
                (FeatureEvent e) -> e.speaker, Types.STRING);
        h.setStateTtlProcessingTime(0);
        h.open();
        return h;
    }

    private static void window(KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, FrameEvent> h,
                               String speaker, String avatar, int index) throws Exception {
        window(h, speaker, avatar, "u", index);
    }

    private static void window(KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, FrameEvent> h,
                               String speaker, String avatar, String utterance, int index) throws Exception {
        h.processElement(new StreamRecord<>(FeatureEvent.item(speaker, avatar, utterance, index, new float[AudioContext.EMBEDDING])));
    }

    /** Utterance "u" whole: {@code windows} windows, then its end. */
    private static void utterance(KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, FrameEvent> h,
                                  String speaker, String avatar, int windows) throws Exception {
        for (int i = 0; i < windows; i++) {
            window(h, speaker, avatar, i);
        }
        h.processElement(new StreamRecord<>(FeatureEvent.end(speaker, avatar, "u", windows, new float[0], 16000)));
    }

    /** Distinct crops the speaker holds in keyed state. */
    private static int cropsHeld(KeyedOneInputStreamOperatorTestHarness<String, FeatureEvent, FrameEvent> h,
                                 String speaker) throws Exception {
        KeyedStateBackend<Object> backend = h.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(speaker);
        MapState<Integer, byte[]> crops = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>("avatar-crops", Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        int held = 0;
        for (Integer ignored : crops.keys()) {
            held++;
        }
        return held;
    }

    /** Drops every other avatar from the process's cache: a job with a 1 MB budget prepares avatar {@code id}. */
    private void fillTheCache(String id) throws Exception {
        JobSettings small = new JobSettings();
        small.avatarCacheMegabytes = 1;
        avatar(small, id, 1);
        AvatarCache.get(small, id);
    }

    @Test
    void eachCropIsPutWhenItsTemplateIsFirstUsedAndAgainAfterItExpired() throws Exception {
        JobSettings settings = new JobSettings();
        avatar(settings, "lazy", 3);
        PreparedAvatar avatar = AvatarCache.get(settings, "lazy");
        var h = harness(settings);

        for (int i = 0; i <= LOOK_AHEAD; i++) {
            window(h, "s1", "lazy", i);
        }
        assertEquals(1, h.extractOutputValues().size(), "frame 0 is complete");
        assertEquals(1, cropsHeld(h, "s1"), "only frame 0's template is in state, not the avatar's 3");

        for (int i = LOOK_AHEAD + 1; i <= LOOK_AHEAD + 4; i++) {
            window(h, "s1", "lazy", i);
        }
        // two hours on: the avatar binding and the crops have expired; frames still carry their crops
        h.setStateTtlProcessingTime(Duration.ofHours(2).toMillis());
        window(h, "s1", "lazy", LOOK_AHEAD + 5);

        List<FrameEvent> frames = h.extractOutputValues();
        assertEquals(6, frames.size());
        for (FrameEvent f : frames) {
            assertArrayEquals(avatar.template(f.template).crop(), f.crop, "frame " + f.index + "'s crop");
        }
        assertEquals(1, cropsHeld(h, "s1"), "after the expiry only the last frame's template was put again");
        h.close();
    }

    @Test
    void anAvatarUnreadableWhenAFrameFirstNeedsItsCropDeadLettersOnlyThatSpeaker() throws Exception {
        JobSettings settings = new JobSettings();
        Path broken = avatar(settings, "broken", 3);
        avatar(settings, "fine", 3);
        var h = harness(settings);
        for (int i = 0; i <= LOOK_AHEAD; i++) {
            window(h, "s1", "broken", i);
            window(h, "s2", "fine", i);
        }
        assertEquals(2, h.extractOutputValues().size());

        // both avatars leave the process's cache (another one used since fills its budget), and one's files
        // break meanwhile
        fillTheCache("other");
        Files.write(broken.resolve("full_body_img").resolve("1.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});

        for (int i = LOOK_AHEAD + 1; i <= LOOK_AHEAD + 3; i++) {
            window(h, "s1", "broken", i); // frame 1 needs template 1's crop: not in state yet
            window(h, "s2", "fine", i); // read again from its files for template 1
        }
        List<FrameEvent> frames = h.extractOutputValues();
        List<FrameEvent> s1 = frames.stream().filter(f -> f.speaker.equals("s1")).toList();
        assertEquals(2, s1.size(), "s1 stops at its unreadable avatar: " + s1);
        assertTrue(!s1.get(0).end && s1.get(0).index == 0, "its one frame");
        // and ends the utterance with the count of frames it requested, so the compositor does not hold its
        // frame order for the speaker's next utterance
        assertTrue(s1.get(1).end && s1.get(1).abandoned() && s1.get(1).index == 1, "an abandoned end after 1 frame");
        assertEquals(4, frames.stream().filter(f -> f.speaker.equals("s2")).count(), "s2 goes on");
        var letters = h.getSideOutput(DeadLetter.TAG);
        assertEquals(1, letters.size(), "one dead letter for the utterance, not one per window");
        DeadLetter letter = letters.peek().getValue();
        assertEquals("s1", letter.speaker);
        assertEquals(FramePlanning.STAGE, letter.stage);
        assertTrue(letter.reason.contains("1.jpg"), letter.reason);
        h.close();
    }

    @Test
    void anAvatarReimportedWithFewerTemplatesIsTakenAtTheSpeakersNextUtterance() throws Exception {
        JobSettings settings = new JobSettings();
        Path dir = avatar(settings, "re", 4);
        var h = harness(settings);
        utterance(h, "s1", "re", LOOK_AHEAD + 4); // frames 0..3 (and the end): templates 0..3

        // re-imported with 2 templates, and the old one dropped from the cache (another avatar filled its budget)
        org.apache.flink.util.FileUtils.deleteDirectory(dir.toFile());
        DemoAvatar.writeDataset(dir, 2);
        fillTheCache("other2");
        PreparedAvatar now = AvatarCache.get(settings, "re");
        assertEquals(2, now.templateCount());

        h.getOutput().clear();
        for (int i = 0; i <= LOOK_AHEAD + 3; i++) {
            window(h, "s1", "re", "u2", i);
        }
        List<FrameEvent> frames = h.extractOutputValues();
        assertTrue(h.getSideOutput(DeadLetter.TAG) == null || h.getSideOutput(DeadLetter.TAG).isEmpty(),
                "no template the avatar lacks is asked for");
        assertEquals(4, frames.size());
        for (FrameEvent f : frames) {
            assertTrue(f.template < 2, "frame " + f.index + " on template " + f.template);
            assertArrayEquals(now.template(f.template).crop(), f.crop, "frame " + f.index + "'s crop is the new avatar's");
        }
        h.close();
    }

    @Test
    void anAvatarReimportedWithAsManyTemplatesGivesTheNextUtteranceItsNewCrops() throws Exception {
        JobSettings settings = new JobSettings();
        Path dir = avatar(settings, "same", 3);
        var h = harness(settings);
        utterance(h, "s1", "same", LOOK_AHEAD + 3); // frames 0..2: every template's crop put into state
        assertEquals(3, cropsHeld(h, "s1"));

        // imported again with its first two frames swapped, and the old one dropped from the cache
        for (String[] f : new String[][] {{"full_body_img", ".jpg"}, {"landmarks", ".lms"}}) {
            Path a = dir.resolve(f[0]).resolve("0" + f[1]);
            Path b = dir.resolve(f[0]).resolve("1" + f[1]);
            Path t = dir.resolve(f[0]).resolve("t" + f[1]);
            Files.move(a, t);
            Files.move(b, a);
            Files.move(t, b);
        }
        fillTheCache("other3");
        PreparedAvatar now = AvatarCache.get(settings, "same");

        h.getOutput().clear();
        for (int i = 0; i <= LOOK_AHEAD + 1; i++) {
            window(h, "s1", "same", "u2", i);
        }
        List<FrameEvent> frames = h.extractOutputValues();
        assertEquals(2, frames.size());
        for (FrameEvent f : frames) {
            assertArrayEquals(now.template(f.template).crop(), f.crop, "frame " + f.index + "'s crop is the new import's");
        }
        h.close();
    }
}
