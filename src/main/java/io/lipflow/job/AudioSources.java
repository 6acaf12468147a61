package io.lipflow.job;

import io.lipflow.audio.AudioChunk;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.enumerate.DefaultFileFilter;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.function.Predicate;

/** The job's audio sources, each a named operator producing {@link AudioChunk}s. */
public final class AudioSources {
    /** Audio per chunk read from a WAV file. */
    public static final double FILE_CHUNK_SECONDS = 1.0;

    /** A watched file is read once it has not changed for this long (a copy in progress waits). */
    public static final long WATCH_QUIET_MILLIS = 2000;

    private AudioSources() {}

    /**
     * WAV files: one file, or every file of a directory (sub-directories name speakers), read once or,
     * with {@code watchInterval} set, watched for new files. Files are read one at a time, each whole into
     * memory, so files over {@code maxBytes} are refused (dead-lettered) without being read. A watched
     * directory hands out a file once it has been unchanged for {@link #WATCH_QUIET_MILLIS} (the source
     * reads each path once, so a file still being copied must wait for a later scan); names starting with
     * '.' or '_' are never read, so writing a file under such a name and renaming it is always safe.
     */
    public static DataStream<AudioChunk> wavFiles(StreamExecutionEnvironment env, java.nio.file.Path input,
                                                  SpeakerRouting routing, Duration watchInterval, long maxBytes) {
        String root = input.toAbsolutePath().normalize().toString();
        var builder = FileSource.forBulkFileFormat(new WavFileFormat(root, routing, FILE_CHUNK_SECONDS, maxBytes),
                new Path(input.toAbsolutePath().toUri()));
        if (watchInterval != null) {
            SettledFiles settled = new SettledFiles(WATCH_QUIET_MILLIS);
            builder.monitorContinuously(watchInterval)
                    .setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(settled));
        }
        // One reader: a speaker's files then reach the keyed windowing one after another; parallel
        // readers would interleave two utterances of one speaker, and each would cut the other short.
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "wav files").uid("wav-files")
                .setParallelism(1);
    }

    /**
     * A Kafka topic of audio records (key = speaker id, value = the {@link AudioChunk} envelope), read
     * committed; records without an avatar id get the speaker's from {@code routing}. {@code bounded}
     * stops at the offsets current when the job starts.
     */
    public static DataStream<AudioChunk> kafka(StreamExecutionEnvironment env, String bootstrap, String topic,
                                               String group, boolean bounded, SpeakerRouting routing) {
        var builder = KafkaSource.<AudioChunk>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(topic)
                .setGroupId(group)
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new AudioRecordDeserializer(routing))
                .setProperty("isolation.level", "read_committed");
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return env.fromSource(builder.build(), WatermarkStrategy.noWatermarks(), "kafka audio").uid("kafka-audio");
    }

    /**
     * The files a watched directory may hand out: not hidden (Flink's default filter) and unchanged for
     * {@code quietMillis}. Directories always pass, so their files are looked at.
     */
    static final class SettledFiles implements Predicate<Path>, Serializable {
        private static final long serialVersionUID = 1L;
        private static final DefaultFileFilter VISIBLE = new DefaultFileFilter();
        private final long quietMillis;

        SettledFiles(long quietMillis) {
            this.quietMillis = quietMillis;
        }

        @Override
        public boolean test(Path path) {
            if (!VISIBLE.test(path)) {
                return false;
            }
            try {
                FileStatus status = path.getFileSystem().getFileStatus(path);
                return status.isDir() || System.currentTimeMillis() - status.getModificationTime() >= quietMillis;
            } catch (IOException e) {
                return false; // gone since it was listed: nothing to read
            }
        }
    }
}
