package io.lipflow.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SharedSessionPoolsTest {
    private static final int WINDOW = 80 * 16;

    @Test
    void slotsAskingForTheSameModelShareOnePoolThatTheLastReleaseCloses() throws Exception {
        int before = SharedSessionPools.open();
        SessionPool a = SharedSessionPools.acquire(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU, 4);
        SessionPool b = SharedSessionPools.acquire(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU, 4);
        SessionPool other = SharedSessionPools.acquire(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 1, 1, Device.CPU, 4);
        try {
            assertSame(a, b);
            assertNotSame(a, other, "another session count is another pool");
            assertEquals(before + 2, SharedSessionPools.open());
            SharedSessionPools.release(a);
            assertEquals(512, b.run(new float[WINDOW]).length, "the second user's pool must stay open");
        } finally {
            SharedSessionPools.release(b);
            SharedSessionPools.release(other);
        }
        assertEquals(before, SharedSessionPools.open());
        assertThrows(IllegalArgumentException.class, () -> SharedSessionPools.release(b));
        assertEquals(0, b.size(), "the last release closes the sessions");
    }

    @Test
    void twoBatchersOnOneSharedPoolNeverRunMoreThanItsSessionsAndGetTheirOwnResults() throws Exception {
        SessionPool pool = SharedSessionPools.acquire(TestModels.encoder(), ModelContract.Kind.AUDIO_ENCODER, 2, 1, Device.CPU, 1);
        AtomicInteger peakInUse = new AtomicInteger();
        try {
            int n = 40;
            float[][] mels = new float[n][];
            float[][] expected = new float[n][];
            for (int i = 0; i < n; i++) {
                mels[i] = TestModels.random(900 + i, WINDOW, -4, 4);
                expected[i] = pool.run(mels[i]);
            }
            InferenceBatcher first = new InferenceBatcher(pool, 1, Duration.ZERO);
            InferenceBatcher second = new InferenceBatcher(pool, 1, Duration.ZERO);
            Thread watcher = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peakInUse.accumulateAndGet(pool.inUse(), Math::max);
                }
            });
            watcher.start();
            List<CompletableFuture<float[]>> futures = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    futures.add((i % 2 == 0 ? first : second).submit(TensorInput.of(mels[i])));
                }
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(expected[i], futures.get(i).get(30, TimeUnit.SECONDS), 1e-5f, "request " + i);
                }
            } finally {
                first.close();
                second.close();
                watcher.interrupt();
                watcher.join();
            }
            assertEquals(n / 2, first.requests());
            assertEquals(n / 2, second.requests());
            assertTrue(peakInUse.get() >= 1 && peakInUse.get() <= 2, "sessions in use: " + peakInUse.get());
        } finally {
            SharedSessionPools.release(pool);
        }
    }
}
