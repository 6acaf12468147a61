package io.lipflow.audio;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutation fuzzing of the two binary audio parsers, {@link WavDecoder#decode} and
 * {@link AudioChunk#fromKafkaValue}: bit flips, byte inserts and deletes, truncation, chunk sizes and
 * header fields rewritten to boundary values, over valid inputs of every supported kind. Each input must
 * either decode or fail with {@link AudioFormatException}, quickly, and without allocating more than the
 * input's size allows. Runs for {@code -Dlipflow.fuzz.seconds} (default 60, split 4:1 between WAV and
 * Kafka records); {@code -Dlipflow.fuzz.seed} replays a run. A failing input is saved under
 * {@code target/fuzz-failures/}.
 */
class WavDecoderFuzzTest {
    private static final double SECONDS = Double.parseDouble(System.getProperty("lipflow.fuzz.seconds", "60"));
    private static final long SEED = Long.getLong("lipflow.fuzz.seed", 20261124L);
    /** Far above a decode of these small inputs; a hang or quadratic walk would exceed it. */
    private static final long MAX_DECODE_MILLIS = 1000;
    /** Slack for exception messages, buffers and the like on top of the decoded samples. */
    private static final long ALLOCATION_SLACK = 256 * 1024;
    /** Interesting 32-bit values for chunk sizes and header fields. */
    private static final long[] BOUNDARY = {0, 1, 2, 3, 4, 15, 16, 17, 39, 40, 41, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFE,
            0xFFFF, 0x10000, 0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFEL, 0xFFFFFFFFL};

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** What a parser run turned into, for the statistics line. */
    private static final class Stats {
        long runs;
        long decoded;
        long refused;
        final Set<String> kinds = new HashSet<>();

        String line(String what, double seconds) {
            return String.format("fuzz %s: %d inputs in %.1f s (%.0f/s): %d decoded, %d refused with %d kinds of message",
                    what, runs, seconds, runs / seconds, decoded, refused, kinds.size());
        }
    }

    /** One parser under test: returns the decoded sample count, or throws. */
    private interface Parser {
        int parse(byte[] input) throws AudioFormatException;
    }

    @Test
    void wavDecoderSurvivesMutatedFiles() {
        List<byte[]> seeds = wavSeeds();
        fuzz("wav", seeds, SECONDS * 0.8, in -> WavDecoder.decode(in, "fuzz.wav").samples().length,
                2 /* the smallest block: 16-bit mono */);
    }

    @Test
    void kafkaEnvelopeSurvivesMutatedRecords() {
        List<byte[]> seeds = new ArrayList<>();
        float[] x = Signals.tone(3000);
        seeds.add(new AudioChunk("s", "avatar-a", "utt-1", 0, 16000, x, false).toKafkaValue());
        seeds.add(new AudioChunk("s", "a", "u", 7, 48000, new float[] {0.5f}, true).toKafkaValue());
        seeds.add(s16Record(x, 2, 44100));
        fuzz("kafka", seeds, SECONDS * 0.2, in -> AudioChunk.fromKafkaValue("speaker", in, "audio/0@1").samples.length,
                2 /* the smallest frame: s16 mono */);
    }

    private void fuzz(String what, List<byte[]> seeds, double seconds, Parser parser, int minBytesPerSample) {
        Stats stats = new Stats();
        assertTimeoutPreemptively(Duration.ofMillis((long) (seconds * 1000) + 60_000), () -> {
            SplittableRandom random = new SplittableRandom(SEED);
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            for (byte[] seed : seeds) {
                parser.parse(seed); // loads classes first, so that the allocation check sees only the decode
                assertTrue(run(parser, seed, stats, minBytesPerSample, what, "seed") > 0, "seeds decode");
            }
            while (System.nanoTime() < end) {
                byte[] input = seeds.get(random.nextInt(seeds.size()));
                StringBuilder how = new StringBuilder();
                for (int m = 1 + random.nextInt(4); m > 0; m--) {
                    input = mutate(input, random, how);
                }
                run(parser, input, stats, minBytesPerSample, what, how.toString());
            }
            System.out.println(stats.line(what, (System.nanoTime() - start) / 1e9));
        });
        assertTrue(stats.refused > 0 && stats.decoded > seeds.size(), "mutations both break and keep inputs: " + stats.line(what, seconds));
    }

    /** Parses one input, failing the test on anything but success or the parser's own exception. */
    private static int run(Parser parser, byte[] input, Stats stats, int minBytesPerSample, String what, String how) {
        long thread = Thread.currentThread().getId();
        long allocatedBefore = THREADS.getThreadAllocatedBytes(thread);
        long t0 = System.nanoTime();
        int samples = -1;
        try {
            samples = parser.parse(input);
            stats.decoded++;
        } catch (AudioFormatException e) {
            stats.refused++;
            String message = e.getMessage();
            if (message == null || !(message.startsWith("fuzz.wav: ") || message.startsWith("audio/0@1: "))) {
                failWith(what, input, how, "message does not name the source: " + message);
            }
            stats.kinds.add(message.replaceAll("0x[0-9A-F]+|[0-9]+", "#").replaceAll("'[^']*'", "'?'"));
        } catch (Throwable t) {
            failWith(what, input, how, "unexpected " + t);
        }
        stats.runs++;
        long millis = (System.nanoTime() - t0) / 1_000_000;
        long allocated = THREADS.getThreadAllocatedBytes(thread) - allocatedBefore;
        if (millis > MAX_DECODE_MILLIS) {
            failWith(what, input, how, "took " + millis + " ms");
        }
        if (samples > input.length / minBytesPerSample) {
            failWith(what, input, how, samples + " samples from " + input.length + " bytes");
        }
        // decoded floats take at most 2 bytes per input byte; a lying header must not make it more
        if (allocated > 3L * input.length + ALLOCATION_SLACK) {
            failWith(what, input, how, "allocated " + allocated + " bytes for a " + input.length + "-byte input");
        }
        return samples;
    }

    private static void failWith(String what, byte[] input, String how, String problem) {
        Path saved = Path.of("target", "fuzz-failures", what + "-" + Integer.toHexString(java.util.Arrays.hashCode(input)) + ".bin");
        try {
            Files.createDirectories(saved.getParent());
            Files.write(saved, input);
        } catch (java.io.IOException e) {
            saved = null;
        }
        fail(what + " input (" + how.trim() + ", " + input.length + " bytes, saved to " + saved + "): " + problem);
    }

    /** One random mutation of {@code in}, described in {@code how}. */
    static byte[] mutate(byte[] in, SplittableRandom r, StringBuilder how) {
        byte[] out;
        switch (r.nextInt(8)) {
            case 0 -> { // bit flips
                out = in.clone();
                for (int k = 1 + r.nextInt(8); k > 0 && out.length > 0; k--) {
                    out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
                }
                how.append(" flip");
            }
            case 1 -> { // insert random bytes
                int at = r.nextInt(in.length + 1);
                int n = 1 + r.nextInt(16);
                out = new byte[in.length + n];
                System.arraycopy(in, 0, out, 0, at);
                for (int i = 0; i < n; i++) {
                    out[at + i] = (byte) r.nextInt(256);
                }
                System.arraycopy(in, at, out, at + n, in.length - at);
                how.append(" insert@").append(at);
            }
            case 2 -> { // delete a run of bytes
                if (in.length == 0) {
                    return in;
                }
                int at = r.nextInt(in.length);
                int n = Math.min(in.length - at, 1 + r.nextInt(16));
                out = new byte[in.length - n];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + n, out, at, in.length - at - n);
                how.append(" delete@").append(at);
            }
            case 3 -> { // truncate
                out = java.util.Arrays.copyOf(in, r.nextInt(in.length + 1));
                how.append(" truncate@").append(out.length);
            }
            case 4, 5 -> { // rewrite a chunk size (WAV) or any aligned 32-bit field to a boundary value
                out = in.clone();
                List<Integer> sizes = chunkSizeOffsets(out);
                int at = !sizes.isEmpty() && r.nextBoolean() ? sizes.get(r.nextInt(sizes.size()))
                        : out.length < 4 ? -1 : r.nextInt(out.length - 3);
                if (at >= 0) {
                    long v = r.nextBoolean() ? BOUNDARY[r.nextInt(BOUNDARY.length)] : r.nextLong(1L << 32);
                    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(at, (int) v);
                    how.append(" u32@").append(at).append('=').append(v);
                }
            }
            case 6 -> { // rewrite a 16-bit header field (format tag, channels, block align, bits, id lengths)
                out = in.clone();
                int limit = Math.min(out.length - 1, 64);
                if (limit > 0) {
                    int at = r.nextInt(limit);
                    int v = (int) BOUNDARY[r.nextInt(BOUNDARY.length)] & 0xFFFF;
                    if (r.nextInt(3) == 0) {
                        v = new int[] {1, 2, 3, 6, 7, 8, 12, 24, 32, 48, 64, 0xFFFE}[r.nextInt(12)];
                    }
                    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) v);
                    how.append(" u16@").append(at).append('=').append(v);
                }
            }
            default -> { // duplicate a slice (repeated or overlapping chunks)
                if (in.length < 2) {
                    return in;
                }
                int from = r.nextInt(in.length);
                int n = Math.min(in.length - from, 1 + r.nextInt(64));
                int at = r.nextInt(in.length + 1);
                out = new byte[in.length + n];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, from, out, at, n);
                System.arraycopy(in, at, out, at + n, in.length - at);
                how.append(" dup").append(from).append('@').append(at);
            }
        }
        return out;
    }

    /** Offsets of the size fields of the RIFF header and of each chunk a correct walk would find. */
    private static List<Integer> chunkSizeOffsets(byte[] b) {
        List<Integer> offsets = new ArrayList<>();
        if (b.length < 12 || !new String(b, 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")) {
            return offsets;
        }
        offsets.add(4);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (long pos = 12; pos + 8 <= b.length; ) {
            offsets.add((int) pos + 4);
            long size = Integer.toUnsignedLong(buf.getInt((int) pos + 4));
            pos += 8 + size + (size & 1);
        }
        return offsets;
    }

    /** Valid files of every supported kind, with extra chunks (odd-sized too) before and after the audio. */
    private static List<byte[]> wavSeeds() {
        double[][] mono = Signals.frames(400, 1);
        double[][] stereo = Signals.frames(300, 2);
        byte[] list = "LIST\u0000INFOISFT".getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(WavBuilder.wav(mono, 16000, 16, false));
        seeds.add(WavBuilder.wav(stereo, 44100, 24, false));
        seeds.add(WavBuilder.wav(mono, 22050, 32, false));
        seeds.add(WavBuilder.wav(stereo, 48000, 32, true));
        seeds.add(new WavBuilder().chunk("LIST", list).fmtExtensible(1, 2, 16000, 16)
                .data(WavBuilder.encode(stereo, 16, false)).build());
        seeds.add(new WavBuilder().fmtExtensible(3, 1, 8000, 32).chunk("junk", new byte[] {1, 2, 3})
                .data(WavBuilder.encode(mono, 32, true)).chunk("LIST", list).build());
        seeds.add(new WavBuilder().fmt(1, 1, 16000, 24).chunk("bext", new byte[7])
                .data(WavBuilder.encode(new double[][] {{0.1}, {0.2}, {-0.3}}, 24, false)).build());
        return seeds;
    }

    private static byte[] s16Record(float[] x, int channels, int rate) {
        byte[] a = "avatar-b".getBytes(StandardCharsets.UTF_8);
        byte[] u = "utt-2".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(24 + a.length + u.length + x.length * 2 * channels).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(AudioChunk.MAGIC).put((byte) 0).put((byte) AudioChunk.FORMAT_S16).putShort((short) channels).putInt(rate).putLong(3);
        b.putShort((short) a.length).put(a).putShort((short) u.length).put(u);
        for (float v : x) {
            for (int c = 0; c < channels; c++) {
                b.putShort((short) (v * 32767));
            }
        }
        return b.array();
    }

    /** Speech-band test signals. */
    private static final class Signals {
        static float[] tone(int n) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (0.5 * Math.sin(i * 0.07) + 0.2 * Math.sin(i * 0.31));
            }
            return x;
        }

        static double[][] frames(int n, int channels) {
            float[] x = tone(n);
            double[][] f = new double[n][channels];
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < channels; c++) {
                    f[i][c] = x[i] * (c + 1) / channels;
                }
            }
            return f;
        }
    }
}
