package io.lipflow.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Decodes RIFF/WAVE files: PCM 16/24/32-bit integer and 32-bit IEEE float, plain or
 * WAVE_FORMAT_EXTENSIBLE, any channel count (averaged to mono). Walks the chunk list, so LIST and
 * other chunks (odd sizes padded to even) are skipped. Every defect is reported as an
 * {@link AudioFormatException} naming the source; sizes are checked against the bytes present before
 * anything is allocated, so a lying header cannot cause a large allocation.
 */
public final class WavDecoder {
    private static final int FORMAT_PCM = 0x0001;
    private static final int FORMAT_FLOAT = 0x0003;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;

    private WavDecoder() {}

    /** Reads and decodes a WAV file. */
    public static PcmAudio read(Path file) throws AudioFormatException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new AudioFormatException(file + ": no such file");
        } catch (IOException e) {
            throw new AudioFormatException(file + ": cannot read: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            throw new AudioFormatException(file + ": file too large to load");
        }
        return decode(bytes, file.toString());
    }

    /**
     * Decodes WAV bytes.
     *
     * @param source named in error messages (a file name, a record key)
     */
    public static PcmAudio decode(byte[] bytes, String source) throws AudioFormatException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12 || !fourCc(buf, 0).equals("RIFF") || !fourCc(buf, 8).equals("WAVE")) {
            throw new AudioFormatException(source + ": not a RIFF/WAVE file");
        }
        Format format = null;
        int pos = 12;
        while (pos + 8 <= bytes.length) {
            String id = fourCc(buf, pos);
            long size = Integer.toUnsignedLong(buf.getInt(pos + 4));
            int body = pos + 8;
            long remaining = bytes.length - (long) body;
            if (id.equals("fmt ")) {
                if (size > remaining) {
                    throw new AudioFormatException(source + ": fmt chunk declares " + size
                            + " bytes but only " + remaining + " remain (truncated file?)");
                }
                format = Format.parse(buf, body, (int) size, source);
            } else if (id.equals("data")) {
                if (format == null) {
                    throw new AudioFormatException(source + ": data chunk before fmt chunk");
                }
                if (size > remaining) {
                    throw new AudioFormatException(source + ": data chunk declares " + size
                            + " bytes but only " + remaining + " remain (truncated file?)");
                }
                return format.decodeData(buf, body, (int) size, source);
            } else if (size > remaining) {
                throw new AudioFormatException(source + ": chunk '" + printable(id) + "' declares " + size
                        + " bytes but only " + remaining + " remain (truncated file?)");
            }
            pos = (int) (body + size + (size & 1));
        }
        throw new AudioFormatException(source + (format == null ? ": no fmt chunk" : ": no data chunk"));
    }

    private static String fourCc(ByteBuffer buf, int pos) {
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            c[i] = (char) (buf.get(pos + i) & 0xFF);
        }
        return new String(c);
    }

    private static String printable(String id) {
        return id.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7F) ? id : "?";
    }

    /** The fields of a fmt chunk that decoding needs. */
    private record Format(SampleFormat sample, int channels, int sampleRate, int blockAlign) {
        static Format parse(ByteBuffer buf, int at, int size, String source) throws AudioFormatException {
            if (size < 16) {
                throw new AudioFormatException(source + ": fmt chunk too short (" + size + " bytes)");
            }
            int tag = Short.toUnsignedInt(buf.getShort(at));
            int channels = Short.toUnsignedInt(buf.getShort(at + 2));
            long rate = Integer.toUnsignedLong(buf.getInt(at + 4));
            int blockAlign = Short.toUnsignedInt(buf.getShort(at + 12));
            int bits = Short.toUnsignedInt(buf.getShort(at + 14));
            if (tag == FORMAT_EXTENSIBLE) {
                if (size < 40) {
                    throw new AudioFormatException(source + ": WAVE_FORMAT_EXTENSIBLE fmt chunk too short ("
                            + size + " bytes)");
                }
                tag = Short.toUnsignedInt(buf.getShort(at + 24)); // first two bytes of the sub-format GUID
            }
            SampleFormat sample;
            if (tag == FORMAT_PCM) {
                sample = switch (bits) {
                    case 16 -> SampleFormat.PCM_16;
                    case 24 -> SampleFormat.PCM_24;
                    case 32 -> SampleFormat.PCM_32;
                    default -> throw new AudioFormatException(source + ": unsupported encoding PCM " + bits
                            + "-bit (supported: PCM 16/24/32-bit, float 32-bit)");
                };
            } else if (tag == FORMAT_FLOAT) {
                if (bits != 32) {
                    throw new AudioFormatException(source + ": unsupported encoding float " + bits
                            + "-bit (supported: PCM 16/24/32-bit, float 32-bit)");
                }
                sample = SampleFormat.FLOAT_32;
            } else {
                throw new AudioFormatException(source + ": unsupported encoding " + encodingName(tag)
                        + " (supported: PCM 16/24/32-bit, float 32-bit)");
            }
            if (channels == 0) {
                throw new AudioFormatException(source + ": zero channels");
            }
            if (rate == 0 || rate > 1_000_000) {
                throw new AudioFormatException(source + ": invalid sample rate " + rate);
            }
            if (blockAlign != channels * bits / 8) {
                throw new AudioFormatException(source + ": block align " + blockAlign + " does not match "
                        + channels + " channels of " + bits + " bits");
            }
            return new Format(sample, channels, (int) rate, blockAlign);
        }

        PcmAudio decodeData(ByteBuffer buf, int at, int size, String source) throws AudioFormatException {
            int frames = size / blockAlign;
            if (frames == 0) {
                throw new AudioFormatException(source + ": no audio samples");
            }
            return new PcmAudio(sample.toMono(buf, at, frames, channels, source), sampleRate, channels, sample.toString());
        }

        private static String encodingName(int tag) {
            return switch (tag) {
                case 0x0002 -> "MS ADPCM";
                case 0x0006 -> "A-law";
                case 0x0007 -> "mu-law";
                case 0x0011 -> "IMA ADPCM";
                case 0x0055 -> "MP3";
                default -> String.format("format tag 0x%04X", tag);
            };
        }
    }
}
