package io.lipflow.frames;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_RST_INTERVAL;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/** Encodes frames to JPEG or PNG bytes and decodes image files, with OpenCV's codecs. */
public final class FrameEncoder {
    /** JPEG quality of output frames unless configured otherwise (PIPELINE.md §5.7). */
    public static final int DEFAULT_JPEG_QUALITY = 95;

    private FrameEncoder() {}

    /** JPEG bytes at {@code quality} (1..100) with a restart marker every {@code restartMcus} MCUs (0: none). */
    static byte[] jpeg(BgrImage image, int quality, int restartMcus) {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be 1..100, got " + quality);
        }
        return encode(image, ".jpg", new int[] {IMWRITE_JPEG_QUALITY, quality, IMWRITE_JPEG_RST_INTERVAL, restartMcus});
    }

    /** JPEG bytes at the default quality, {@value #DEFAULT_JPEG_QUALITY}. */
    public static byte[] jpeg(BgrImage image) {
        return jpeg(image, DEFAULT_JPEG_QUALITY, 0);
    }

    /** PNG bytes (lossless). */
    public static byte[] png(BgrImage image) {
        return encode(image, ".png", new int[0]);
    }

    /**
     * Decodes an encoded image (JPEG, PNG, ...) to BGR; grey images come back as three equal channels.
     *
     * @throws IllegalArgumentException when the bytes are not an image OpenCV can read
     */
    @SuppressWarnings("try") // the PointerScope frees every Mat, Size and buffer made inside it
    public static BgrImage decode(byte[] encoded) {
        try (PointerScope scope = new PointerScope()) {
            Mat buf = new Mat(1, Math.max(1, encoded.length), CV_8UC1);
            buf.data().put(encoded);
            Mat image = imdecode(buf, IMREAD_COLOR);
            if (encoded.length == 0 || image == null || image.empty()) {
                throw new IllegalArgumentException("not a readable image (" + encoded.length + " bytes)");
            }
            return BgrImage.fromMat(image);
        }
    }

    @SuppressWarnings("try") // the PointerScope frees every Mat, Size and buffer made inside it
    private static byte[] encode(BgrImage image, String extension, int[] params) {
        try (PointerScope scope = new PointerScope()) {
            Mat mat = image.toMat();
            BytePointer out = new BytePointer();
            if (!imencode(new BytePointer(extension), mat, out, new IntPointer(params))) {
                throw new IllegalStateException("OpenCV could not encode " + extension);
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }
}
