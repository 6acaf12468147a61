package io.lipflow.features;

import io.lipflow.audio.PackedArrays;
import io.lipflow.audio.Resampler;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The streaming audio front end of one utterance: takes mono samples in chunks of any size (at any
 * sample rate, resampled to 16 kHz), and emits mel frames and encoder windows as soon as the audio
 * they depend on has arrived. {@link #finish(Sink)} flushes with the whole-file edge rules (zero padding
 * after the last sample, windows moved back to end at M). The output is bit-identical to feeding the
 * whole signal as one chunk, however the input is chunked; {@link #snapshot()} and {@link #restore}
 * carry the state between calls (the Flink job keeps it in keyed state). An utterance without samples
 * produces nothing.
 */
public final class MelWindowStream {
    /** Receives the stream's output, in order. */
    public interface Sink {
        /** Mel frame {@code index} (80 normalised values). */
        default void melFrame(int index, float[] frame) {}

        /** Encoder window {@code window.index()}. */
        void window(MelWindow window);

        /** The stream ended after {@code windowCount} windows (N of PIPELINE.md §2). */
        default void end(int windowCount) {}
    }

    private static final int FORMAT = 1;
    private static final double PRE_EMPHASIS = 0.97;

    private final int sampleRate;
    private final Resampler resampler;
    /** FFT plan and scratch space, made once per thread: the job restores a stream for every chunk. */
    private static final ThreadLocal<MelSpectrogram> SPECTROGRAM = ThreadLocal.withInitial(MelSpectrogram::new);

    /** Samples received at 16 kHz. */
    private long received;
    /** Last raw sample, for pre-emphasis across chunk boundaries. */
    private double previous;
    /** Pre-emphasised samples from {@code signalStart} up to {@code received}. */
    private double[] signal = new double[0];
    private long signalStart;
    /** Mel frames computed so far; frames from {@code framesStart} are retained. */
    private int nextFrame;
    private final List<float[]> frames = new ArrayList<>();
    private int framesStart;
    private int nextWindow;
    private boolean finished;

    /** A stream of audio at {@code sampleRate} samples per second. */
    public MelWindowStream(int sampleRate) {
        this(sampleRate, sampleRate == MelFilterbank.SAMPLE_RATE
                ? null : new Resampler(sampleRate, MelFilterbank.SAMPLE_RATE));
    }

    private MelWindowStream(int sampleRate, Resampler resampler) {
        this.sampleRate = sampleRate;
        this.resampler = resampler;
    }

    /** Windows emitted so far. */
    public int windows() {
        return nextWindow;
    }

    /** Adds samples and emits what they complete. */
    public void accept(float[] samples, Sink sink) {
        if (finished) {
            throw new IllegalStateException("stream already finished");
        }
        append(resampler == null ? samples : resampler.process(samples));
        // frame m reads samples up to 200 m + 399: it is final once they have arrived
        long half = MelSpectrogram.WIN / 2;
        emitFrames((int) (received < half ? 0 : (received - half) / MelSpectrogram.HOP + 1), sink);
        emitWindows(Integer.MAX_VALUE, sink);
        trim();
    }

    /** Ends the utterance: emits the remaining frames and windows, then {@link Sink#end}. */
    public void finish(Sink sink) {
        if (finished) {
            throw new IllegalStateException("stream already finished");
        }
        if (resampler != null) {
            append(resampler.flush());
        }
        finished = true;
        if (received == 0) {
            sink.end(0);
            return;
        }
        int melFrames = MelSpectrogram.frameCount(received);
        emitFrames(melFrames, sink);
        while (framesStart + frames.size() < EncoderWindows.paddedFrames(melFrames)) {
            float[] silence = new float[MelFilterbank.MELS];
            Arrays.fill(silence, MelSpectrogram.SILENCE);
            frames.add(silence);
        }
        int count = EncoderWindows.count(melFrames);
        emitWindows(count, sink);
        signal = new double[0];
        frames.clear();
        sink.end(count);
    }

    /** The normalised mel spectrogram (M x 80) of a whole mono signal at {@code sampleRate}. */
    public static float[][] melSpectrogram(float[] samples, int sampleRate) {
        List<float[]> out = new ArrayList<>();
        MelWindowStream stream = new MelWindowStream(sampleRate);
        Sink collect = new Sink() {
            @Override
            public void melFrame(int index, float[] frame) {
                out.add(frame);
            }

            @Override
            public void window(MelWindow window) {}
        };
        stream.accept(samples, collect);
        stream.finish(collect);
        return out.toArray(new float[0][]);
    }

    private void append(float[] samples) {
        int keep = (int) (received - signalStart);
        double[] grown = Arrays.copyOf(signal, keep + samples.length);
        for (int i = 0; i < samples.length; i++) {
            grown[keep + i] = samples[i] - PRE_EMPHASIS * previous;
            previous = samples[i];
        }
        signal = grown;
        received += samples.length;
    }

    private void emitFrames(int until, Sink sink) {
        MelSpectrogram spectrogram = SPECTROGRAM.get();
        for (; nextFrame < until; nextFrame++) {
            float[] frame = spectrogram.frame(signal, signalStart, (long) nextFrame * MelSpectrogram.HOP, received);
            frames.add(frame);
            sink.melFrame(nextFrame, frame);
        }
    }

    /** Emits windows below {@code limit} whose frames are all present; at the end they are clamped. */
    private void emitWindows(int limit, Sink sink) {
        int available = framesStart + frames.size();
        for (; nextWindow < limit; nextWindow++) {
            int start = finished ? EncoderWindows.start(nextWindow, nextFrame)
                    : EncoderWindows.nominalStart(nextWindow);
            if (start + EncoderWindows.LENGTH > available) {
                return;
            }
            float[] data = new float[MelWindow.SIZE];
            for (int t = 0; t < EncoderWindows.LENGTH; t++) {
                float[] frame = frames.get(start + t - framesStart);
                for (int b = 0; b < MelFilterbank.MELS; b++) {
                    data[b * EncoderWindows.LENGTH + t] = frame[b];
                }
            }
            sink.window(new MelWindow(nextWindow, data));
        }
    }

    /** Drops samples no future frame reads and frames no future window reads. */
    private void trim() {
        long needSamples = Math.max(0, (long) nextFrame * MelSpectrogram.HOP - MelSpectrogram.WIN / 2);
        if (needSamples > signalStart) {
            signal = Arrays.copyOfRange(signal, (int) (needSamples - signalStart), signal.length);
            signalStart = needSamples;
        }
        // a window not yet emitted starts at its nominal start, or at M - 16 >= nextFrame - 16 at the end
        int needFrames = Math.max(0, Math.min(EncoderWindows.nominalStart(nextWindow), nextFrame - EncoderWindows.LENGTH));
        if (needFrames > framesStart) {
            frames.subList(0, needFrames - framesStart).clear();
            framesStart = needFrames;
        }
    }

    /** The complete state, for keyed state between records. */
    public byte[] snapshot() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + signal.length * 8 + frames.size() * 320);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(FORMAT);
            out.writeInt(sampleRate);
            out.writeBoolean(finished);
            out.writeLong(received);
            out.writeDouble(previous);
            out.writeLong(signalStart);
            out.writeInt(signal.length);
            PackedArrays.writeDoubles(out, signal);
            out.writeInt(nextFrame);
            out.writeInt(framesStart);
            out.writeInt(frames.size());
            for (float[] frame : frames) {
                PackedArrays.writeFloats(out, frame);
            }
            out.writeInt(nextWindow);
            out.writeBoolean(resampler != null);
            if (resampler != null) {
                resampler.writeTo(out);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rebuilds a stream from {@link #snapshot()}. */
    public static MelWindowStream restore(byte[] state) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(state))) {
            if (in.readInt() != FORMAT) {
                throw new IllegalArgumentException("unknown MelWindowStream state format");
            }
            int rate = in.readInt();
            boolean finished = in.readBoolean();
            long received = in.readLong();
            double previous = in.readDouble();
            long signalStart = in.readLong();
            double[] signal = new double[in.readInt()];
            PackedArrays.readDoubles(in, signal);
            int nextFrame = in.readInt();
            int framesStart = in.readInt();
            int frameCount = in.readInt();
            List<float[]> frames = new ArrayList<>(frameCount);
            for (int f = 0; f < frameCount; f++) {
                float[] frame = new float[MelFilterbank.MELS];
                PackedArrays.readFloats(in, frame);
                frames.add(frame);
            }
            int nextWindow = in.readInt();
            Resampler resampler = in.readBoolean() ? Resampler.readFrom(in) : null;
            MelWindowStream s = new MelWindowStream(rate, resampler);
            s.finished = finished;
            s.received = received;
            s.previous = previous;
            s.signalStart = signalStart;
            s.signal = signal;
            s.nextFrame = nextFrame;
            s.framesStart = framesStart;
            s.frames.addAll(frames);
            s.nextWindow = nextWindow;
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
