package io.lipflow.frames;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.ellipse;
import static org.bytedeco.opencv.global.opencv_imgproc.line;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * A drawn demo avatar (not a real person): a cartoon face with skin tone, eyes with dark pupils,
 * eyebrows, nose and lips, slight head motion, in front of strongly coloured asymmetric shapes (a red
 * block top left, a blue disc right, a green bar bottom left) so that colour swaps and mirroring show.
 * Written as a SyncTalk_2D dataset so that importing it exercises the real importer.
 */
public final class DemoAvatar {
    /** Frame width. */
    public static final int WIDTH = 1280;
    /** Frame height. */
    public static final int HEIGHT = 720;
    /** Number of template frames ({@link #writeDataset} default): two seconds at 25 fps. */
    public static final int FRAMES = 50;

    /** Half-width and half-height of the head ellipse. */
    private static final int HEAD_A = 125;
    private static final int HEAD_B = 165;
    /** Half-width of the jaw between landmarks 1 and 31, so the crop box side is about twice this. */
    private static final double JAW_HALF_WIDTH = 118;
    /** Landmark 52 (top of the crop box) sits this far above the head centre: just below the eyes (45 above). */
    private static final double BOX_TOP_ABOVE_CENTRE = 22;

    private DemoAvatar() {}

    /** Head centre of frame {@code j}: a slow sway and nod over the {@value #FRAMES} frames. */
    static double[] headCentre(int j) {
        double phase = 2 * Math.PI * j / FRAMES;
        return new double[] {WIDTH / 2.0 + 14 * Math.sin(phase), HEIGHT / 2.0 + 6 * Math.sin(2 * phase)};
    }

    /** Draws frame {@code j} of the default look. */
    public static BgrImage frame(int j) {
        return frame(j, 0);
    }

    /**
     * Draws frame {@code j} in look {@code style} (0 or 1: other hair, shirt and wall colours), so a demo
     * can have two avatars that are told apart at a glance.
     */
    @SuppressWarnings("try") // the PointerScope frees every Mat, Scalar, Size and buffer made inside it
    public static BgrImage frame(int j, int style) {
        double[] c = headCentre(j);
        int cx = (int) Math.round(c[0]);
        int cy = (int) Math.round(c[1]);
        try (PointerScope scope = new PointerScope()) {
            Scalar wall = style == 0 ? bgr(205, 215, 225) : bgr(190, 225, 200);
            Scalar shirt = style == 0 ? bgr(120, 60, 30) : bgr(40, 110, 150);
            Scalar hair = style == 0 ? bgr(30, 40, 60) : bgr(40, 90, 150);
            Mat img = new Mat(HEIGHT, WIDTH, CV_8UC3, wall);
            // Asymmetric, saturated background: a wrong channel order or a mirror changes these visibly.
            rectangle(img, new Point(40, 40), new Point(360, 260), bgr(0, 0, 255), FILLED, LINE_AA, 0);
            circle(img, new Point(1080, 200), 120, bgr(255, 0, 0), FILLED, LINE_AA, 0);
            rectangle(img, new Point(60, 560), new Point(420, 660), bgr(0, 200, 0), FILLED, LINE_AA, 0);
            rectangle(img, new Point(900, 600), new Point(1240, 620), bgr(0, 220, 255), FILLED, LINE_AA, 0);
            // Shoulders and neck.
            ellipse(img, new Point(cx, cy + 360), new Size(300, 150), 0, 180, 360, shirt, FILLED, LINE_AA, 0);
            rectangle(img, new Point(cx - 55, cy + 120), new Point(cx + 55, cy + 230), bgr(125, 160, 210), FILLED, LINE_AA, 0);
            // Hair behind the head, then the face: a darker rim and a lighter centre, shaded like a real face
            // so that OpenCV's Haar face detector (dark eye band, light cheeks and nose bridge) finds it.
            ellipse(img, new Point(cx, cy - 30), new Size(HEAD_A + 12, HEAD_B - 5), 0, 180, 360, hair, FILLED, LINE_AA, 0);
            ellipse(img, new Point(cx, cy), new Size(HEAD_A, HEAD_B), 0, 0, 360, bgr(105, 135, 185), FILLED, LINE_AA, 0);
            ellipse(img, new Point(cx, cy + 5), new Size(HEAD_A - 22, HEAD_B - 20), 0, 0, 360, bgr(150, 185, 230), FILLED, LINE_AA, 0);
            ellipse(img, new Point(cx, cy - HEAD_B + 35), new Size(HEAD_A - 5, 45), 0, 180, 360, hair, FILLED, LINE_AA, 0);
            for (int side = -1; side <= 1; side += 2) {
                int ex = cx + side * 48;
                int ey = cy - 45;
                ellipse(img, new Point(ex, ey - 4), new Size(36, 22), 0, 0, 360, bgr(95, 120, 165), FILLED, LINE_AA, 0);
                ellipse(img, new Point(ex, ey - 30), new Size(32, 11), 0, 190, 350, bgr(25, 30, 45), 9, LINE_AA, 0);
                ellipse(img, new Point(ex, ey), new Size(22, 10), 0, 0, 360, bgr(215, 215, 220), FILLED, LINE_AA, 0);
                circle(img, new Point(ex, ey), 10, bgr(35, 55, 85), FILLED, LINE_AA, 0);
                circle(img, new Point(ex, ey), 5, bgr(10, 10, 10), FILLED, LINE_AA, 0);
                ellipse(img, new Point(ex, ey), new Size(22, 10), 0, 180, 360, bgr(20, 25, 35), 3, LINE_AA, 0);
                ellipse(img, new Point(cx + side * 9, cy + 24), new Size(7, 4), 0, 0, 360, bgr(60, 75, 110), FILLED, LINE_AA, 0);
            }
            line(img, new Point(cx, cy - 30), new Point(cx - 10, cy + 25), bgr(110, 140, 190), 4, LINE_AA, 0);
            ellipse(img, new Point(cx, cy + 28), new Size(18, 8), 0, 0, 180, bgr(110, 140, 190), 3, LINE_AA, 0);
            // Lips that open and close a little, so consecutive templates differ in the mouth too.
            int open = 4 + (int) Math.round(6 * Math.abs(Math.sin(2 * Math.PI * j / 12.5)));
            ellipse(img, new Point(cx, cy + 80), new Size(46, 12 + open), 0, 0, 360, bgr(70, 60, 170), FILLED, LINE_AA, 0);
            ellipse(img, new Point(cx, cy + 80), new Size(36, open), 0, 0, 360, bgr(40, 20, 80), FILLED, LINE_AA, 0);
            // Soften the drawing a little, as a camera would.
            GaussianBlur(img, img, new Size(7, 7), 0);
            return BgrImage.fromMat(img);
        }
    }

    /**
     * The 110 landmarks of frame {@code j}: points 0..32 along the jaw (1 and 31 give the box's left and
     * right edge), 52 on the nose bridge just below the eyes (the box's top), the rest on brows, eyes,
     * nose, lips and hairline.
     */
    public static float[][] landmarks(int j) {
        double[] c = headCentre(j);
        double cx = c[0];
        double cy = c[1];
        float[][] lm = new float[Landmarks.POINTS][];
        // Jaw: half an ellipse from the left ear through the chin to the right ear, scaled so that points
        // 1 and 31 lie JAW_HALF_WIDTH either side of the centre.
        double a = JAW_HALF_WIDTH / Math.cos(Math.PI / 32);
        for (int k = 0; k <= 32; k++) {
            double phi = Math.PI - Math.PI * k / 32;
            lm[k] = point(cx + a * Math.cos(phi), cy + 10 + (HEAD_B - 10) * Math.sin(phi));
        }
        for (int k = 33; k <= 51; k++) { // brows, left then right
            int side = k < 43 ? -1 : 1;
            double t = (k < 43 ? k - 33 : k - 43) / 9.0;
            lm[k] = point(cx + side * (20 + 56 * t), cy - 75 - 6 * Math.sin(Math.PI * t));
        }
        lm[52] = point(cx, cy - BOX_TOP_ABOVE_CENTRE);
        for (int k = 53; k <= 60; k++) { // nose
            lm[k] = point(cx - 10 + (k - 53) * 20.0 / 7, k < 57 ? cy + (k - 52) * 10 : cy + 28);
        }
        for (int k = 61; k <= 76; k++) { // eyes: 8 points round each
            int side = k < 69 ? -1 : 1;
            double t = 2 * Math.PI * ((k - 61) % 8) / 8;
            lm[k] = point(cx + side * 48 + 24 * Math.cos(t), cy - 45 + 12 * Math.sin(t));
        }
        for (int k = 77; k <= 96; k++) { // lips: 20 points round the mouth
            double t = 2 * Math.PI * (k - 77) / 20;
            lm[k] = point(cx + 46 * Math.cos(t), cy + 80 + 16 * Math.sin(t));
        }
        for (int k = 97; k < Landmarks.POINTS; k++) { // hairline
            double t = Math.PI + Math.PI * (k - 97) / 12;
            lm[k] = point(cx + HEAD_A * Math.cos(t), cy - 30 + (HEAD_B - 40) * Math.sin(t));
        }
        return lm;
    }

    /**
     * Writes frames 0..{@code frames-1} as a SyncTalk_2D dataset: {@code full_body_img/<j>.jpg} (JPEG
     * quality 95) and {@code landmarks/<j>.lms}.
     */
    public static void writeDataset(Path dir, int frames) throws IOException {
        writeDataset(dir, frames, 0);
    }

    /** {@link #writeDataset(Path, int)} in look {@code style}. */
    public static void writeDataset(Path dir, int frames, int style) throws IOException {
        Path images = Files.createDirectories(dir.resolve(SyncTalkLayout.IMAGES));
        Path lms = Files.createDirectories(dir.resolve(SyncTalkLayout.LANDMARKS));
        for (int j = 0; j < frames; j++) {
            Files.write(images.resolve(j + ".jpg"), FrameEncoder.jpeg(frame(j, style)));
            Files.writeString(lms.resolve(j + ".lms"), Landmarks.format(landmarks(j)), StandardCharsets.US_ASCII);
        }
    }

    private static float[] point(double x, double y) {
        return new float[] {(float) x, (float) y};
    }

    private static Scalar bgr(int b, int g, int r) {
        return new Scalar(b, g, r, 0);
    }
}
