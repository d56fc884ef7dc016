package sensor

import (
	"encoding/binary"
	"fmt"
)

// Process connector (linux/cn_proc.h) message kinds.
const (
	procEventNone   = 0x00000000
	procEventFork   = 0x00000001
	procEventExec   = 0x00000002
	procEventUID    = 0x00000004
	procEventGID    = 0x00000040
	procEventPtrace = 0x00000100
	procEventComm   = 0x00000200
	procEventExit   = 0x80000000
)

// Sizes of the headers in a proc connector datagram.
const (
	nlmsgHdrLen    = 16 // struct nlmsghdr
	cnMsgLen       = 20 // struct cn_msg without data
	procEventHdr   = 16 // what, cpu, timestamp_ns
	nlmsgDone      = 3  // NLMSG_DONE
	nlmsgError     = 2  // NLMSG_ERROR
	maxProcEvents  = 1024
	cnIdxProc      = 1
	cnValProc      = 1
	procCnListen   = 1
	procCnIgnore   = 2
	netlinkConnect = 11 // NETLINK_CONNECTOR
)

// ProcEvent is one decoded proc connector message. Fields not carried by
// the message kind are zero.
type ProcEvent struct {
	What       uint32
	Timestamp  uint64 // ns since boot
	PID, TGID  uint32 // the process the message is about (the child for fork)
	ParentPID  uint32 // fork: the parent's pid; ptrace: the tracer's pid
	ParentTGID uint32 // fork: the parent's tgid; ptrace: the tracer's tgid
	ExitCode   uint32
	RUID, EUID uint32 // uid: real and effective ids after the change
}

// ParseProcEvents decodes the netlink messages of one proc connector
// datagram. Unknown kinds are skipped; malformed input gives an error
// wrapping ErrMalformed (and the events decoded before it).
func ParseProcEvents(b []byte) ([]ProcEvent, error) {
	le := binary.LittleEndian
	var out []ProcEvent
	for len(b) > 0 {
		if len(b) < nlmsgHdrLen {
			return out, fmt.Errorf("parse proc connector message: %d bytes left, shorter than a netlink header: %w", len(b), ErrMalformed)
		}
		msgLen := int(le.Uint32(b))
		typ := le.Uint16(b[4:])
		if msgLen < nlmsgHdrLen || msgLen > len(b) {
			return out, fmt.Errorf("parse proc connector message: netlink length %d of %d bytes: %w", msgLen, len(b), ErrMalformed)
		}
		msg := b[nlmsgHdrLen:msgLen]
		// messages are 4-byte aligned
		next := (msgLen + 3) &^ 3
		if next > len(b) {
			next = len(b)
		}
		b = b[next:]
		if typ == nlmsgError {
			return out, fmt.Errorf("parse proc connector message: netlink error message: %w", ErrMalformed)
		}
		if len(msg) < cnMsgLen {
			return out, fmt.Errorf("parse proc connector message: %d bytes, shorter than cn_msg: %w", len(msg), ErrMalformed)
		}
		if le.Uint32(msg) != cnIdxProc || le.Uint32(msg[4:]) != cnValProc {
			continue // another connector
		}
		dataLen := int(le.Uint16(msg[16:]))
		data := msg[cnMsgLen:]
		if dataLen > len(data) {
			return out, fmt.Errorf("parse proc connector message: cn_msg length %d of %d bytes: %w", dataLen, len(data), ErrMalformed)
		}
		data = data[:dataLen]
		if len(data) < procEventHdr {
			return out, fmt.Errorf("parse proc connector message: proc_event of %d bytes: %w", len(data), ErrMalformed)
		}
		ev := ProcEvent{What: le.Uint32(data), Timestamp: le.Uint64(data[8:])}
		body := data[procEventHdr:]
		need := 0
		switch ev.What {
		case procEventFork, procEventPtrace:
			need = 16
		case procEventExec:
			need = 8
		case procEventUID, procEventGID:
			need = 16
		case procEventExit:
			need = 16
		default:
			continue
		}
		if len(body) < need {
			return out, fmt.Errorf("parse proc connector message: kind %#x body of %d bytes (want %d): %w", ev.What, len(body), need, ErrMalformed)
		}
		u := func(i int) uint32 { return le.Uint32(body[4*i:]) }
		switch ev.What {
		case procEventFork:
			ev.ParentPID, ev.ParentTGID, ev.PID, ev.TGID = u(0), u(1), u(2), u(3)
		case procEventPtrace:
			ev.PID, ev.TGID, ev.ParentPID, ev.ParentTGID = u(0), u(1), u(2), u(3)
		case procEventExec:
			ev.PID, ev.TGID = u(0), u(1)
		case procEventUID, procEventGID:
			ev.PID, ev.TGID, ev.RUID, ev.EUID = u(0), u(1), u(2), u(3)
		case procEventExit:
			ev.PID, ev.TGID, ev.ExitCode = u(0), u(1), u(2)
		}
		if len(out) >= maxProcEvents {
			return out, fmt.Errorf("parse proc connector message: more than %d events in one datagram: %w", maxProcEvents, ErrMalformed)
		}
		out = append(out, ev)
	}
	return out, nil
}

// procListenMessage is the datagram that subscribes to (or, with ignore,
// unsubscribes from) process events.
func procListenMessage(pid uint32, listen bool) []byte {
	b := make([]byte, nlmsgHdrLen+cnMsgLen+4)
	le := binary.LittleEndian
	le.PutUint32(b, uint32(len(b)))
	le.PutUint16(b[4:], nlmsgDone)
	le.PutUint32(b[12:], pid)
	m := b[nlmsgHdrLen:]
	le.PutUint32(m, cnIdxProc)
	le.PutUint32(m[4:], cnValProc)
	le.PutUint16(m[16:], 4)
	op := uint32(procCnListen)
	if !listen {
		op = procCnIgnore
	}
	le.PutUint32(m[cnMsgLen:], op)
	return b
}
