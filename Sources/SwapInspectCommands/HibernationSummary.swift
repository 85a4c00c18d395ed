import SwapInspectCore

/// The one line `inspect` and `list` add in text mode when this machine has hibernation configured
/// at all (resume= on the command line or the next boot's, /sys/power/resume, HibernateLocation):
/// `hibernate ready`, or `hibernate not ready: REASON` (`swapinspect hibernate` says more). Silent
/// otherwise, and never in JSON or the Prometheus format (the document is the reports').
enum HibernationSummary {
    static func write(pageSize: Int) {
        guard let line = Hibernate.summaryLine(pageSize: pageSize) else { return }
        var out = OutputBuffer(fd: 1)
        out.write(Escapes.visible(line))
        out.newline()
        out.flush()
    }
}
