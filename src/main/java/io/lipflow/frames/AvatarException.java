package io.lipflow.frames;

/** An avatar that cannot be used as it is: a missing or unreadable file, a bad landmark file, a bad box. */
public class AvatarException extends Exception {
    private static final long serialVersionUID = 1L;

    public AvatarException(String message) {
        super(message);
    }

    public AvatarException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "avatar 'id': frame j: detail", the form every per-frame problem is reported in. */
    static AvatarException atFrame(String avatarId, int frame, String detail) {
        return new AvatarException("avatar '" + avatarId + "': frame " + frame + ": " + detail);
    }
}
