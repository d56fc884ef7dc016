// Package sensor captures process, file, network and privilege events from
// the Linux kernel and hands them on as event.Event values.
//
// Two back ends exist. The eBPF back end (CO-RE programs on tp_btf/sys_enter,
// tp_btf/sys_exit and the sched_process_exec/fork/exit tracepoints, built by
// bpf2go from bpf/sensor.c; the generated Go and object files are committed
// so that building needs no clang) sees every followed system call with its
// arguments and result. When BPF is not available (not root, no BTF, the load
// fails) the fallback back end uses the netlink process connector (exec, fork,
// exit) and fanotify (opens and execs of files); it does not see network,
// privilege, mount, module or namespace calls: Sensor.Coverage says so.
//
// Open picks the back end (Options.Mode: auto, bpf, fallback); Run streams
// events to a channel until its context ends; Stats reports events, lost
// events (ring-buffer reservation failures counted in the kernel) and decode
// errors. Only this package imports github.com/cilium/ebpf, and only on Linux.
package sensor
