package io.lipflow.frames;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.equalizeHist;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;

/**
 * Imports an avatar from a plain video: every frame becomes a template, and the crop box comes from
 * OpenCV's Haar frontal-face detector (haarcascade_frontalface_default.xml, shipped in the OpenCV jar).
 *
 * <p>The detector's box (x, y, w, h) spans roughly brows to mouth and cheek to cheek; SyncTalk_2D's box
 * spans the jaw width (landmarks 1 to 31) from just below the eyes (landmark 52) down, square. The mapping
 * is xmin = x + {@value #LEFT} w, side = {@value #SIDE} w, ymin = y + {@value #TOP} h. Detections are
 * smoothed over {@value #SMOOTHING_RADIUS} frames either side (a centred moving average of x, y, w, h) so the
 * box does not jitter, and frames without a detection take the nearest detected frame's box.
 */
public final class VideoAvatarImporter {
    /** Box left edge, as a fraction of the face width right of the detection's left edge. */
    public static final double LEFT = 0.05;
    /** Box side, as a fraction of the detection's width. */
    public static final double SIDE = 0.90;
    /** Box top edge, as a fraction of the face height below the detection's top edge. */
    public static final double TOP = 0.42;
    /** Frames either side averaged into each frame's face box. */
    public static final int SMOOTHING_RADIUS = 2;
    /** Detection runs on frames scaled down to at most this width (faster, and Haar needs no more). */
    private static final int DETECTION_WIDTH = 640;
    private static final String CASCADE =
            "/org/bytedeco/opencv/linux-x86_64/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

    private VideoAvatarImporter() {}

    /**
     * Reads up to {@code maxFrames} frames of {@code video} (all when {@code maxFrames <= 0}) into the store
     * as avatar {@code id}, frames as JPEG at quality 95.
     *
     * @param progress told the number of frames read after each frame
     */
    public static Avatar importVideo(Path video, AvatarStore store, String id, int maxFrames, IntConsumer progress)
            throws AvatarException, IOException {
        if (!Files.isRegularFile(video)) {
            throw new AvatarException("avatar '" + id + "': " + video + " is not a file");
        }
        FfmpegLog.errorsOnly();
        List<double[]> faces = new ArrayList<>();
        int width = 0;
        int height = 0;
        try (AvatarStore.Writer writer = store.create(id, "video:" + video.toAbsolutePath(), "jpg");
                CascadeClassifier detector = loadDetector();
                FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
                OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            try {
                grabber.start();
            } catch (FrameGrabber.Exception e) {
                throw new AvatarException("avatar '" + id + "': cannot read video " + video + ": " + e.getMessage(), e);
            }
            Frame frame;
            while ((maxFrames <= 0 || faces.size() < maxFrames) && (frame = grab(grabber, video, id, faces.size())) != null) {
                // The converter owns and reuses its Mat: copy out of it, never close it here.
                BgrImage image = BgrImage.fromMat(converter.convert(frame));
                if (faces.isEmpty()) {
                    width = image.width();
                    height = image.height();
                }
                faces.add(detect(detector, image));
                writer.addFrame(FrameEncoder.jpeg(image));
                progress.accept(faces.size());
            }
            grabber.stop();
            if (faces.isEmpty()) {
                throw new AvatarException("avatar '" + id + "': " + video + " has no video frames");
            }
            return writer.commit(boxes(faces, id), width, height);
        }
    }

    private static Frame grab(FFmpegFrameGrabber grabber, Path video, String id, int index) throws AvatarException {
        try {
            return grabber.grabImage();
        } catch (FrameGrabber.Exception e) {
            throw AvatarException.atFrame(id, index, "cannot decode " + video + ": " + e.getMessage());
        }
    }

    /** The crop box for a face detection {@code (x, y, w, h)}, per the mapping in the class comment. */
    public static CropBox boxFromFace(double x, double y, double w, double h) {
        return new CropBox((int) (x + LEFT * w), (int) (y + TOP * h), Math.max(1, (int) (SIDE * w)));
    }

    /** Smoothed boxes for per-frame detections ({@code null} where none was found). */
    static List<CropBox> boxes(List<double[]> faces, String id) throws AvatarException {
        int n = faces.size();
        double[][] filled = new double[n][];
        for (int j = 0; j < n; j++) {
            for (int d = 0; d < n && filled[j] == null; d++) {
                filled[j] = j - d >= 0 && faces.get(j - d) != null ? faces.get(j - d)
                        : j + d < n && faces.get(j + d) != null ? faces.get(j + d) : null;
            }
            if (filled[j] == null) {
                throw new AvatarException("avatar '" + id + "': no face found in any of the " + n + " frames");
            }
        }
        List<CropBox> boxes = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
            double[] mean = new double[4];
            int lo = Math.max(0, j - SMOOTHING_RADIUS);
            int hi = Math.min(n - 1, j + SMOOTHING_RADIUS);
            for (int k = lo; k <= hi; k++) {
                for (int i = 0; i < 4; i++) {
                    mean[i] += filled[k][i] / (hi - lo + 1);
                }
            }
            boxes.add(boxFromFace(mean[0], mean[1], mean[2], mean[3]));
        }
        return boxes;
    }

    /** The largest face in {@code image} as {x, y, w, h} in frame pixels, or null. */
    @SuppressWarnings("try") // the PointerScope frees every Mat, Size and buffer made inside it
    static double[] detect(CascadeClassifier detector, BgrImage image) {
        try (PointerScope scope = new PointerScope()) {
            double scale = Math.min(1.0, DETECTION_WIDTH / (double) image.width());
            Mat grey = new Mat();
            cvtColor(image.toMat(), grey, COLOR_BGR2GRAY);
            Mat small = grey;
            if (scale < 1.0) {
                small = new Mat();
                resize(grey, small, new Size((int) Math.round(image.width() * scale),
                        (int) Math.round(image.height() * scale)), 0, 0, INTER_AREA);
            }
            equalizeHist(small, small);
            RectVector found = new RectVector();
            int minSide = Math.max(24, small.cols() / 12);
            detector.detectMultiScale(small, found, 1.1, 4, 0, new Size(minSide, minSide), new Size());
            Rect best = null;
            for (long i = 0; i < found.size(); i++) {
                Rect r = found.get(i);
                if (best == null || r.area() > best.area()) {
                    best = r;
                }
            }
            return best == null ? null
                    : new double[] {best.x() / scale, best.y() / scale, best.width() / scale, best.height() / scale};
        }
    }

    static CascadeClassifier loadDetector() throws IOException {
        String file = Loader.cacheResource(VideoAvatarImporter.class, CASCADE).getAbsolutePath();
        CascadeClassifier detector = new CascadeClassifier(file);
        if (detector.empty()) {
            detector.close();
            throw new IOException("cannot load the face detector " + file);
        }
        return detector;
    }
}
