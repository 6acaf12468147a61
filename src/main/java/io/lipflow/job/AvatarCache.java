package io.lipflow.job;

import io.lipflow.frames.Avatar;
import io.lipflow.frames.AvatarException;
import io.lipflow.frames.AvatarStore;
import io.lipflow.frames.PreparedAvatar;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Prepared avatars (template crops and what encoding a frame needs), shared by every operator in a TaskManager
 * JVM: avatars are read-only, and decoding a template JPEG per output frame would cost more than the
 * rest of the compositing. The cache holds at most {@link JobSettings#avatarCacheMegabytes}
 * (a count would not do: one avatar may hold 10 MB, another 1 GB): least recently used avatars are
 * dropped beyond it, never the one just prepared. Every slot asks for the same avatars as it opens: an
 * avatar is prepared once however many ask for it at the same time, the others waiting for that preparation.
 */
public final class AvatarCache {
    private static final Logger LOG = LoggerFactory.getLogger(AvatarCache.class);
    // access order: iteration starts at the least recently used
    private static final Map<String, PreparedAvatar> CACHE = new LinkedHashMap<>(16, 0.75f, true);
    /** Preparations under way, by key: a key is here or in the cache, never both. Guarded by CACHE. */
    private static final Map<String, CompletableFuture<PreparedAvatar>> PREPARING = new HashMap<>();
    private static long cachedBytes; // guarded by CACHE
    private static long drops; // guarded by CACHE
    private static long preparations; // guarded by CACHE

    private AvatarCache() {}

    /**
     * Prepares the avatars named in the settings now, so that a speaker's first frames do not wait for
     * them (3-10 ms a template); one that fails is left for first use, which dead-letters it.
     */
    public static void preload(JobSettings settings) {
        for (String id : settings.avatarDirs.keySet()) {
            try {
                get(settings, id);
            } catch (AvatarException e) {
                // reported with the speaker's utterance when it is used
            }
        }
    }

    /** Bytes of prepared avatars this process holds now. */
    public static long bytes() {
        synchronized (CACHE) {
            return cachedBytes;
        }
    }

    /** Avatars this process has dropped to stay within its budget: one that keeps rising wants a larger one. */
    public static long drops() {
        synchronized (CACHE) {
            return drops;
        }
    }

    /** Preparations this process has started (the tests count them to see concurrent gets share one). */
    static long preparations() {
        synchronized (CACHE) {
            return preparations;
        }
    }

    /**
     * The prepared avatar {@code id}, loading it on first use, or waiting for the preparation another
     * thread has under way. A preparation that fails fails every get waiting for it, and is not kept:
     * the next get tries again.
     */
    public static PreparedAvatar get(JobSettings settings, String id) throws AvatarException {
        AvatarStore.checkId(id);
        String dir = settings.avatarDir(id);
        if (dir == null) {
            throw new AvatarException("unknown avatar '" + id + "' (no avatar store or --avatar for it)");
        }
        // prepared for the job's output format: jobs of a session cluster may differ
        String key = dir + " as " + settings.format + " " + settings.jpegQuality;
        CompletableFuture<PreparedAvatar> preparing;
        boolean mine;
        synchronized (CACHE) {
            PreparedAvatar cached = CACHE.get(key);
            if (cached != null) {
                return cached;
            }
            preparing = PREPARING.get(key);
            mine = preparing == null;
            if (mine) {
                preparing = new CompletableFuture<>();
                PREPARING.put(key, preparing);
                preparations++;
            }
        }
        return mine ? prepare(settings, id, dir, key, preparing) : await(preparing);
    }

    /** Prepares the avatar this thread registered as {@code preparing}, and hands it to the threads waiting. */
    private static PreparedAvatar prepare(JobSettings settings, String id, String dir, String key,
                                          CompletableFuture<PreparedAvatar> preparing) throws AvatarException {
        // prepared outside the lock: another avatar's first use need not wait for this one
        PreparedAvatar prepared;
        try {
            prepared = read(settings, id, dir);
        } catch (Throwable failure) { // an Error too: no waiter may wait for ever
            synchronized (CACHE) {
                PREPARING.remove(key); // not cached: the next get tries again
            }
            preparing.completeExceptionally(failure);
            throw failure;
        }
        synchronized (CACHE) {
            PREPARING.remove(key);
            CACHE.put(key, prepared);
            cachedBytes += prepared.bytes();
            dropBeyond(settings.avatarCacheBytes(), id);
        }
        preparing.complete(prepared);
        return prepared;
    }

    private static PreparedAvatar read(JobSettings settings, String id, String dir) throws AvatarException {
        try {
            return PreparedAvatar.prepare(Avatar.open(Path.of(dir)), settings.format, settings.jpegQuality, done -> { });
        } catch (RuntimeException e) { // a broken avatar of any kind is that avatar's error, not the job's
            throw new AvatarException("avatar '" + id + "' cannot be prepared: " + e, e);
        }
    }

    /** The avatar another thread is preparing (not interruptible: neither is the preparation). */
    private static PreparedAvatar await(CompletableFuture<PreparedAvatar> preparing) throws AvatarException {
        try {
            return preparing.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof AvatarException bad) {
                throw new AvatarException(bad.getMessage(), bad); // the preparer's failure, with this thread's stack
            }
            throw e;
        }
    }

    /** Drops least recently used avatars while the cache holds more than {@code budget} bytes. */
    private static void dropBeyond(long budget, String newest) {
        Iterator<Map.Entry<String, PreparedAvatar>> eldestFirst = CACHE.entrySet().iterator();
        while (cachedBytes > budget && CACHE.size() > 1) {
            Map.Entry<String, PreparedAvatar> eldest = eldestFirst.next();
            eldestFirst.remove();
            cachedBytes -= eldest.getValue().bytes();
            drops++;
            // each drop costs a preparation (3-10 ms a template) on the avatar's next use: say so, loudly
            LOG.warn("avatar cache: dropped {} ({} MiB) to make room for avatar '{}' within {} MiB; a TaskManager that"
                            + " keeps dropping avatars needs more --avatar-cache-mb (and heap) or fewer avatars per TaskManager",
                    eldest.getKey(), eldest.getValue().bytes() >> 20, newest, budget >> 20);
        }
        if (cachedBytes > budget) {
            LOG.warn("avatar cache: avatar '{}' alone holds {} MiB, more than the cache's {} MiB", newest,
                    cachedBytes >> 20, budget >> 20);
        }
    }
}
