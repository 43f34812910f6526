//! CPU time of this process, for the done line's `cpu_s`.

/// User plus system CPU seconds this process has used.
pub fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the zeroed struct; RUSAGE_SELF cannot fail.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
