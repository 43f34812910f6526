package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// The JSON lines of PROTOCOL.md; field order follows the struct order.

type readyEvent struct {
	Stage string `json:"stage"`
	Event string `json:"event"`
}

type counts struct {
	Frames    uint64 `json:"frames"`
	Skipped   uint64 `json:"skipped"`
	LastFrame int64  `json:"last_frame"` // -1 before the first frame
}

type progressEvent struct {
	readyEvent
	counts
}

type doneEvent struct {
	readyEvent
	counts
	CPUSeconds     float64  `json:"cpu_s"`
	ElapsedSeconds float64  `json:"elapsed_s"`
	Outputs        []string `json:"outputs"`
}

const stageName = "liveview"

func newEvent(event string) readyEvent { return readyEvent{Stage: stageName, Event: event} }

// milliRound keeps three decimals: the lines are for people and plots.
func milliRound(seconds float64) float64 { return math.Round(seconds*1000) / 1000 }

// emit prints one event as a line (an unbuffered writer: it goes out now).
func emit(w io.Writer, event any) error {
	line, err := json.Marshal(event)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", line)
	return err
}
