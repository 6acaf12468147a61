package io.lipflow.job;

import io.lipflow.audio.AudioChunk;
import io.lipflow.output.VideoFrame;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

import java.util.concurrent.TimeUnit;

/**
 * The LipFlow topology, in one place. Sources and sinks are passed in so that the CLI, the cluster
 * entry point and tests bind their own.
 *
 * <pre>
 * audio chunks -keyBy(speaker)-> mel windows -> audio encoder (async, ordered) -> audio context
 *   -> generate + composite (async, ordered) -> frames in order -> frames (+ dead letters)
 * </pre>
 *
 * Only the first edge shuffles: everything after it stays on the speaker's subtask
 * ({@code reinterpretAsKeyedStream}), so the operators chain and the large tensors (crops, generator
 * inputs and outputs) are handed over in memory, never serialised. The heavy per-frame work (the models,
 * pasting and encoding) runs on threads every slot of the process shares, so an uneven spread of speakers
 * over slots, or a single speaker, can still use every core. The operators keep the uids of earlier
 * versions, whose savepoints then restore.
 */
public final class LipFlowJob {
    /** What the topology produces. */
    public record Outputs(DataStream<VideoFrame> frames, DataStream<DeadLetter> deadLetters) {}

    private LipFlowJob() {}

    public static Outputs build(DataStream<AudioChunk> audio, JobSettings settings) {
        SingleOutputStreamOperator<FeatureEvent> windows = audio
                .keyBy(c -> c.speaker, Types.STRING)
                .process(new MelWindowing(settings))
                .name("mel windows").uid("mel-windows");

        SingleOutputStreamOperator<FeatureEvent> encoded = AsyncDataStream.orderedWait(windows,
                        new AudioEncoding(settings), settings.asyncTimeoutSeconds, TimeUnit.SECONDS, settings.encoderCapacity)
                .name("audio encoder").uid("audio-encoder");

        SingleOutputStreamOperator<FrameEvent> planned = DataStreamUtils
                .reinterpretAsKeyedStream(encoded, e -> e.speaker, Types.STRING)
                .process(new FramePlanning(settings))
                .name("audio context").uid("audio-context");

        // ordered: an end marker passes the generator at once, and unordered it could overtake the frames
        // of its utterance's predecessor, which the compositor would then count as its own
        SingleOutputStreamOperator<FrameEvent> generated = AsyncDataStream.orderedWait(planned,
                        new FaceGeneration(settings), settings.asyncTimeoutSeconds, TimeUnit.SECONDS, settings.generatorCapacity())
                .name("generate + composite").uid("generator");

        SingleOutputStreamOperator<VideoFrame> frames = DataStreamUtils
                .reinterpretAsKeyedStream(generated, e -> e.speaker, Types.STRING)
                .process(new FrameAssembly(settings))
                .name("frames in order").uid("composite");

        DataStream<DeadLetter> deadLetters = windows.getSideOutput(DeadLetter.TAG)
                .union(planned.getSideOutput(DeadLetter.TAG), frames.getSideOutput(DeadLetter.TAG));
        return new Outputs(frames, deadLetters);
    }
}
