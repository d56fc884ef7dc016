package sensor

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// connMsg builds one netlink proc connector message.
func connMsg(what uint32, body ...uint32) []byte {
	data := make([]byte, procEventHdr+4*len(body))
	le := binary.LittleEndian
	le.PutUint32(data, what)
	le.PutUint64(data[8:], 123)
	for i, v := range body {
		le.PutUint32(data[procEventHdr+4*i:], v)
	}
	b := make([]byte, nlmsgHdrLen+cnMsgLen+len(data))
	le.PutUint32(b, uint32(len(b)))
	le.PutUint16(b[4:], nlmsgDone)
	m := b[nlmsgHdrLen:]
	le.PutUint32(m, cnIdxProc)
	le.PutUint32(m[4:], cnValProc)
	le.PutUint16(m[16:], uint16(len(data)))
	copy(m[cnMsgLen:], data)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func TestParseProcEvents(t *testing.T) {
	var in []byte
	in = append(in, connMsg(procEventFork, 10, 10, 11, 11)...)
	in = append(in, connMsg(procEventExec, 11, 11)...)
	in = append(in, connMsg(procEventUID, 11, 11, 1000, 0)...)
	in = append(in, connMsg(procEventComm, 11, 11, 0, 0, 0, 0)...) // skipped
	in = append(in, connMsg(procEventPtrace, 12, 12, 11, 11)...)
	in = append(in, connMsg(procEventExit, 11, 11, 256, 17, 10, 10)...)
	got, err := ParseProcEvents(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []ProcEvent{
		{What: procEventFork, Timestamp: 123, ParentPID: 10, ParentTGID: 10, PID: 11, TGID: 11},
		{What: procEventExec, Timestamp: 123, PID: 11, TGID: 11},
		{What: procEventUID, Timestamp: 123, PID: 11, TGID: 11, RUID: 1000, EUID: 0},
		{What: procEventPtrace, Timestamp: 123, PID: 12, TGID: 12, ParentPID: 11, ParentTGID: 11},
		{What: procEventExit, Timestamp: 123, PID: 11, TGID: 11, ExitCode: 256},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseProcEventsMalformed(t *testing.T) {
	good := connMsg(procEventExec, 1, 1)
	short := connMsg(procEventFork, 1, 1) // fork needs 16 bytes of body
	badLen := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(badLen, 9999)
	badCn := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(badCn[nlmsgHdrLen+16:], 9999)
	for name, b := range map[string][]byte{
		"tiny": {1, 2, 3}, "netlink length": badLen, "cn length": badCn, "short fork": short,
	} {
		if _, err := ParseProcEvents(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
	// a message for another connector is skipped
	other := connMsg(procEventExec, 1, 1)
	binary.LittleEndian.PutUint32(other[nlmsgHdrLen:], 7)
	if got, err := ParseProcEvents(other); err != nil || len(got) != 0 {
		t.Errorf("other connector: %v, %v", got, err)
	}
	// the subscribe message parses as a netlink message of our connector
	if _, err := ParseProcEvents(procListenMessage(1, true)); !errors.Is(err, ErrMalformed) {
		t.Errorf("listen message (4 data bytes) err = %v, want ErrMalformed", err)
	}
}

func FuzzParseProcEvents(f *testing.F) {
	f.Add(connMsg(procEventFork, 10, 10, 11, 11))
	f.Add(append(connMsg(procEventExec, 1, 1), connMsg(procEventExit, 1, 1, 0, 0)...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := ParseProcEvents(b)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v does not wrap ErrMalformed", err)
		}
		if len(evs) > maxProcEvents {
			t.Fatalf("%d events", len(evs))
		}
	})
}
