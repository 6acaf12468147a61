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
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.connector.sink2.CommittableWithLineage;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sink's writer stages pending files, its committer puts them in place, and its muxer makes the MP4. */
class FrameFileSinkTest {
    private static final int FRAMES = 3;

    @TempDir
    Path tmp;

    @Test
    void anUtteranceCommitsToFramesWavAndMp4() throws Exception {
        FrameFileSink sink = new FrameFileSink(tmp);
        List<byte[]> frames = new ArrayList<>();
        List<FrameFileSink.Committable> committables = write(sink, utterance(frames));
        commit(sink, committables, Request::new);
        Path dir = tmp.resolve("ada").resolve("u1");
        for (int i = 0; i < FRAMES; i++) {
            assertArrayEquals(frames.get(i), Files.readAllBytes(dir.resolve(VideoFrame.fileName(i, "jpg"))));
        }
        assertTrue(Files.size(tmp.resolve("ada/u1.wav")) > 44);
        assertTrue(Files.notExists(tmp.resolve("ada/u1.mp4")), "the committer leaves the MP4 to the muxer");

        mux(committables, null);

        assertTrue(Files.size(tmp.resolve("ada/u1.mp4")) > 1000);
        assertEquals(List.of(), pendingFiles(), "nothing left pending");
    }

    @Test
    void withoutMp4TheFramesAndWavStillCommit() throws Exception {
        FrameFileSink sink = FrameFileSink.withoutMp4(tmp);
        List<FrameFileSink.Committable> committables = write(sink, utterance(new ArrayList<>()));
        assertTrue(committables.stream().noneMatch(FrameFileSink.Committable::mux), committables.toString());
        commit(sink, committables, Request::new);
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

        assertTrue(committables.stream().noneMatch(FrameFileSink.Committable::mux), committables.toString());
        assertTrue(Files.exists(tmp.resolve("ada/u0.wav")));
        assertTrue(Files.notExists(tmp.resolve("ada/u0.mp4")));
        assertEquals(List.of(), pendingFiles());
    }

    @Test
    void anMp4ThatCannotBeMadeFailsOnlyItself() throws Exception {
        FrameFileSink sink = new FrameFileSink(tmp);
        List<FrameFileSink.Committable> broken = write(sink, utterance("u1", new ArrayList<>()));
        List<FrameFileSink.Committable> whole = write(sink, utterance("u2", new ArrayList<>()));
        commit(sink, broken, Request::new);
        commit(sink, whole, Request::new);
        // a frame removed by hand before the MP4 is muxed: the MP4 fails part way through
        Files.delete(tmp.resolve("ada/u1").resolve(VideoFrame.fileName(1, "jpg")));

        mux(broken, null);
        mux(whole, null);

        assertEquals(FRAMES - 1, Files.list(tmp.resolve("ada/u1")).count(), "the other frames stay");
        assertTrue(Files.exists(tmp.resolve("ada/u1.wav")));
        assertTrue(Files.notExists(tmp.resolve("ada/u1.mp4")));
        assertTrue(Files.size(tmp.resolve("ada/u2.mp4")) > 1000, "the next utterance's MP4 is muxed");
        assertEquals(List.of(), pendingFiles(), "no half-written MP4 left");
    }

    @Test
    void anMp4WaitingAtAFailureIsMuxedAfterTheRestore() throws Exception {
        FrameFileSink sink = new FrameFileSink(tmp);
        // long enough (~1 s of muxing) to be under way when the job fails
        List<FrameFileSink.Committable> committables = write(sink, utterance("u1", 125, new ArrayList<>()));
        commit(sink, committables, Request::new);
        OperatorSubtaskState snapshot;
        try (var failing = muxer(null)) {
            for (FrameFileSink.Committable c : committables) {
                failing.processElement(new StreamRecord<>(new CommittableWithLineage<>(c, 1, 0)));
            }
            snapshot = failing.snapshot(2, 2);
        } // closed without the input's end: a cancel, which stops the muxing at the next frame
        assertTrue(Files.notExists(tmp.resolve("ada/u1.mp4")), "the failed attempt left no MP4");
        assertEquals(List.of(), pendingFiles(), "nor half of one");

        mux(List.of(), snapshot); // the restored job gets no request: the committer's was in an earlier checkpoint

        assertEquals(125, frameCount(tmp.resolve("ada/u1.mp4")));
        assertEquals(List.of(), pendingFiles());
    }

    @Test
    void aRepeatedCommitFindsItsWorkDone() throws Exception {
        FrameFileSink sink = new FrameFileSink(tmp);
        List<FrameFileSink.Committable> committables = write(sink, utterance(new ArrayList<>()));
        commit(sink, committables, Request::new);
        mux(committables, null);
        BasicFileAttributes muxed = mp4Attributes();
        List<FrameFileSink.Committable> done = new ArrayList<>();

        // Flink commits a checkpoint's committables again after a failure between the commit and its record
        commit(sink, committables, c -> new Request(c) {
            @Override
            public void signalAlreadyCommitted() {
                done.add(c);
            }
        });
        mux(committables, null);

        assertEquals(committables.stream().filter(c -> !c.mux()).toList(), done, "every frame and the WAV found done");
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

    private static int frameCount(Path mp4) throws Exception {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(mp4.toFile())) {
            grabber.start();
            int n = 0;
            while (grabber.grabImage() != null) {
                n++;
            }
            return n;
        }
    }

    private BasicFileAttributes mp4Attributes() throws Exception {
        return Files.readAttributes(tmp.resolve("ada/u1.mp4"), BasicFileAttributes.class);
    }

    /** Writes, commits and muxes utterance u1. */
    private static void writeAndCommit(FrameFileSink sink) throws Exception {
        List<FrameFileSink.Committable> committables = write(sink, utterance(new ArrayList<>()));
        commit(sink, committables, Request::new);
        mux(committables, null);
    }

    private static List<VideoFrame> utterance(List<byte[]> jpegs) {
        return utterance("u1", jpegs);
    }

    private static List<VideoFrame> utterance(String id, List<byte[]> jpegs) {
        return utterance(id, FRAMES, jpegs);
    }

    /** An utterance of speaker ada: {@code count} frames (their JPEGs added to {@code jpegs}) and its end. */
    private static List<VideoFrame> utterance(String id, int count, List<byte[]> jpegs) {
        List<VideoFrame> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            jpegs.add(FrameEncoder.jpeg(DemoAvatar.frame(i)));
            frames.add(VideoFrame.frame("ada", id, i, "jpg", jpegs.get(i)));
        }
        frames.add(VideoFrame.end("ada", id, count, "jpg", SyntheticSpeech.generate(count * 640, 1), 16_000));
        return frames;
    }

    /**
     * What the sink's muxer (restored from {@code state} when not null) does with committed committables that
     * arrive after its input's end, as those of a bounded job's final checkpoint do: its MP4s are muxed when
     * this returns. (The restore test hands them over before.)
     */
    private static void mux(List<FrameFileSink.Committable> committed, OperatorSubtaskState state) throws Exception {
        try (var muxer = muxer(state)) {
            muxer.endInput();
            muxer.processElement(new StreamRecord<>(new CommittableSummary<>(0, 1, 1, committed.size(), 0)));
            for (FrameFileSink.Committable c : committed) {
                muxer.processElement(new StreamRecord<>(new CommittableWithLineage<>(c, 1, 0)));
            }
        }
    }

    private static OneInputStreamOperatorTestHarness<CommittableMessage<FrameFileSink.Committable>, Void> muxer(
            OperatorSubtaskState state) throws Exception {
        var muxer = new OneInputStreamOperatorTestHarness<CommittableMessage<FrameFileSink.Committable>, Void>(new Mp4Muxing());
        muxer.setup();
        if (state != null) {
            muxer.initializeState(state);
        }
        muxer.open();
        return muxer;
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
