package broadcast

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"onair/codec/frames"
	"onair/hls"
	"onair/icy"
)

// ringSlots is how many published chunks a mount keeps. With chunks of
// about chunkTarget bytes that is about 1 MiB: 64 s of a 128 kbps stream,
// far more than a burst, so only a listener that stopped reading laps it.
const (
	ringSlots   = 256
	chunkTarget = 4096
)

// chunk is a run of whole frames, immutable once published: every listener
// writes the same bytes to its socket, so the audio is never copied per
// listener.
type chunk struct {
	seq    uint64
	pos    int64        // stream offset of data[0]
	data   []byte       // whole frames
	meta   *Metadata    // title in force from pos on; nil = none yet
	gen    uint64       // the source session that wrote it
	format streamFormat // what its frames are
	// lead is what a listener whose stream begins with this chunk gets
	// first: the header pages of the Ogg chain its first page is in; nil
	// for frames, and for a chunk that begins its chain. noStart marks an
	// Ogg chunk no listener may begin with: it starts inside a packet or
	// before its chain's headers are whole.
	lead    []byte
	noStart bool
}

// Metadata is a title as listeners see it, with its ICY block rendered once
// and shared by every listener.
type Metadata struct {
	Title string
	URL   string
	At    time.Time // when it went on the mount
	block []byte
}

func newMetadata(title, url string, at time.Time) *Metadata {
	return &Metadata{Title: icy.CleanTitle(title), URL: icy.CleanTitle(url), At: at, block: icy.Block(nil, title, url)}
}

// StreamInfo describes a mount's current stream for listener headers and
// status pages.
type StreamInfo struct {
	ContentType string
	Name        string
	Genre       string
	URL         string
	Description string
	Public      bool
	Bitrate     int // kbps; 0 = unknown
	SampleRate  int
	Channels    int
	AudioInfo   string
	UserAgent   string // the source client's
}

// MountSettings are a mount's limits and framing.
type MountSettings struct {
	BurstSize    int           // bytes sent at once to a new listener
	Metaint      int           // audio bytes between ICY blocks
	MaxListeners int           // 0 = only the server's limit
	WriteTimeout time.Duration // a listener whose socket takes nothing this long is dropped
	// Grace is how long listeners with nowhere else to go wait for a new
	// source once theirs has left; 0 closes them at once.
	Grace            time.Duration
	Fallback         string // where listeners go when the source drops
	FallbackOverride bool   // and come back from when it returns
	Listed           bool   // configured, so it outlives its source
	Station          bool   // a station's output: sources may not push here
	Input            bool   // a station's live input: listeners get 404
	// Hidden leaves the mount out of the relay list and the public status
	// pages; it still plays, and the admin pages still show it.
	Hidden bool
	// HLSSegment and HLSSegments are the HLS segment length and how many
	// segments the playlist lists (zero = 6 s and 6).
	HLSSegment  time.Duration
	HLSSegments int
}

// Mount is one stream path. A single writer at a time (a source client or a
// station's encoder) appends frames; any number of listeners read them.
// The write path takes no lock: listeners find chunks through atomics, and
// the server's writers poll the ring on their own schedule.
type Mount struct {
	Path string

	// settings are replaced whole (a reload), never changed in place:
	// the writers read them without a lock.
	settings atomic.Pointer[MountSettings]

	slots [ringSlots]atomic.Pointer[chunk]
	head  atomic.Uint64 // seq of the next chunk to publish

	// The current source session: where its chunks begin, and a channel
	// closed when its first chunk is published.
	sessionStart atomic.Uint64
	firstAudio   atomic.Pointer[chan struct{}]
	// gone is set when a source left and its grace ran out with no
	// successor: listeners still on the mount finish what was published
	// and are closed.
	gone atomic.Bool
	// shut is set by Close, for the writers that serve its listeners.
	shut atomic.Bool

	// Writer state: touched only by the goroutine that holds the mount.
	pending *chunk
	pos     int64
	curMeta *Metadata
	gen     uint64
	format  streamFormat
	// oggHeads are the current Ogg chain's header pages once all are in
	// (immutable: chunks share it); oggNext gathers them until then.
	oggHeads []byte
	oggNext  []byte
	// The HLS segmenter is fed from the writer; hlsEpoch counts the
	// sessions and format changes it must mark as discontinuities.
	hls       *hls.Segmenter
	hlsEpoch  uint64
	hlsGen    uint64
	hlsFormat streamFormat
	// hlsAudience counts the HLS listeners (web requests only).
	hlsAudience *hls.Audience

	meta        atomic.Pointer[Metadata]
	info        atomic.Pointer[StreamInfo]
	problem     atomic.Pointer[string] // what is wrong with the source's stream; nil = nothing
	shownFormat atomic.Pointer[streamFormat]
	listeners   atomic.Int64 // counted listeners (see listener.countAt)
	connections atomic.Int64 // every listener connection, for limits
	peak        atomic.Int64
	bytesIn     atomic.Int64
	hits        atomic.Int64 // listener connections ever
	started     atomic.Pointer[time.Time]
	inputState  // a station's live mount: where its sources go

	mu            sync.Mutex
	source        *sourceConn
	clients       map[uint64]*listener
	sentByLeavers int64       // bytes sent to listeners no longer connected
	history       []*Metadata // newest last, bounded
	graceTimer    *time.Timer
	closed        chan struct{}
	closeOnce     sync.Once
}

// NewMount makes an empty mount.
func NewMount(path string, s MountSettings) *Mount {
	// The segment URLs carry when the mount was made, so that a mount
	// made again (or a restart) never serves other bytes under a URL a
	// cache already holds.
	base := "/hls" + path + "/" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-"
	m := &Mount{Path: path, clients: map[uint64]*listener{}, closed: make(chan struct{}),
		hls: hls.NewSegmenter(base), hlsAudience: hls.NewAudience()}
	m.settings.Store(&s)
	ch := make(chan struct{})
	m.firstAudio.Store(&ch)
	return m
}

// Settings are the mount's settings in force. A reload may replace them
// while listeners are connected; each listener keeps the ICY interval it
// was told at connection.
func (m *Mount) Settings() MountSettings { return *m.settings.Load() }

// setSettings replaces the mount's settings (Server.SetMounts).
func (m *Mount) setSettings(s MountSettings) { m.settings.Store(&s) }

// SetTitle sets the title listeners get from the next frame written on.
func (m *Mount) SetTitle(title, url string, now time.Time) {
	md := newMetadata(title, url, now)
	m.meta.Store(md)
	m.titleToInput(title)
	m.mu.Lock()
	m.history = append(m.history, md)
	if len(m.history) > 50 {
		m.history = append(m.history[:0], m.history[len(m.history)-50:]...)
	}
	m.mu.Unlock()
}

// Title returns the current title, or nil.
func (m *Mount) Title() *Metadata { return m.meta.Load() }

// History returns the mount's titles, newest first.
func (m *Mount) History() []*Metadata {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Metadata, 0, len(m.history))
	for i := len(m.history) - 1; i >= 0; i-- {
		out = append(out, m.history[i])
	}
	return out
}

// SetInfo sets the stream description listeners' headers are made from.
func (m *Mount) SetInfo(info StreamInfo) { m.info.Store(&info) }

// setProblem says what is wrong with the source's stream, for the status
// pages; a new source clears it.
func (m *Mount) setProblem(p string) { m.problem.Store(&p) }

// Problem is what is wrong with the source's stream, or "".
func (m *Mount) Problem() string {
	if p := m.problem.Load(); p != nil {
		return *p
	}
	return ""
}

// Info returns the stream description, or nil when nothing was ever set.
func (m *Mount) Info() *StreamInfo { return m.info.Load() }

// Listeners is the number of listeners now.
func (m *Mount) Listeners() int { return int(m.listeners.Load()) }

// PeakListeners is the most listeners at once since the mount was made.
func (m *Mount) PeakListeners() int { return int(m.peak.Load()) }

// OnAir reports whether a writer holds the mount.
func (m *Mount) OnAir() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.source != nil
}

// StartedAt is when the current or last source connected, or zero.
func (m *Mount) StartedAt() time.Time {
	if t := m.started.Load(); t != nil {
		return *t
	}
	return time.Time{}
}

// HasAudio reports whether anything was ever published.
func (m *Mount) HasAudio() bool { return m.head.Load() > 0 }

// WriteFrame appends one whole frame. Frames are grouped into chunks of
// about chunkTarget bytes; a title change starts a new chunk so the title
// takes effect exactly where it arrived.
func (m *Mount) WriteFrame(frame []byte, now time.Time) {
	if md := m.meta.Load(); md != m.curMeta {
		m.publish()
		m.curMeta = md
	}
	if m.pending != nil && len(m.pending.data)+len(frame) > cap(m.pending.data) {
		m.publish()
	}
	if m.pending == nil {
		size := chunkTarget + 2048
		if len(frame) > size {
			size = len(frame)
		}
		m.pending = &chunk{pos: m.pos, data: make([]byte, 0, size), meta: m.curMeta, gen: m.gen, format: m.format}
	}
	m.pending.data = append(m.pending.data, frame...)
	m.toHLS(frame, now)
	m.pos += int64(len(frame))
	m.bytesIn.Add(int64(len(frame)))
	if len(m.pending.data) >= chunkTarget {
		m.publish()
	}
}

// Flush publishes a partly filled chunk: for the end of a source, or a
// writer that paused.
func (m *Mount) Flush(now time.Time) {
	m.publish()
	st := m.settings.Load()
	m.hls.Flush(st.HLSSegment, st.HLSSegments)
}

// toHLS hands a frame to the mount's HLS segmenter, timed by its own
// header. A new session or format starts a new discontinuity epoch.
func (m *Mount) toHLS(frame []byte, now time.Time) {
	st := m.settings.Load()
	if st.Input || m.format.codec == 0 {
		return
	}
	n, rate, ok := m.format.codec.Samples(frame)
	if !ok {
		return
	}
	if m.gen != m.hlsGen || m.format != m.hlsFormat {
		m.hlsGen, m.hlsFormat = m.gen, m.format
		m.hlsEpoch++
	}
	ext := "mp3"
	if m.format.codec == frames.ADTS {
		ext = "aac"
	}
	title := ""
	if m.curMeta != nil {
		title = m.curMeta.Title
	}
	m.hls.Write(frame, n, rate, ext, m.hlsEpoch, title, st.HLSSegment, st.HLSSegments, now)
}

func (m *Mount) publish() {
	c := m.pending
	if c == nil || len(c.data) == 0 {
		return
	}
	m.pending = nil
	seq := m.head.Load()
	c.seq = seq
	m.slots[seq%ringSlots].Store(c)
	m.head.Store(seq + 1)
	if seq == m.sessionStart.Load() {
		close(*m.firstAudio.Load())
	}
}

// chunkAt returns the published chunk seq, or nil when it was never
// published or has been overwritten.
func (m *Mount) chunkAt(seq uint64) *chunk {
	c := m.slots[seq%ringSlots].Load()
	if c == nil || c.seq != seq {
		return nil
	}
	return c
}

// burstStart returns the seq a new listener starts from: far enough back
// to hold about BurstSize bytes, always at a chunk (so frame) boundary,
// and never before the current source's first chunk: a listener must not
// hear a show that has ended.
func (m *Mount) burstStart() uint64 {
	h := m.head.Load()
	floor := m.sessionStart.Load()
	start, total := h, 0
	for start > floor && h-start < ringSlots/2 && total < m.Settings().BurstSize {
		c := m.chunkAt(start - 1)
		if c == nil {
			break
		}
		start--
		total += len(c.data)
	}
	return start
}

// lapped reports whether a reader at seq can no longer trust the ring.
func (m *Mount) lapped(seq uint64) bool {
	return m.head.Load()-seq >= ringSlots-1
}

// Close ends the mount: every listener is disconnected.
func (m *Mount) Close() {
	m.closeOnce.Do(func() {
		m.shut.Store(true)
		close(m.closed)
	})
}
