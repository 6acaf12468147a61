package io.lipflow.job;

import io.lipflow.features.AudioContext;
import io.lipflow.frames.AvatarException;
import io.lipflow.frames.PreparedAvatar;
import io.lipflow.frames.TemplateOrder;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;

/**
 * Keyed by speaker: turns encoder outputs into frame requests. The audio context (PIPELINE.md §2
 * steps 4-5) streams in keyed state; the speaker's avatar crops (the preprocessed generator inputs,
 * one 328x328 crop per template) are cached in keyed state, so each frame request carries its template's
 * crop without touching the avatar files. A crop is put there the first time the speaker's frames use its
 * template and expires an hour after (the next use puts it again): putting all of an avatar's crops at a
 * speaker's first frame (17 MB for 52 templates) stalled every speaker of the subtask for 0.1 s.
 * Utterance state is cleared when the utterance ends or is abandoned. An unknown or broken avatar
 * dead-letters the utterance and abandons it, as a refused utterance is.
 */
public class FramePlanning extends KeyedProcessFunction<String, FeatureEvent, FrameEvent> {
    private static final long serialVersionUID = 1L;
    static final String STAGE = "audio-context";

    private final JobSettings settings;
    private transient ValueState<byte[]> context;
    private transient ValueState<String> refused;
    private transient ValueState<String> avatar;
    private transient ValueState<Integer> templates;
    private transient ValueState<Long> fingerprint;
    private transient MapState<Integer, byte[]> crops;

    public FramePlanning(JobSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) {
        AvatarCache.preload(settings);
        context = getRuntimeContext().getState(new ValueStateDescriptor<>("audio-context",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        refused = getRuntimeContext().getState(new ValueStateDescriptor<>("refused-utterance", Types.STRING));
        StateTtlConfig idle = StateTtlConfig.newBuilder(Duration.ofHours(1)).build();
        var avatarDesc = new ValueStateDescriptor<>("avatar", Types.STRING);
        avatarDesc.enableTimeToLive(idle);
        avatar = getRuntimeContext().getState(avatarDesc);
        var countDesc = new ValueStateDescriptor<>("templates", Types.INT);
        countDesc.enableTimeToLive(idle);
        templates = getRuntimeContext().getState(countDesc);
        var fingerprintDesc = new ValueStateDescriptor<>("avatar-fingerprint", Types.LONG);
        fingerprintDesc.enableTimeToLive(idle);
        fingerprint = getRuntimeContext().getState(fingerprintDesc);
        var cropDesc = new MapStateDescriptor<>("avatar-crops", Types.INT, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        cropDesc.enableTimeToLive(idle);
        crops = getRuntimeContext().getMapState(cropDesc);
    }

    @Override
    public void processElement(FeatureEvent e, Context ctx, Collector<FrameEvent> out) throws Exception {
        if (e.utterance.equals(refused.value())) {
            if (e.end) {
                refused.clear();
            }
            return;
        }
        if (e.abandoned()) {
            // no last frames for an utterance refused part way
            abandon(e, framesRequested(), out);
            return;
        }
        int[] requested = {-1}; // frames of the utterance requested once this element has requested one
        try {
            byte[] started = context.value(); // null: the utterance starts here
            plan(e, bindAvatar(e.avatar, started == null), started, out, requested);
        } catch (AvatarException bad) {
            ctx.output(DeadLetter.TAG, new DeadLetter(e.speaker, e.utterance, STAGE, bad.getMessage()));
            // the frames already requested must not hold the compositor's order for the speaker's next utterance
            abandon(e, requested[0] >= 0 ? requested[0] : framesRequested(), out);
            if (!e.end) {
                refused.update(e.utterance);
            }
        }
    }

    /** Frames of the speaker's open utterance requested before this element. */
    private int framesRequested() throws Exception {
        byte[] started = context.value();
        return started == null ? 0 : AudioContext.restore(started).nextFrame();
    }

    /** Ends the utterance without a video: the compositor learns how many frames it gets, and clears after them. */
    private void abandon(FeatureEvent e, int frames, Collector<FrameEvent> out) {
        out.collect(FrameEvent.end(e.speaker, e.avatar, e.utterance, frames, null, 0));
        context.clear();
    }

    /**
     * Adds the window to the speaker's audio context and requests every frame that became complete, on an
     * avatar of {@code count} templates;
     * {@code requested[0]} counts the utterance's requested frames from the first this call requests.
     */
    private void plan(FeatureEvent e, int count, byte[] started, Collector<FrameEvent> out, int[] requested)
            throws Exception {
        AudioContext audio = started == null ? new AudioContext() : AudioContext.restore(started);
        AudioContext.FrameSink<Exception> emit = (frame, input) -> {
            int template = TemplateOrder.templateFor(frame, count);
            FrameEvent request = FrameEvent.frame(e.speaker, e.avatar, e.utterance, frame, template, input, crop(e.avatar, template));
            request.arrivalMillis = e.arrivalMillis;
            out.collect(request);
            requested[0] = frame + 1;
        };
        if (e.end) {
            audio.end(emit);
            out.collect(FrameEvent.end(e.speaker, e.avatar, e.utterance, audio.nextFrame(), e.audio, e.audioRate));
            context.clear();
        } else {
            audio.add(e.values, emit);
            context.update(audio.snapshot());
        }
    }

    /**
     * Binds the speaker to avatar {@code id}, dropping the crops of the avatar it had before; returns its
     * template count (read once: the state may expire between two reads). At an utterance's start the
     * binding is checked against the avatar as prepared now ({@link PreparedAvatar#fingerprint}): one
     * imported again since (read anew after a restart or a cache drop) replaces the old one's crops.
     */
    private int bindAvatar(String id, boolean utteranceStart) throws Exception {
        Integer count = templates.value();
        boolean bound = id.equals(avatar.value()) && count != null;
        if (bound && !utteranceStart) {
            return count;
        }
        PreparedAvatar prepared = AvatarCache.get(settings, id);
        if (bound && Long.valueOf(prepared.fingerprint()).equals(fingerprint.value())) {
            return count;
        }
        crops.clear();
        templates.update(prepared.templateCount());
        fingerprint.update(prepared.fingerprint());
        avatar.update(id);
        return prepared.templateCount();
    }

    /** Template {@code j}'s crop, put into keyed state on its first use (or its first use after it expired). */
    private byte[] crop(String id, int j) throws Exception {
        byte[] crop = crops.get(j);
        if (crop == null) {
            crop = AvatarCache.get(settings, id).template(j).crop();
            crops.put(j, crop);
        }
        return crop;
    }
}
