import io.lipflow.frames.FaceCrop;
import io.lipflow.inference.*;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicLong;

/** Scratch: a batcher's throughput with crop-staged generator inputs (not part of LipFlow). */
public class StageAB {
    record Crop(byte[] crop) implements TensorInput {
        public int size() { return FaceCrop.INPUT_SIZE; }
        public void writeTo(FloatBuffer dst) { FaceCrop.writeInput(crop, dst); }
    }
    public static void main(String[] a) throws Exception {
        Path model = Path.of(a[0]);
        int sessions = Integer.parseInt(a[1]), threads = Integer.parseInt(a[2]), batch = Integer.parseInt(a[3]);
        double seconds = Double.parseDouble(a[4]);
        int inflight = Integer.parseInt(a[5]);
        byte[] crop = new byte[FaceCrop.CROP_BYTES];
        new java.util.Random(1).nextBytes(crop);
        float[] audio = new float[32 * 16 * 16];
        try (SessionPool pool = new SessionPool(model, ModelContract.Kind.GENERATOR, sessions, threads, Device.CPU, batch)) {
            pool.warmUp(batch, 2);
            InferenceBatcher b = new InferenceBatcher(pool, batch, Duration.ofMillis(5));
            Semaphore permits = new Semaphore(inflight);
            AtomicLong done = new AtomicLong();
            long start = System.nanoTime(), warm = start + 2_000_000_000L, end = warm + (long) (seconds * 1e9);
            long atWarm = -1;
            while (System.nanoTime() < end) {
                permits.acquire();
                if (atWarm < 0 && System.nanoTime() >= warm) atWarm = done.get();
                b.submit(new Crop(crop), TensorInput.of(audio)).whenComplete((r, e) -> { done.incrementAndGet(); permits.release(); });
            }
            long n = done.get() - atWarm;
            b.close();
            System.out.printf("RESULT %s sessions=%d threads=%d batch=%d: %.1f frames/s%n", model.getFileName(), sessions, threads, batch, n / seconds);
        }
    }
}
