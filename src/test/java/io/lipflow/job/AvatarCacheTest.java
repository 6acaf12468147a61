package io.lipflow.job;

import io.lipflow.frames.AvatarException;
import io.lipflow.frames.DemoAvatar;
import io.lipflow.frames.FaceCrop;
import io.lipflow.frames.PreparedAvatar;
import io.lipflow.frames.PreparedTemplate;
import io.lipflow.testing.TestAssets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TaskManager's avatar cache keeps avatars within its byte budget, dropping the least recently used. */
class AvatarCacheTest {
    // six 1280x720 templates: a few MiB an avatar
    private static final int FRAMES = 6;

    private static JobSettings settings(int budgetMegabytes, String... ids) throws Exception {
        JobSettings s = new JobSettings();
        s.avatarCacheMegabytes = budgetMegabytes;
        for (String id : ids) {
            s.avatarDirs.put(id, TestAssets.avatar(id, FRAMES, 0).toString());
        }
        return s;
    }

    @Test
    void avatarsWithinTheBudgetStayPrepared() throws Exception {
        JobSettings s = settings(64, "cache-keep-a", "cache-keep-b");
        PreparedAvatar a = AvatarCache.get(s, "cache-keep-a");
        PreparedAvatar b = AvatarCache.get(s, "cache-keep-b");
        assertSame(a, AvatarCache.get(s, "cache-keep-a"));
        assertSame(b, AvatarCache.get(s, "cache-keep-b"));
    }

    @Test
    void theLeastRecentlyUsedAvatarIsDroppedBeyondTheBudget() throws Exception {
        JobSettings s = settings(1, "cache-lru-a", "cache-lru-b", "cache-lru-c");
        PreparedAvatar a = AvatarCache.get(s, "cache-lru-a");
        long dropsBefore = AvatarCache.drops();
        long one = a.bytes();
        s.avatarCacheMegabytes = (int) ((2 * one + (one >> 1)) >> 20);
        long budget = (long) s.avatarCacheMegabytes << 20;
        assertTrue(budget > 2 * one && budget < 3 * one, "room for two avatars, not three: " + one + " bytes each");
        PreparedAvatar b = AvatarCache.get(s, "cache-lru-b");
        assertSame(a, AvatarCache.get(s, "cache-lru-a")); // a is now more recently used than b
        PreparedAvatar c = AvatarCache.get(s, "cache-lru-c");

        assertSame(a, AvatarCache.get(s, "cache-lru-a"));
        assertSame(c, AvatarCache.get(s, "cache-lru-c"));
        PreparedAvatar bAgain = AvatarCache.get(s, "cache-lru-b");
        assertNotSame(b, bAgain, "b was the least recently used: dropped and prepared again");
        assertSame(c, AvatarCache.get(s, "cache-lru-c"));
        assertNotSame(a, AvatarCache.get(s, "cache-lru-a"), "bringing b back dropped a, then the least recent");
        assertEquals(3, AvatarCache.drops() - dropsBefore, "b, a, then b again (bringing a back) were dropped");
        assertEquals(2 * one, AvatarCache.bytes(), "the cache holds c and a, drawn alike so equal in size");
    }

    @Test
    void anAvatarIsPreparedForEachOutputFormat() throws Exception {
        JobSettings jpg95 = settings(64, "cache-format-a");
        JobSettings jpg90 = settings(64, "cache-format-a");
        jpg90.jpegQuality = 90;
        JobSettings png = settings(64, "cache-format-a");
        png.format = "png";
        PreparedAvatar a95 = AvatarCache.get(jpg95, "cache-format-a");
        PreparedAvatar a90 = AvatarCache.get(jpg90, "cache-format-a");
        PreparedAvatar aPng = AvatarCache.get(png, "cache-format-a");
        assertNotSame(a95, a90);
        assertNotSame(a95, aPng);
        assertSame(a95, AvatarCache.get(jpg95, "cache-format-a"));
        assertSame(aPng, AvatarCache.get(png, "cache-format-a"));
        PreparedTemplate t = aPng.template(0);
        float[] grey = new float[FaceCrop.OUTPUT_SIZE];
        Arrays.fill(grey, 0.5f);
        byte[] frame = t.encode(t.patch(grey, 0));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(frame, 4), "a PNG job's frames are PNGs");
    }

    @Test
    void anAvatarLargerThanTheBudgetIsStillServed() throws Exception {
        JobSettings s = settings(1, "cache-big-a");
        PreparedAvatar a = AvatarCache.get(s, "cache-big-a");
        assertTrue(a.bytes() > 1L << 20);
        assertSame(a, AvatarCache.get(s, "cache-big-a"), "the one avatar in use is kept even beyond the budget");
    }

    @Test
    void concurrentGetsOfOneAvatarShareOnePreparation() throws Exception {
        JobSettings s = settings(64, "cache-once-a");
        long preparationsBefore = AvatarCache.preparations();
        List<Future<PreparedAvatar>> gets = getAtOnce(s, "cache-once-a");
        PreparedAvatar first = gets.get(0).get(60, TimeUnit.SECONDS);
        for (Future<PreparedAvatar> get : gets) {
            assertSame(first, get.get(60, TimeUnit.SECONDS));
        }
        assertEquals(1, AvatarCache.preparations() - preparationsBefore, "every slot asked at once, one preparation");
    }

    @Test
    void aFailedPreparationFailsEveryGetAndIsTriedAgain(@TempDir Path tmp) throws Exception {
        JobSettings s = new JobSettings();
        Path dir = tmp.resolve("cache-fail-a");
        s.avatarDirs.put("cache-fail-a", dir.toString());
        DemoAvatar.writeDataset(dir, FRAMES);
        // the last template is broken: the gets wait for the others' preparation, then fail
        Path last = dir.resolve("full_body_img").resolve((FRAMES - 1) + ".jpg");
        byte[] good = Files.readAllBytes(last);
        Files.write(last, new byte[] {1, 2, 3});

        for (Future<PreparedAvatar> get : getAtOnce(s, "cache-fail-a")) {
            ExecutionException failed = assertThrows(ExecutionException.class, () -> get.get(60, TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof AvatarException, failed.getCause().toString());
            assertTrue(failed.getCause().getMessage().startsWith("avatar 'cache-fail-a': frame " + (FRAMES - 1)),
                    failed.getCause().getMessage());
        }
        Files.write(last, good); // mended: the failure was not cached
        PreparedAvatar a = AvatarCache.get(s, "cache-fail-a");
        assertEquals(FRAMES, a.templateCount());
        assertSame(a, AvatarCache.get(s, "cache-fail-a"));
    }

    /** Avatar {@code id} got by eight threads at once, as the slots of a TaskManager do when they open. */
    private static List<Future<PreparedAvatar>> getAtOnce(JobSettings s, String id) throws Exception {
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<PreparedAvatar>> gets = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                gets.add(pool.submit(() -> {
                    start.await();
                    return AvatarCache.get(s, id);
                }));
            }
            return gets;
        } finally {
            pool.shutdown(); // the gets run on
        }
    }
}
