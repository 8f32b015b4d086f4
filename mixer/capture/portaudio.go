//go:build portaudio

package capture

import (
	"fmt"
	"sync"

	"github.com/gordonklaus/portaudio"
)

// paMu serialises PortAudio's setup, teardown and device listing: the
// library's state is process-wide and not safe to change from two
// goroutines at once.
var paMu sync.Mutex

// paInit starts PortAudio; each success must be paired with paTerminate.
// A fresh start is also how PortAudio sees devices plugged in since.
func paInit() error {
	paMu.Lock()
	defer paMu.Unlock()
	if err := portaudio.Initialize(); err != nil {
		return fmt.Errorf("initialize PortAudio: %w", err)
	}
	return nil
}

func paTerminate() {
	paMu.Lock()
	defer paMu.Unlock()
	_ = portaudio.Terminate()
}

// Devices lists the sound card inputs PortAudio sees.
func Devices() ([]Device, error) {
	if err := paInit(); err != nil {
		return nil, err
	}
	defer paTerminate()
	paMu.Lock()
	defer paMu.Unlock()
	all, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("list PortAudio devices: %w", err)
	}
	def, _ := portaudio.DefaultInputDevice() // none is not an error here
	devs := []Device{}
	for _, d := range all {
		if d.MaxInputChannels < 1 {
			continue
		}
		devs = append(devs, Device{
			Name:        d.Name,
			Inputs:      d.MaxInputChannels,
			DefaultRate: d.DefaultSampleRate,
			Default:     def != nil && d.Index == def.Index,
		})
	}
	return devs, nil
}

// findInput returns the input device named name ("" = the default).
func findInput(name string) (*portaudio.DeviceInfo, error) {
	paMu.Lock()
	defer paMu.Unlock()
	if name == "" {
		d, err := portaudio.DefaultInputDevice()
		if err != nil {
			return nil, fmt.Errorf("default input device: %w", err)
		}
		return d, nil
	}
	all, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("list PortAudio devices: %w", err)
	}
	var inputs []*portaudio.DeviceInfo
	var names []string
	for _, d := range all {
		if d.MaxInputChannels > 0 {
			inputs = append(inputs, d)
			names = append(names, d.Name)
		}
	}
	i := pickDevice(names, name)
	if i < 0 {
		return nil, fmt.Errorf("no input device matches %q (see: onair devices)", name)
	}
	return inputs[i], nil
}
