package io.lipflow.frames;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_CUBIC;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/** Bicubic resizing with OpenCV's INTER_CUBIC, the interpolation the canonical pipeline uses both ways. */
final class Bicubic {
    private Bicubic() {}

    /** Resizes interleaved BGR pixels from {@code width x height} to {@code newWidth x newHeight}. */
    @SuppressWarnings("try") // the PointerScope frees every Mat, Size and buffer made inside it
    static byte[] resizeBgr(byte[] bgr, int width, int height, int newWidth, int newHeight) {
        try (PointerScope scope = new PointerScope()) {
            Mat src = new BgrImage(width, height, bgr).toMat();
            Mat dst = new Mat();
            resize(src, dst, new Size(newWidth, newHeight), 0, 0, INTER_CUBIC);
            return BgrImage.fromMat(dst).bgr();
        }
    }
}
