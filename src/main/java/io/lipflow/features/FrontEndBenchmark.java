package io.lipflow.features;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;

/**
 * Measures the audio front end (pre-emphasis, STFT, mel, windows; resampling at 44.1 and 48 kHz) on one
 * thread, in seconds of audio processed per second of that thread's CPU time ("x real time per
 * core"), fed as the job feeds it: chunks of 40 ms, the stream's state restored before each chunk and
 * snapshotted after it (the job keeps it in keyed state between records).
 */
public final class FrontEndBenchmark {
    private FrontEndBenchmark() {}

    /** Runs each case for about {@code seconds} and prints one line per case and a summary. */
    public static double run(int seconds, PrintStream out) {
        out.printf("front end benchmark: one thread, 40 ms chunks, state restored and snapshotted per chunk, %d s per case%n",
                seconds);
        double at16k = measure(16000, seconds, out);
        double at44k = measure(44100, seconds, out);
        double at48k = measure(48000, seconds, out);
        out.printf("front end: %.0fx real time per core at 16 kHz; with resampling %.0fx at 44.1 kHz, %.0fx at 48 kHz"
                + " (target >= 500x)%n", at16k, at44k, at48k);
        return at16k;
    }

    private static double measure(int rate, int seconds, PrintStream out) {
        float[] audio = noiseTone(rate * 30, rate);
        int chunk = rate / 25;
        MelWindowStream.Sink sink = window -> { };
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        // warm up the JIT on the same work
        feed(audio, rate, chunk, sink);
        long cpuStart = threads.getCurrentThreadCpuTime();
        long wallStart = System.nanoTime();
        double audioSeconds = 0;
        while (System.nanoTime() - wallStart < seconds * 1_000_000_000L) {
            feed(audio, rate, chunk, sink);
            audioSeconds += audio.length / (double) rate;
        }
        double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        double wall = (System.nanoTime() - wallStart) / 1e9;
        double speed = audioSeconds / cpu;
        out.printf("  %5d Hz: %.0f s of audio in %.2f s CPU (%.2f s wall): %.0fx real time per core%n",
                rate, audioSeconds, cpu, wall, speed);
        return speed;
    }

    /** One utterance, chunk by chunk, as {@code job.MelWindowing} processes a speaker's records. */
    private static void feed(float[] audio, int rate, int chunk, MelWindowStream.Sink sink) {
        byte[] state = null;
        float[] buf = new float[chunk];
        for (int pos = 0; pos + chunk <= audio.length; pos += chunk) {
            MelWindowStream stream = state == null ? new MelWindowStream(rate) : MelWindowStream.restore(state);
            System.arraycopy(audio, pos, buf, 0, chunk);
            stream.accept(buf, sink);
            state = stream.snapshot();
        }
        MelWindowStream.restore(state).finish(sink);
    }

    private static float[] noiseTone(int length, int rate) {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) (0.3 * Math.sin(2 * Math.PI * 220 * i / rate) + 0.05 * (r.nextDouble() - 0.5));
        }
        return x;
    }
}
