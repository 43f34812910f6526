// pipeline-liveview is the video pipeline's Go stage: a lossy reader of
// the frames ring that never slows the writer, counts the frames it
// skipped and writes a thumbnail of the newest frame every so often
// (examples/pipeline/PROTOCOL.md).
//
//	pipeline-liveview --ring NAME --out DIR [--report-ms 500] [--thumbnail-ms 1000] [--thumbnail-width 320]
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
