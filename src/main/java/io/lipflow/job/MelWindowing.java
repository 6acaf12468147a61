package io.lipflow.job;

import io.lipflow.audio.AudioChunk;
import io.lipflow.features.MelWindow;
import io.lipflow.frames.AvatarStore;
import io.lipflow.features.MelWindowStream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keyed by speaker: turns each speaker's audio chunks into encoder windows with {@link MelWindowStream}
 * (streaming, chunk-size independent), then an end marker carrying the utterance's audio. The stream's
 * state lives in keyed state between chunks and is cleared when the utterance ends. Chunks out of
 * sequence, with a changed sample rate, without an avatar, or over the length or buffer cap are
 * dead-lettered (the utterance's later chunks are then dropped), and so is input the source could not
 * decode. An utterance that gets no chunk for {@link JobSettings#utteranceTimeoutSeconds} (its producer
 * gone before the last chunk) is ended with the audio it has, and dead-lettered to say so, so its
 * state does not stay forever. Metric {@code melLatencyMicros}: time to turn one chunk into windows. Each event carries the
 * arrival time of the chunk that completed it, for the compositor's audio-to-frame latency.
 */
public class MelWindowing extends KeyedProcessFunction<String, AudioChunk, FeatureEvent> {
    private static final long serialVersionUID = 1L;
    static final String STAGE = "mel-windows";

    private final double maxUtteranceSeconds;
    private final long maxBufferedBytes;
    private final long timeoutMillis;

    private transient ValueState<Utterance> utterance;
    private transient ValueState<byte[]> stream;
    private transient ListState<float[]> audio;
    private transient Histogram melLatency;
    /** Arrival time of the chunk being processed (epoch ms). */
    private transient long arrival;
    private transient ValueState<String> refused;
    /** Processing time of this instance's first call: idleness is not counted from before a restore. */
    private transient long startedMillis = -1;

    /** What the operator knows about a speaker's open utterance. */
    public static class Utterance {
        public String speaker;
        public String id;
        public String avatar;
        public int sampleRate;
        public long nextSeq;
        public long samples;
        /** Processing time of the last chunk, and of the latest idle check registered for it. */
        public long lastChunkMillis;
        public long checkMillis;
    }

    /** With the settings' length, buffer and idle limits. */
    public MelWindowing(JobSettings settings) {
        this.maxUtteranceSeconds = settings.maxUtteranceSeconds;
        this.maxBufferedBytes = settings.maxBufferedBytes;
        this.timeoutMillis = Math.round(settings.utteranceTimeoutSeconds * 1000);
    }

    @Override
    public void open(OpenContext context) {
        utterance = getRuntimeContext().getState(new ValueStateDescriptor<>("utterance", Utterance.class));
        stream = getRuntimeContext().getState(new ValueStateDescriptor<>("mel-stream",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        audio = getRuntimeContext().getListState(new ListStateDescriptor<>("audio",
                PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
        melLatency = JobMetrics.histogram(getRuntimeContext().getMetricGroup(), "melLatencyMicros");
        refused = getRuntimeContext().getState(new ValueStateDescriptor<>("refused-utterance", Types.STRING));
    }

    @Override
    public void processElement(AudioChunk chunk, Context ctx, Collector<FeatureEvent> out) throws Exception {
        long start = System.nanoTime();
        arrival = System.currentTimeMillis();
        if (startedMillis < 0) {
            startedMillis = ctx.timerService().currentProcessingTime();
        }
        if (chunk.error != null) {
            // undecodable input is no part of the speaker's open utterance, which goes on
            ctx.output(DeadLetter.TAG, new DeadLetter(chunk.speaker, chunk.utterance, STAGE, chunk.error));
            return;
        }
        String skip = refused.value();
        if (skip != null) {
            if (skip.equals(chunk.utterance)) {
                // the rest of an utterance already dead-lettered: one dead letter per bad utterance
                if (chunk.last) {
                    refused.clear();
                }
                return;
            }
            refused.clear();
        }
        Utterance u = utterance.value();
        if (u != null && !u.id.equals(chunk.utterance)) {
            // a new utterance while one is open: the open one has ended
            finish(u, MelWindowStream.restore(stream.value()), out);
            u = null;
        }
        String refusal = refusal(chunk, u);
        if (refusal != null) {
            ctx.output(DeadLetter.TAG, new DeadLetter(chunk.speaker, chunk.utterance, STAGE, refusal));
            if (u != null) {
                // the rest of a broken utterance cannot give a correct video; the operators after drop it too
                out.collect(FeatureEvent.abandon(u.speaker, u.avatar, u.id, MelWindowStream.restore(stream.value()).windows()));
                clear();
            }
            if (!chunk.last) {
                refused.update(chunk.utterance);
            }
            return;
        }
        MelWindowStream s;
        if (u == null) {
            u = new Utterance();
            u.speaker = chunk.speaker;
            u.id = chunk.utterance;
            u.avatar = chunk.avatar;
            u.sampleRate = chunk.sampleRate;
            s = new MelWindowStream(chunk.sampleRate);
        } else {
            s = MelWindowStream.restore(stream.value());
        }
        Utterance open = u;
        s.accept(chunk.samples, w -> out.collect(windowEvent(open, w)));
        audio.add(chunk.samples);
        u.nextSeq++;
        u.samples += chunk.samples.length;
        if (chunk.last) {
            finish(u, s, out);
        } else {
            u.lastChunkMillis = ctx.timerService().currentProcessingTime();
            long check = nextCheck(u.lastChunkMillis);
            if (check != u.checkMillis) {
                ctx.timerService().registerProcessingTimeTimer(check);
                u.checkMillis = check;
            }
            utterance.update(u);
            stream.update(s.snapshot());
        }
        melLatency.update(JobMetrics.micros(start));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FeatureEvent> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        if (startedMillis < 0) {
            startedMillis = now;
        }
        Utterance u = utterance.value();
        if (u == null) {
            return; // ended since this check was set
        }
        // a job restored after a while fires the checks that fell due meanwhile: the downtime is not the producer's
        long quietSince = Math.max(u.lastChunkMillis, startedMillis);
        if (now - quietSince < timeoutMillis) {
            if (now >= u.checkMillis) {
                // no later check is set (audio came before this one's time, or the downtime moved the start)
                u.checkMillis = nextCheck(quietSince);
                ctx.timerService().registerProcessingTimeTimer(u.checkMillis);
                utterance.update(u);
            }
            return;
        }
        arrival = System.currentTimeMillis();
        ctx.output(DeadLetter.TAG, new DeadLetter(u.speaker, u.id, STAGE, String.format(Locale.ROOT,
                "speaker '%s' utterance '%s': no audio for %d s after chunk %d; ended with the %.2f s received",
                u.speaker, u.id, timeoutMillis / 1000, u.nextSeq - 1, u.samples / (double) u.sampleRate)));
        finish(u, MelWindowStream.restore(stream.value()), out);
    }

    /** The idle check for quiet since {@code millis}, on a whole second: one timer a second at most. */
    private long nextCheck(long millis) {
        return (millis + timeoutMillis) / 1000 * 1000 + 1000;
    }

    private FeatureEvent windowEvent(Utterance u, MelWindow w) {
        FeatureEvent e = FeatureEvent.item(u.speaker, u.avatar, u.id, w.index(), w.data());
        e.arrivalMillis = arrival;
        return e;
    }

    private String refusal(AudioChunk chunk, Utterance u) {
        String where = "speaker '" + chunk.speaker + "' utterance '" + chunk.utterance + "'";
        if (!AvatarStore.isSafeName(chunk.speaker) || !AvatarStore.isSafeName(chunk.utterance)) {
            return where + ": ids must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";
        }
        String lower = chunk.utterance.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".wav") || lower.endsWith(".mp4")) {
            // utterance u's files are u/, u.wav and u.mp4: an utterance named u.wav would collide with them
            return where + ": utterance ids must not end in .wav or .mp4";
        }
        if (chunk.avatar == null || chunk.avatar.isEmpty()) {
            return where + ": no avatar (give one in the record, the manifest or --avatar)";
        }
        long expected = u == null ? 0 : u.nextSeq;
        if (chunk.seq != expected) {
            return where + ": chunk " + chunk.seq + " out of sequence, expected " + expected;
        }
        if (u != null && chunk.sampleRate != u.sampleRate) {
            return where + ": sample rate changed from " + u.sampleRate + " to " + chunk.sampleRate;
        }
        long total = (u == null ? 0 : u.samples) + chunk.samples.length;
        if (total > maxUtteranceSeconds * chunk.sampleRate) {
            return where + ": longer than the limit of " + maxUtteranceSeconds + " s";
        }
        if (total * Float.BYTES > maxBufferedBytes) {
            return where + ": " + (total * Float.BYTES >> 10) + " KiB of audio at " + chunk.sampleRate
                    + " Hz exceeds the limit of " + (maxBufferedBytes >> 10) + " KiB buffered per speaker";
        }
        return null;
    }

    private void finish(Utterance u, MelWindowStream s, Collector<FeatureEvent> out) throws Exception {
        String speaker = u.speaker;
        int[] count = new int[1];
        s.finish(new MelWindowStream.Sink() {
            @Override
            public void window(MelWindow w) {
                out.collect(windowEvent(u, w));
            }

            @Override
            public void end(int windowCount) {
                count[0] = windowCount;
            }
        });
        List<float[]> pieces = new ArrayList<>();
        audio.get().forEach(pieces::add);
        float[] all = new float[(int) u.samples];
        int pos = 0;
        for (float[] p : pieces) {
            System.arraycopy(p, 0, all, pos, p.length);
            pos += p.length;
        }
        FeatureEvent end = FeatureEvent.end(speaker, u.avatar, u.id, count[0], all, u.sampleRate);
        end.arrivalMillis = arrival;
        out.collect(end);
        clear();
    }

    private void clear() {
        utterance.clear();
        stream.clear();
        audio.clear();
    }
}
