@preconcurrency import Glibc

/// Line-buffered standard output, so progress lines appear as they are printed, also in a log file.
func lineBufferStandardOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}
