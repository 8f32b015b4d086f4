package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"onair/mixer/capture"
)

// runDevices lists the sound card inputs, to choose a station's mic.device.
func runDevices(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "onair devices: unexpected argument %q\n", args[0])
		return 2
	}
	devs, err := capture.Devices()
	if err != nil {
		fmt.Fprintf(stderr, "onair devices: %v\n", err)
		return 1
	}
	if len(devs) == 0 {
		fmt.Fprintln(stdout, "PortAudio found no input devices.")
		return 0
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "DEFAULT\tNAME\tCHANNELS\tRATE")
	for _, d := range devs {
		mark := ""
		if d.Default {
			mark = "*"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%.0f Hz\n", mark, d.Name, d.Inputs, d.DefaultRate)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(stderr, "onair devices: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "\nSet a station's mic.device to a name (or part of one); \"\" is the default input.")
	return 0
}
