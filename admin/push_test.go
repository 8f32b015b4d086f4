package admin

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"onair/broadcast"
	"onair/station"
)

type fakePushes []broadcast.PushStatus

func (f fakePushes) Status() []broadcast.PushStatus { return f }

func TestListPush(t *testing.T) {
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		push PushStatus
		want string
	}{
		{"none", nil, `[]`},
		{"one refused", fakePushes{{Mount: "/stream", Target: "icecast://source:xxxxx@h:8000/m", State: broadcast.PushFailed,
			Since: since, BytesOut: 7, Attempts: 3, LastError: "remote refused: HTTP/1.0 401 Unauthorized",
			Remote: "HTTP/1.0 401 Unauthorized"}},
			`[{"mount":"/stream","target":"icecast://source:xxxxx@h:8000/m","state":"failed","since":"2026-01-02T03:04:05Z",` +
				`"bytes_out":7,"attempts":3,"last_error":"remote refused: HTTP/1.0 401 Unauthorized","remote":"HTTP/1.0 401 Unauthorized"}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New(station.NewSet(), Deps{Push: tc.push}, nil)
			rec := httptest.NewRecorder()
			if err := a.listPush(rec, httptest.NewRequest("GET", "/api/push", nil)); err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal([]byte(tc.want), &want)
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				t.Errorf("got %s\nwant %s", gb, wb)
			}
		})
	}
}
