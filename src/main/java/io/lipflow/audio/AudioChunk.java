package io.lipflow.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A piece of one speaker's utterance: mono samples at the source rate plus the ids that route it.
 * A plain mutable POJO so Flink serialises it with its POJO serializer.
 *
 * <p>On Kafka the record key is the speaker id and the value is the binary envelope of
 * {@link #toKafkaValue()} (documented in the README): magic {@code LFA1}, flags (bit 0 = end of
 * utterance), sample format (1 = PCM s16le, 3 = float32le), channels, sample rate, sequence number,
 * avatar id (may be empty: the job's speaker manifest then decides), utterance id, then interleaved PCM.
 */
public class AudioChunk {
    public static final int MAGIC = 0x3141464C; // "LFA1" little-endian
    public static final int FORMAT_S16 = 1;
    public static final int FORMAT_F32 = 3;
    /** Longest avatar or utterance id, in UTF-8 bytes. */
    private static final int MAX_ID = 256;

    public String speaker;
    public String avatar;
    public String utterance;
    /** 0-based position of this chunk in its utterance. */
    public long seq;
    public int sampleRate;
    public float[] samples;
    /** Last chunk of the utterance (it may carry samples too). */
    public boolean last;
    /** Set instead of samples when the source could not decode this input: the job dead-letters it. */
    public String error;

    public AudioChunk() {}

    public AudioChunk(String speaker, String avatar, String utterance, long seq, int sampleRate, float[] samples, boolean last) {
        this.speaker = speaker;
        this.avatar = avatar;
        this.utterance = utterance;
        this.seq = seq;
        this.sampleRate = sampleRate;
        this.samples = samples;
        this.last = last;
    }

    /**
     * The Kafka value: float32 mono.
     *
     * @throws IllegalArgumentException if an id is longer than {@link #fromKafkaValue} accepts (256 bytes of
     *     UTF-8), or the utterance id is empty
     */
    public byte[] toKafkaValue() {
        byte[] a = idBytes(avatar, "avatar id", true);
        byte[] u = idBytes(utterance, "utterance id", false);
        ByteBuffer b = ByteBuffer.allocate(24 + a.length + u.length + samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put((byte) (last ? 1 : 0)).put((byte) FORMAT_F32).putShort((short) 1).putInt(sampleRate).putLong(seq);
        b.putShort((short) a.length).put(a).putShort((short) u.length).put(u);
        for (float v : samples) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** Parses a Kafka record; every defect is an {@link AudioFormatException} naming the record. */
    public static AudioChunk fromKafkaValue(String speaker, byte[] value, String source) throws AudioFormatException {
        if (speaker == null || speaker.isEmpty()) {
            throw new AudioFormatException(source + ": record has no key (the speaker id)");
        }
        if (value == null || value.length < 24) {
            throw new AudioFormatException(source + ": value too short for a LipFlow audio record");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC) {
            throw new AudioFormatException(source + ": value does not start with LFA1");
        }
        boolean last = (b.get() & 1) != 0;
        int format = b.get();
        int channels = Short.toUnsignedInt(b.getShort());
        long rate = Integer.toUnsignedLong(b.getInt());
        long seq = b.getLong();
        String avatar = id(b, "avatar id", true, source);
        String utterance = id(b, "utterance id", false, source);
        if (format != FORMAT_S16 && format != FORMAT_F32) {
            throw new AudioFormatException(source + ": unsupported sample format " + format + " (1 = s16le, 3 = float32le)");
        }
        if (channels == 0) {
            throw new AudioFormatException(source + ": zero channels");
        }
        if (rate == 0 || rate > 1_000_000) {
            throw new AudioFormatException(source + ": invalid sample rate " + rate);
        }
        if (seq < 0) {
            throw new AudioFormatException(source + ": negative sequence number " + seq);
        }
        SampleFormat sample = format == FORMAT_S16 ? SampleFormat.PCM_16 : SampleFormat.FLOAT_32;
        int bytesPerFrame = channels * sample.bytes;
        if (b.remaining() % bytesPerFrame != 0) {
            throw new AudioFormatException(source + ": " + b.remaining() + " PCM bytes is not a whole number of "
                    + channels + "-channel frames");
        }
        float[] mono = sample.toMono(b, b.position(), b.remaining() / bytesPerFrame, channels, source);
        return new AudioChunk(speaker, avatar, utterance, seq, (int) rate, mono, last);
    }

    private static byte[] idBytes(String id, String what, boolean mayBeEmpty) {
        byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
        if (!isIdLength(bytes.length, mayBeEmpty)) {
            throw new IllegalArgumentException(what + " of " + bytes.length + " bytes of UTF-8: a record takes "
                    + (mayBeEmpty ? 0 : 1) + "-" + MAX_ID);
        }
        return bytes;
    }

    /** The one rule for id lengths, for writing and parsing alike. */
    private static boolean isIdLength(int bytes, boolean mayBeEmpty) {
        return bytes <= MAX_ID && (bytes > 0 || mayBeEmpty);
    }

    private static String id(ByteBuffer b, String what, boolean mayBeEmpty, String source) throws AudioFormatException {
        if (b.remaining() < 2) {
            throw new AudioFormatException(source + ": value truncated before the " + what);
        }
        int n = Short.toUnsignedInt(b.getShort());
        if (!isIdLength(n, mayBeEmpty) || n > b.remaining()) {
            throw new AudioFormatException(source + ": bad " + what + " length " + n);
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A chunk standing for input that could not be decoded; {@code error} says why and where. */
    public static AudioChunk failed(String speaker, String avatar, String utterance, String error) {
        AudioChunk c = new AudioChunk(speaker, avatar, utterance, 0, 0, new float[0], true);
        c.error = error;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AudioChunk c && seq == c.seq && sampleRate == c.sampleRate && last == c.last
                && Objects.equals(speaker, c.speaker) && Objects.equals(avatar, c.avatar)
                && Objects.equals(utterance, c.utterance) && Objects.equals(error, c.error)
                && Arrays.equals(samples, c.samples);
    }

    @Override
    public int hashCode() {
        return Objects.hash(speaker, utterance, seq);
    }

    @Override
    public String toString() {
        return "AudioChunk{" + speaker + "/" + utterance + " #" + seq + ", " + (samples == null ? 0 : samples.length)
                + " samples @" + sampleRate + (last ? ", last" : "") + (error != null ? ", error: " + error : "") + "}";
    }
}
