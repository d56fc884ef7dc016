//go:build linux && (amd64 || arm64)

package sensor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// pollInterval bounds how long Run waits for a record before it looks at
// its context again, and how long a record can wait in the ring: the BPF
// program wakes the reader only once 256 KiB are queued.
const pollInterval = 50 * time.Millisecond

// clockTick is how often the coarse clock the repeat check reads
// (coarse_ns in sensor.c) is written. The value written is one tick ahead,
// so an open repeats only if the one before it was sent less than the
// repeat window ago, and may be sent again up to one tick early.
const clockTick = 20 * time.Millisecond

type bpfBackend struct {
	objs  bpfSensorObjects
	links []link.Link
	rd    *ringbuf.Reader
	dec   Decoder
	// stopClock ends the goroutine writing coarse_ns (nil: none runs).
	stopClock chan struct{}
	clockDone chan struct{}
}

// hostPidNS returns the inode of the pid namespace of process 1, or of the
// sensor's own when process 1 cannot be inspected.
func hostPidNS() (uint32, error) {
	var st unix.Stat_t
	err := unix.Stat("/proc/1/ns/pid", &st)
	if err != nil {
		if err2 := unix.Stat("/proc/self/ns/pid", &st); err2 != nil {
			return 0, fmt.Errorf("stat %q: %w", "/proc/self/ns/pid", err2)
		}
	}
	return uint32(st.Ino), nil
}

// bootTime is the wall-clock time of CLOCK_MONOTONIC zero (what
// bpf_ktime_get_ns counts from).
func bootTime() time.Time {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return time.Time{}
	}
	return time.Now().Add(-time.Duration(ts.Nano()))
}

// loadOverlayModule asks the kernel for the overlay file system before the
// programs are loaded. Where overlayfs is a module (Debian, Ubuntu), its
// types, among them struct ovl_inode which tells an exec from a
// container's writable layer, are known to CO-RE only while the module is
// loaded: a sensor started before Docker would leave that decision to user
// space (the upper directory) for its whole run. fsopen makes the kernel
// load the module (request_module "fs-overlay") and mounts nothing. Nothing
// happens when overlayfs is built in or loaded; a kernel without it
// answers ENODEV.
func loadOverlayModule() error {
	if _, err := os.Stat("/sys/kernel/btf/overlay"); err == nil {
		return nil
	}
	fd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("fsopen: %w", err)
	}
	return unix.Close(fd)
}

func openBPF(opts Options) (*Sensor, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("load eBPF sensor: needs root")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return nil, fmt.Errorf("load eBPF sensor: the kernel exposes no BTF: %w", err)
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("load eBPF sensor: remove memlock limit: %w", err)
	}
	spec, err := loadBpfSensor()
	if err != nil {
		return nil, fmt.Errorf("load eBPF sensor: %w", err)
	}
	if err := CheckOpenPrefixes(opts.OpenPrefixes); err != nil {
		return nil, fmt.Errorf("load eBPF sensor: %w", err)
	}
	hostNS, err := hostPidNS()
	if err != nil {
		return nil, fmt.Errorf("load eBPF sensor: %w", err)
	}
	set := map[string]uint32{
		bpfSensorVarFilterMode: uint32(opts.Filter),
		bpfSensorVarHostPidns:  hostNS,
		bpfSensorVarSelfTgid:   uint32(os.Getpid()),
		bpfSensorVarOpenFilter: 0,
	}
	if len(opts.OpenPrefixes) > 0 {
		set[bpfSensorVarOpenFilter] = 1
	}
	if err := spec.Variables[bpfSensorVarRepeatNs].Set(uint64(opts.RepeatWindow.Nanoseconds())); err != nil {
		return nil, fmt.Errorf("load eBPF sensor: set %q: %w", bpfSensorVarRepeatNs, err)
	}
	for name, v := range set {
		vs, ok := spec.Variables[name]
		if !ok {
			return nil, fmt.Errorf("load eBPF sensor: variable %q missing from the object", name)
		}
		if err := vs.Set(v); err != nil {
			return nil, fmt.Errorf("load eBPF sensor: set %q: %w", name, err)
		}
	}
	if err := loadOverlayModule(); err != nil && !errors.Is(err, unix.ENODEV) {
		logf(opts.Log, "sensor: overlay file system: %v (the layer of an exec on an overlay is looked up in its upper directory)", err)
	}
	b := &bpfBackend{dec: NewDecoder(bootTime())}
	if err := spec.LoadAndAssign(&b.objs, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("load eBPF sensor: verifier: %+v", ve)
		}
		return nil, fmt.Errorf("load eBPF sensor: %w", err)
	}
	for _, id := range opts.Cgroups {
		if err := b.objs.CgroupFilter.Put(id, uint8(1)); err != nil {
			b.close()
			return nil, fmt.Errorf("load eBPF sensor: add cgroup %d to the filter: %w", id, err)
		}
	}
	for _, p := range opts.OpenPrefixes {
		k := bpfSensorPrefixKey{Prefixlen: uint32(len(p)) * 8}
		for i := 0; i < len(p); i++ {
			k.Data[i] = int8(p[i])
		}
		if err := b.objs.OpenPrefixes.Put(k, uint8(1)); err != nil {
			b.close()
			return nil, fmt.Errorf("load eBPF sensor: add open prefix %q: %w", p, err)
		}
	}
	progs := []struct {
		name string
		p    *ebpf.Program
	}{
		{"sys_exit", b.objs.SysExit},
		{"sched_process_exec", b.objs.SchedProcessExec}, {"sched_process_fork", b.objs.SchedProcessFork},
		{"sched_process_exit", b.objs.SchedProcessExit},
	}
	for _, p := range progs {
		l, err := link.AttachTracing(link.TracingOptions{Program: p.p, AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			b.close()
			return nil, fmt.Errorf("attach eBPF program %q: %w", p.name, err)
		}
		b.links = append(b.links, l)
	}
	b.rd, err = ringbuf.NewReader(b.objs.Events)
	if err != nil {
		b.close()
		return nil, fmt.Errorf("open eBPF ring buffer: %w", err)
	}
	if opts.RepeatWindow > 0 {
		if err := b.startClock(); err != nil {
			b.close()
			return nil, fmt.Errorf("load eBPF sensor: %w", err)
		}
	}
	return &Sensor{kind: ModeBPF, coverage: coverageBPF, be: b}, nil
}

func (b *bpfBackend) run(ctx context.Context, c *counters, out chan<- *event.Event) error {
	// ReadInto holds the reader's lock while it waits, so the deadline is
	// set here, between reads, and ctx is checked each time it passes.
	var rec ringbuf.Record
	for {
		if ctx.Err() != nil {
			return nil
		}
		b.rd.SetDeadline(time.Now().Add(pollInterval))
		if err := b.rd.ReadInto(&rec); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			if errors.Is(err, ringbuf.ErrClosed) {
				return nil
			}
			return fmt.Errorf("read eBPF ring buffer: %w", err)
		}
		e, err := b.dec.Decode(rec.RawSample)
		if err != nil {
			c.decodeErrors.Add(1)
			continue
		}
		select {
		case out <- e:
			c.events.Add(1)
		case <-ctx.Done():
			return nil
		}
	}
}

// monotonicNow reads CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns.
func monotonicNow() (uint64, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0, fmt.Errorf("read CLOCK_MONOTONIC: %w", err)
	}
	return uint64(ts.Nano()), nil
}

// setClock writes the coarse clock: now plus one tick.
func (b *bpfBackend) setClock() error {
	now, err := monotonicNow()
	if err != nil {
		return err
	}
	if err := b.objs.CoarseNs.Set(now + uint64(clockTick)); err != nil {
		return fmt.Errorf("set %q: %w", bpfSensorVarCoarseNs, err)
	}
	return nil
}

// startClock writes the coarse clock once, then every clockTick until
// close. A write that fails or comes late leaves the clock behind; the
// program then reads the kernel's clock for the opens it compares.
func (b *bpfBackend) startClock() error {
	if err := b.setClock(); err != nil {
		return err
	}
	b.stopClock = make(chan struct{})
	b.clockDone = make(chan struct{})
	go func() {
		defer close(b.clockDone)
		t := time.NewTicker(clockTick)
		defer t.Stop()
		for {
			select {
			case <-b.stopClock:
				return
			case <-t.C:
				_ = b.setClock()
			}
		}
	}()
	return nil
}

// kernelCount sums one slot of the per-CPU stats array.
func (b *bpfBackend) kernelCount(slot uint32) uint64 {
	var per []uint64
	if err := b.objs.Stats.Lookup(slot, &per); err != nil {
		return 0
	}
	var total uint64
	for _, v := range per {
		total += v
	}
	return total
}

// lost sums the per-CPU counters of failed ring buffer reservations.
func (b *bpfBackend) lost() uint64 {
	return b.kernelCount(statLost)
}

func (b *bpfBackend) close() error {
	var errs []error
	if b.stopClock != nil {
		close(b.stopClock)
		<-b.clockDone
		b.stopClock = nil
	}
	if b.rd != nil {
		errs = append(errs, b.rd.Close())
	}
	for _, l := range b.links {
		errs = append(errs, l.Close())
	}
	errs = append(errs, b.objs.Close())
	return errors.Join(errs...)
}
