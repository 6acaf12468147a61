package io.lipflow.frames;

import org.bytedeco.ffmpeg.global.avutil;

/** Keeps FFmpeg's encoder and demuxer chatter off the console; its errors still show. */
public final class FfmpegLog {
    private FfmpegLog() {}

    public static void errorsOnly() {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }
}
