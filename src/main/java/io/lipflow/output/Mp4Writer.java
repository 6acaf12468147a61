package io.lipflow.output;

import io.lipflow.audio.AudioFormatException;
import io.lipflow.audio.PcmAudio;
import io.lipflow.audio.Resampler;
import io.lipflow.audio.WavDecoder;
import io.lipflow.frames.BgrImage;
import io.lipflow.frames.FfmpegLog;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Writes an MP4 in-process with FFmpeg (JavaCV): H.264 video at 25 fps (openh264, which takes a
 * bitrate rather than a CRF) and, when given, AAC mono audio (resampled to 48 kHz when AAC has no such
 * rate), interleaved frame by frame. The stream is tagged with what its pictures are (BT.601 matrix;
 * limited range from BGR images, full range from JPEG files), so players show the colours that were
 * encoded.
 */
public final class Mp4Writer implements AutoCloseable {
    public static final int FPS = 25;
    private static final int VIDEO_BITRATE = 6_000_000;
    /** The sample rates an AAC stream can have (MPEG-4 audio); FFmpeg's encoder refuses any other. */
    private static final Set<Integer> AAC_RATES =
            Set.of(96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350);
    /** What audio at any other rate is resampled to. */
    static final int AAC_FALLBACK_RATE = 48000;

    static {
        FfmpegLog.errorsOnly();
    }

    private final FFmpegFrameRecorder recorder;
    private final PcmAudio audio;
    private Frame staging; // BGR pixels handed to FFmpeg, made on the first BgrImage
    private int frames;
    private int audioWritten;

    /**
     * A writer of {@link BgrImage}s.
     *
     * @param audio mono audio to mux with the frames, or null for video only
     */
    public Mp4Writer(Path mp4, int width, int height, PcmAudio audio) throws IOException {
        this(mp4, width, height, audio, false);
    }

    private Mp4Writer(Path mp4, int width, int height, PcmAudio audio, boolean fullRange) throws IOException {
        this.audio = audio == null || AAC_RATES.contains(audio.sampleRate()) ? audio
                : new PcmAudio(Resampler.resample(audio.samples(), audio.sampleRate(), AAC_FALLBACK_RATE),
                        AAC_FALLBACK_RATE, audio.channels(), audio.encoding());
        recorder = new FFmpegFrameRecorder(mp4.toFile(), width, height, audio == null ? 0 : 1);
        try {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(FPS);
            recorder.setVideoBitrate(VIDEO_BITRATE);
            recorder.setVideoOption("colorspace", "smpte170m"); // swscale's and JPEG's matrix: BT.601
            recorder.setVideoOption("color_range", fullRange ? "pc" : "tv");
            if (audio != null) {
                recorder.setAudioCodec(avcodec.AV_CODEC_ID_AAC);
                recorder.setSampleRate(this.audio.sampleRate());
                recorder.setAudioBitrate(128_000);
            }
            recorder.start();
        } catch (Throwable e) { // no writer to close: free what start() got of the file, codecs and buffers
            try {
                recorder.release();
            } catch (IOException | RuntimeException releasing) {
                e.addSuppressed(releasing);
            }
            throw e;
        }
    }

    /**
     * Appends one frame, and the audio that plays during it.
     *
     * @throws IllegalArgumentException when the image is not the video's size
     */
    public void write(BgrImage image) throws IOException {
        if (image.width() != recorder.getImageWidth() || image.height() != recorder.getImageHeight()) {
            // FFmpeg would scale it without a word, and the staging frame has room for one size only
            throw new IllegalArgumentException("frame " + frames + " is " + image.width() + "x" + image.height()
                    + ", the video " + recorder.getImageWidth() + "x" + recorder.getImageHeight());
        }
        if (staging == null) {
            staging = new Frame(image.width(), image.height(), Frame.DEPTH_UBYTE, 3);
        }
        ByteBuffer pixels = (ByteBuffer) staging.image[0];
        int row = image.width() * 3;
        for (int y = 0; y < image.height(); y++) {
            pixels.position(y * staging.imageStride);
            pixels.put(image.bgr(), y * row, row);
        }
        pixels.rewind();
        record(staging, avutil.AV_PIX_FMT_BGR24);
    }

    private void record(Frame frame, int pixelFormat) throws IOException {
        recorder.record(frame, pixelFormat);
        frames++;
        if (audio != null) {
            writeAudioUntil((long) frames * audio.sampleRate() / FPS);
        }
    }

    private void writeAudioUntil(long sample) throws IOException {
        int end = (int) Math.min(sample, audio.samples().length);
        if (end > audioWritten) {
            float[] part = Arrays.copyOfRange(audio.samples(), audioWritten, end);
            recorder.recordSamples(audio.sampleRate(), 1, FloatBuffer.wrap(part));
            audioWritten = end;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (audio != null) {
                writeAudioUntil(audio.samples().length);
            }
            recorder.stop();
        } finally {
            recorder.release();
            if (staging != null) {
                staging.close();
            }
        }
    }

    /** Frame {@code i} of a video. */
    @FunctionalInterface
    public interface Frames {
        BgrImage frame(int i) throws IOException;
    }

    /**
     * Writes frames 0..count-1 (all the size of the first) with optional audio.
     *
     * @throws IllegalArgumentException when {@code count} is not positive, or a frame is not the first's size
     */
    public static void write(Path mp4, int count, Frames frames, PcmAudio audio) throws IOException {
        checkCount(count);
        BgrImage first = frames.frame(0);
        try (Mp4Writer writer = new Mp4Writer(mp4, first.width(), first.height(), audio)) {
            writer.write(first);
            for (int i = 1; i < count; i++) {
                writer.write(frames.frame(i));
            }
        }
    }

    /**
     * Muxes an utterance written by the file sink: {@code frame_%05d.<format>} 0..count-1 from
     * {@code framesDir} with the audio of {@code wav} (or none when null). FFmpeg decodes the JPEGs straight to the YUV they hold, which the
     * encoder takes as it is: no BGR round trip (2 ms a 720p frame less than decoding to BGR).
     *
     * @throws IOException when a frame is missing or unreadable, or the WAV is not audio
     * @throws InterruptedIOException when the thread is interrupted (checked before each frame)
     * @throws IllegalArgumentException when {@code count} is not positive (a video needs a frame)
     */
    public static void writeUtterance(Path framesDir, int count, String format, Path wav, Path mp4) throws IOException {
        checkCount(count);
        PcmAudio audio = null;
        if (wav != null) {
            try {
                audio = WavDecoder.read(wav);
            } catch (AudioFormatException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        String sequence = framesDir.toString().replace("%", "%%") + "/" + VideoFrame.fileNamePattern(format);
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(sequence)) {
            grabber.setFormat("image2");
            grabber.setOption("pattern_type", "sequence"); // no glob: names are taken as they are
            grabber.setOption("start_number", "0");
            grabber.setPixelFormat(avutil.AV_PIX_FMT_YUVJ420P); // a JPEG's own layout: no conversion
            grabber.start();
            try (Mp4Writer writer = new Mp4Writer(mp4, grabber.getImageWidth(), grabber.getImageHeight(), audio, true)) {
                for (int i = 0; i < count; i++) {
                    if (Thread.interrupted()) { // a job being cancelled: FFmpeg itself does not look
                        throw new InterruptedIOException("muxing " + mp4 + " interrupted at frame " + i);
                    }
                    Frame frame = grabber.grabImage();
                    if (frame == null) {
                        throw new IOException(framesDir + " has " + i + " of its " + count + " frames");
                    }
                    // YUVJ420P is YUV420P in full range, which the stream is tagged with
                    writer.record(frame, avutil.AV_PIX_FMT_YUV420P);
                }
            }
        }
    }

    private static void checkCount(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("an MP4 needs one frame at least, got " + count);
        }
    }
}
