package io.lipflow.job;

import io.lipflow.features.AudioContext;
import io.lipflow.frames.FaceCrop;
import io.lipflow.frames.PreparedAvatar;
import io.lipflow.frames.PreparedTemplate;
import io.lipflow.frames.TemplateOrder;
import io.lipflow.testing.TestAssets;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generator stage in Flink's async operator: each frame comes out made (the mirror model's face pasted
 * into the frame's template, encoded) in order, or, when its avatar cannot be had, with why.
 */
class FaceGenerationTest {
    private static final int FRAMES = 5;

    private static OneInputStreamOperatorTestHarness<FrameEvent, FrameEvent> harness(JobSettings settings) throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(
                new AsyncWaitOperatorFactory<>(new FaceGeneration(settings), 60_000, 16, AsyncDataStream.OutputMode.ORDERED),
                TypeInformation.of(FrameEvent.class).createSerializer(new SerializerConfigImpl()));
        h.open();
        return h;
    }

    /** An utterance's frame requests on an avatar of 4 templates, each with its template's crop, then its end. */
    private static List<FrameEvent> utterance(String speaker, String avatarId, String utterance, PreparedAvatar av)
            throws Exception {
        List<FrameEvent> events = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            int template = TemplateOrder.templateFor(i, av.templateCount());
            events.add(FrameEvent.frame(speaker, avatarId, utterance, i, template, new float[AudioContext.FRAME_INPUT],
                    av.template(template).crop()));
        }
        events.add(FrameEvent.end(speaker, avatarId, utterance, FRAMES, new float[] {0.5f}, 16000));
        return events;
    }

    private static List<FrameEvent> run(OneInputStreamOperatorTestHarness<FrameEvent, FrameEvent> h, List<FrameEvent> in)
            throws Exception {
        h.getOutput().clear();
        for (FrameEvent e : in) {
            h.processElement(new StreamRecord<>(e));
        }
        h.endInput(); // waits for the frames in flight
        return h.extractOutputValues();
    }

    @Test
    void framesComeOutMadeInOrderAndAnAvatarThatCannotBeHadIsTriedOncePerUtterance(@TempDir Path tmp) throws Exception {
        JobSettings settings = new JobSettings();
        settings.generator = TestAssets.mirror().toString();
        settings.avatarDirs.put("av", TestAssets.avatar("av", 4, 0).toString());
        settings.avatarDirs.put("gone", tmp.resolve("gone").toString()); // removed while the job ran, say
        PreparedAvatar av = AvatarCache.get(settings, "av");
        var h = harness(settings);

        long before = AvatarCache.preparations();
        List<FrameEvent> in = new ArrayList<>(utterance("s1", "gone", "u", av));
        in.addAll(utterance("s2", "av", "u", av));
        in.addAll(utterance("s1", "gone", "u2", av));
        List<FrameEvent> out = run(h, in);

        assertEquals(3 * (FRAMES + 1), out.size());
        for (int i = 0; i < out.size(); i++) {
            FrameEvent e = out.get(i);
            assertEquals(in.get(i).speaker + "/" + in.get(i).utterance + "/" + in.get(i).index,
                    e.speaker + "/" + e.utterance + "/" + e.index, "input order");
            if (e.end) {
                continue;
            }
            if (e.speaker.equals("s1")) {
                assertTrue(e.failure != null && e.failure.contains("avatar 'gone'"), e.failure);
                assertNull(e.image);
            } else {
                // the mirror model returns the crop's own lower face: that face pasted into the frame's template
                PreparedTemplate t = av.template(e.template);
                float[] face = Arrays.copyOf(FaceCrop.input(t.crop()), FaceCrop.OUTPUT_SIZE);
                assertArrayEquals(t.encode(t.patch(face, 0)), e.image, "frame " + e.index);
                assertNull(e.failure);
                assertNull(e.crop, "a made frame does not hold its crop");
            }
        }
        // the utterance's first frame tries to read the avatar, its others do not; the next utterance tries anew
        assertEquals(2, AvatarCache.preparations() - before, "attempts to read 'gone'");
        h.close();
    }

    @Test
    void frameEventsAreFlinkPojosSoSavepointsOfEarlierVersionsRestore() {
        // in-flight frames (the generator's operator state) and the end marker (FrameAssembly's keyed state) are
        // stored with the event's serializer: only a POJO's evolves when fields are added or removed
        TypeInformation<FrameEvent> type = TypeInformation.of(FrameEvent.class);
        assertTrue(type instanceof PojoTypeInfo, "FrameEvent is serialised as " + type);
    }
}
