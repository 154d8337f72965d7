@preconcurrency import Glibc

/// Makes standard output line-buffered even when it is a file or a pipe, so progress lines
/// appear as they are printed (C stdio would otherwise hold them in a 4 KiB buffer).
func lineBufferStandardOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}
