package io.lipflow.output;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lipflow.audio.SyntheticSpeech;
import io.lipflow.frames.DemoAvatar;
import io.lipflow.frames.FrameEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sink's writer stages pending files and its committer puts them, and the MP4, in place. */
class FrameFileSinkTest {
    private static final int FRAMES = 3;

    @TempDir
    Path tmp;

    @Test
    void anUtteranceCommitsToFramesWavAndMp4() throws Exception {
        List<byte[]> frames = writeAndCommit(new FrameFileSink(tmp));
        Path dir = tmp.resolve("ada").resolve("u1");
        for (int i = 0; i < FRAMES; i++) {
            assertArrayEquals(frames.get(i), Files.readAllBytes(dir.resolve(VideoFrame.fileName(i, "jpg"))));
        }
        assertTrue(Files.size(tmp.resolve("ada/u1.wav")) > 44);
        assertTrue(Files.size(tmp.resolve("ada/u1.mp4")) > 1000);
        assertEquals(List.of(), pendingFiles(), "nothing left pending");
    }

    @Test
    void withoutMp4TheFramesAndWavStillCommit() throws Exception {
        writeAndCommit(FrameFileSink.withoutMp4(tmp));
        assertEquals(FRAMES, Files.list(tmp.resolve("ada/u1")).count());
        assertTrue(Files.exists(tmp.resolve("ada/u1.wav")));
        assertTrue(Files.notExists(tmp.resolve("ada/u1.mp4")));
        assertEquals(List.of(), pendingFiles());
    }

    @Test
    void anUtteranceWithoutFramesCommitsItsWavAndNoVideo() throws Exception {
        FrameFileSink sink = new FrameFileSink(tmp);
        List<FrameFileSink.Committable> committables = write(sink, List.of(
                VideoFrame.end("ada", "u0", 0, "jpg", new float[0], 16_000)));

        commit(sink, committables, Request::new); // a request fails the test if it is signalled failed

        assertTrue(Files.exists(tmp.resolve("ada/u0.wav")));
        assertTrue(Files.notExists(tmp.resolve("ada/u0.mp4")));
        assertEquals(List.of(), pendingFiles());
    }

    @Test
    void anMp4ThatCannotBeMadeFailsOnlyItself() throws Exception {
        FrameFileSink sink = new FrameFileSink(tmp);
        List<FrameFileSink.Committable> committables = write(sink, utterance(new ArrayList<>()));
        commit(sink, committables.stream().filter(c -> !c.mux()).toList(), Request::new);
        // a frame removed by hand before the MP4 is muxed: the MP4 fails part way through
        Files.delete(tmp.resolve("ada/u1").resolve(VideoFrame.fileName(1, "jpg")));
        List<Throwable> failures = new ArrayList<>();

        commit(sink, committables.stream().filter(FrameFileSink.Committable::mux).toList(), c -> new Request(c) {
            @Override
            public void signalFailedWithKnownReason(Throwable t) {
                failures.add(t);
            }
        });

        assertEquals(1, failures.size());
        assertTrue(failures.get(0).getMessage().contains("has 1 of its 3 frames"), failures.get(0).toString());
        assertEquals(FRAMES - 1, Files.list(tmp.resolve("ada/u1")).count(), "the other frames stay");
        assertTrue(Files.exists(tmp.resolve("ada/u1.wav")));
        assertTrue(Files.notExists(tmp.resolve("ada/u1.mp4")));
        assertEquals(List.of(), pendingFiles(), "no half-written MP4 left");
    }

    @Test
    void aRepeatedCommitFindsItsWorkDone() throws Exception {
        FrameFileSink sink = new FrameFileSink(tmp);
        List<FrameFileSink.Committable> committables = write(sink, utterance(new ArrayList<>()));
        commit(sink, committables, Request::new);
        BasicFileAttributes muxed = mp4Attributes();
        List<FrameFileSink.Committable> done = new ArrayList<>();

        // Flink commits a checkpoint's committables again after a failure between the commit and its record
        commit(sink, committables, c -> new Request(c) {
            @Override
            public void signalAlreadyCommitted() {
                done.add(c);
            }
        });

        assertEquals(committables, done, "every committable, frames, WAV and MP4, found done");
        BasicFileAttributes again = mp4Attributes();
        assertEquals(muxed.fileKey(), again.fileKey(), "the MP4 is not muxed again");
        assertEquals(muxed.lastModifiedTime(), again.lastModifiedTime());
        assertEquals(FRAMES, Files.list(tmp.resolve("ada/u1")).count());
        assertEquals(List.of(), pendingFiles());
    }

    @Test
    void anMp4OlderThanItsUtteranceIsMuxedAgain() throws Exception {
        FrameFileSink sink = new FrameFileSink(tmp);
        writeAndCommit(sink);
        BasicFileAttributes first = mp4Attributes();

        // the same utterance written again: a second run into the same directory, or a replay
        writeAndCommit(sink);

        BasicFileAttributes second = mp4Attributes();
        assertTrue(second.lastModifiedTime().compareTo(Files.getLastModifiedTime(tmp.resolve("ada/u1.wav"))) > 0,
                "muxed again from the utterance written since");
        assertEquals(List.of(), pendingFiles());
    }

    private BasicFileAttributes mp4Attributes() throws Exception {
        return Files.readAttributes(tmp.resolve("ada/u1.mp4"), BasicFileAttributes.class);
    }

    private static List<byte[]> writeAndCommit(FrameFileSink sink) throws Exception {
        List<byte[]> frames = new ArrayList<>();
        commit(sink, write(sink, utterance(frames)), Request::new);
        return frames;
    }

    /** Utterance u1 of speaker ada: {@link #FRAMES} frames (their JPEGs added to {@code jpegs}) and its end. */
    private static List<VideoFrame> utterance(List<byte[]> jpegs) {
        List<VideoFrame> frames = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            jpegs.add(FrameEncoder.jpeg(DemoAvatar.frame(i)));
            frames.add(VideoFrame.frame("ada", "u1", i, "jpg", jpegs.get(i)));
        }
        frames.add(VideoFrame.end("ada", "u1", FRAMES, "jpg", SyntheticSpeech.generate(FRAMES * 640, 1), 16_000));
        return frames;
    }

    @SuppressWarnings("unchecked")
    private static List<FrameFileSink.Committable> write(FrameFileSink sink, List<VideoFrame> frames) throws Exception {
        try (SinkWriter<VideoFrame> writer = sink.createWriter(null)) {
            for (VideoFrame f : frames) {
                writer.write(f, null);
            }
            return new ArrayList<>(((CommittingSinkWriter<VideoFrame, FrameFileSink.Committable>) writer).prepareCommit());
        }
    }

    private static void commit(FrameFileSink sink, List<FrameFileSink.Committable> committables,
                               Function<FrameFileSink.Committable, Request> request) throws Exception {
        List<Committer.CommitRequest<FrameFileSink.Committable>> requests = new ArrayList<>();
        for (FrameFileSink.Committable c : committables) {
            requests.add(request.apply(c));
        }
        try (Committer<FrameFileSink.Committable> committer = sink.createCommitter(null)) {
            committer.commit(requests);
        }
    }

    private List<Path> pendingFiles() throws Exception {
        try (Stream<Path> files = Files.walk(tmp)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".pending")).toList();
        }
    }

    /** A commit request that must succeed. */
    private static class Request implements Committer.CommitRequest<FrameFileSink.Committable> {
        private final FrameFileSink.Committable committable;

        Request(FrameFileSink.Committable committable) {
            this.committable = committable;
        }

        @Override
        public FrameFileSink.Committable getCommittable() {
            return committable;
        }

        @Override
        public int getNumberOfRetries() {
            return 0;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            throw new AssertionError(t);
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            throw new AssertionError(t);
        }

        @Override
        public void retryLater() {
            throw new AssertionError("retry");
        }

        @Override
        public void updateAndRetryLater(FrameFileSink.Committable c) {
            throw new AssertionError("retry");
        }

        @Override
        public void signalAlreadyCommitted() {
        }
    }
}
