// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
//
// bulkhead runtime sensor: CO-RE programs on tp_btf/sys_exit and the sched
// process tracepoints. A followed syscall is reported at exit with its
// return value; its arguments are read there from the saved user registers
// (pt_regs keeps them untouched across the call; which registers depends on
// the architecture: x86_64 and arm64 are built from this file). Nothing
// is attached at sys_enter: every program there would run for every syscall
// of every task. A setuid-family call is reported with the credentials it
// left; enrichment knows the caller's from its process table.
// exec, fork and exit come from the sched tracepoints. Events
// go to one ring buffer; every failed reservation is counted in a per-CPU
// array so that user space can report it.
//
// The record layout (struct event) is decoded by decode.go; keep both in step.

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define PATH_LEN 256
#define ARGV_LEN 512
#define ADDR_LEN 32
#define CGNAME_LEN 72
#define TASK_COMM 16
#define WAKEUP_BYTES (256 << 10)

// Event kinds. Keep in step with decode.go.
#define KIND_EXEC 1
#define KIND_FORK 2
#define KIND_EXIT 3
#define KIND_SYSCALL 4

// Filter modes. Keep in step with sensor_linux.go.
#define FILTER_ALL 0
#define FILTER_CONTAINERS 1 // pid namespace differs from the host's
#define FILTER_CGROUPS 2    // cgroup (v1 leaf kernfs id or v2 id) in cgroup_filter

// Counter slots in the stats per-CPU array.
#define STAT_LOST 0      // ring buffer reservation failed: event lost
// slot 1 is unused (it counted a full argument map when there was one)
#define STAT_SENT 2      // events submitted
#define STAT_OPEN_SKIPPED 3 // opens outside open_prefixes: counted, not sent
#define STAT_REPEATED 4  // opens repeating a recent one (repeat_ns): counted, not sent
#define STAT_MAX 5

// Longest path prefix open_prefixes can hold.
#define PREFIX_LEN 64

// Configuration, rewritten at load time.
volatile const __u32 filter_mode = FILTER_ALL;
volatile const __u32 host_pidns = 0;
volatile const __u32 self_tgid = 0;
// 1: an open/openat/openat2 of an absolute path is sent only when the path
// starts with one of the prefixes in open_prefixes.
volatile const __u32 open_filter = 0;
// Repeat window in ns (0: off): a successful open that repeats one sent
// less than this long ago (see repeat_key) is counted, not sent.
volatile const __u64 repeat_ns = 0;
// A coarse CLOCK_MONOTONIC, written by user space every clockTick
// (sensor.go) ahead by one tick, so that it is never behind the true time
// while user space keeps writing it. The repeat check reads it instead of
// bpf_ktime_get_ns: a clock read costs ~25 ns per open on a VM's TSC, a
// quarter of the program. When it is behind the send a repeat is compared
// with (user space late to write it, on a loaded machine), the check reads
// bpf_ktime_get_ns after all.
volatile __u64 coarse_ns = 0;

struct event {
	__u64 ts_ns;
	__u64 cgroup_id;    // bpf_get_current_cgroup_id (cgroup v2 id)
	__u64 cgroup_v1_id; // kernfs id of the task's cpu cgroup (v1 or v2)
	__s64 ret;
	__u64 args[4];
	__u32 kind;
	__u32 syscall;
	__u32 pid;  // tgid, host namespace
	__u32 tid;
	__u32 ppid;
	__u32 vpid; // tgid inside the task's own pid namespace
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 mntns;
	__u32 pidns;
	__u32 netns;
	__u32 exit_code;
	__u16 path_len;
	__u16 path2_len;
	__u16 argv_len;
	__u16 addr_len;
	__u16 path3_len;
	__u16 pflags; // PF_*: what path2 and path3 hold
	__u32 pad;
	char comm[TASK_COMM];
	char cgroup_name[CGNAME_LEN];
	__u8 addr[ADDR_LEN];
	// Variable part: a record ends after the last field in use (see
	// submit), so that an open costs about 250 bytes of ring, not 1272.
	char path[PATH_LEN];
	char path2[PATH_LEN];
	char path3[PATH_LEN];
	char argv[ARGV_LEN];
};

// pflags: paths resolved in the kernel from dentries (d_path-like walk up
// to the task's root, mounts crossed), so that user space needs no /proc
// read that a short-lived process would race.
#define PF_FILE 1  // opens: path2 is the path of the file opened (symlinks followed)
#define PF_BASE1 2 // path3 is the directory a relative path is resolved against
#define PF_BASE2 4 // path3 is the directory a relative path2 is resolved against
#define PF_EXEC 8  // exec: path2 is the cwd, path3 the path of the executed file
#define PF_EXECVEAT 16 // exec: the call was execveat
#define PF_EXE_OVERLAY 32 // exec: the file run is on an overlay file system
#define PF_EXE_UPPER 64   // exec: ... and in its upper (writable) layer
#define PF_CWD 128        // chdir, fchdir: path3 is the new working directory
#define PF_EXE_LAYER_UNKNOWN 256 // exec: on an overlay, but struct ovl_inode is unknown (see below)

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

// Force BTF for the event type so bpf2go emits a Go struct for it.
const struct event *unused_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

// One event under construction per CPU (struct event is too big for the
// stack); it is copied into the ring buffer by submit.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} scratch SEC(".maps");

// The name of the last cpu cgroup seen on each CPU, by kernfs id (unique,
// never reused): a hit copies 72 bytes instead of a byte-by-byte
// bpf_probe_read_kernel_str of a 64-character container id per event.
struct cgname_cache {
	__u64 id;
	char name[CGNAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cgname_cache);
} cgname SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} cgroup_filter SEC(".maps");

// Path prefixes for open_filter: an LPM trie over the path's bytes, so one
// lookup finds whether any prefix matches.
struct prefix_key {
	__u32 prefixlen; // in bits
	char data[PREFIX_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct prefix_key);
	__type(value, __u8);
} open_prefixes SEC(".maps");

// Repeat suppression. A successful open is identified by what the rules
// can see of it: the process image (tgid and exec count), its name and
// credentials, the syscall and its flags, and the file opened (dentry and
// mount, with the dentry's name hash so that a freed and reused dentry of
// another name does not match). An open whose key equals the one in its
// slot, sent less than repeat_ns ago, differs from that event only in its
// time, thread and descriptor number. Slots are per CPU and direct-mapped
// by name hash, process and flags (no locks, no hashing helper); a
// collision evicts, so the open after it is sent again.
#define REPEAT_SLOTS 256

struct repeat_key {
	__u64 exec_id; // self_exec_id: incremented by every exec
	__u64 dentry;
	__u64 mnt;
	__u64 name_hash;
	__u64 comm[2];
	__u32 id;
	__u32 flags;
	__u32 uid;
	__u32 euid;
	__u32 tgid;
	__u32 pad;
};

struct repeat_slot {
	struct repeat_key k;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, REPEAT_SLOTS);
	__type(key, __u32);
	__type(value, struct repeat_slot);
} repeats SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &slot);
	if (v)
		*v += 1;
}

// Direct field loads below (t->x->y) are BTF-typed loads with CO-RE
// relocations: much cheaper than a bpf_probe_read_kernel call per field.

// leader_upid reads the pid of the thread group leader as seen in its own
// (innermost) pid namespace: up.nr is the vpid, up.ns that namespace. All
// threads of a group share the pid namespace, so one read serves both the
// filter and the record.
static __always_inline void leader_upid(struct task_struct *t, struct upid *up)
{
	struct pid *p = t->group_leader->thread_pid;
	unsigned int level = p->level;
	up->nr = 0;
	up->ns = NULL;
	bpf_probe_read_kernel(up, sizeof(*up), &p->numbers[level & 31]);
}

static __always_inline __u32 upid_ns(struct upid *up)
{
	return up->ns ? BPF_CORE_READ(up->ns, ns.inum) : 0;
}

static __always_inline __u64 task_cgroup_kn_id(struct task_struct *t)
{
	int idx = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
	return t->cgroups->subsys[idx & 15]->cgroup->kn->id;
}

// wanted applies the in-kernel filter to a task; pidns is its pid
// namespace (upid_ns of leader_upid).
static __always_inline bool wanted(struct task_struct *t, __u32 pidns)
{
	__u32 tgid = t->tgid;
	if (self_tgid && tgid == self_tgid)
		return false;
	if (filter_mode == FILTER_CONTAINERS)
		return pidns != host_pidns;
	if (filter_mode == FILTER_CGROUPS) {
		__u64 id = task_cgroup_kn_id(t);
		if (bpf_map_lookup_elem(&cgroup_filter, &id))
			return true;
		id = bpf_get_current_cgroup_id();
		return bpf_map_lookup_elem(&cgroup_filter, &id) != NULL;
	}
	return true;
}

static __always_inline void fill_task(struct event *e, struct task_struct *t, struct upid *up, __u32 pidns)
{
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = t->tgid;
	e->tid = t->pid;
	e->ppid = t->real_parent->tgid;
	e->vpid = up->nr;
	const struct cred *cred = t->cred;
	e->uid = cred->uid.val;
	e->gid = cred->gid.val;
	e->euid = cred->euid.val;
	e->egid = cred->egid.val;
	struct nsproxy *nsp = t->nsproxy;
	if (nsp) {
		// NULL once the task is exiting
		e->mntns = nsp->mnt_ns->ns.inum;
		e->netns = nsp->net_ns->ns.inum;
	} else {
		e->mntns = 0;
		e->netns = 0;
	}
	e->pidns = pidns;
	// two 8-byte BTF loads instead of a helper call
	__builtin_memcpy(&e->comm, t->comm, sizeof(e->comm));
	int idx = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
	struct kernfs_node *kn = t->cgroups->subsys[idx & 15]->cgroup->kn;
	__u64 knid = kn->id;
	e->cgroup_v1_id = knid;
	__u32 zero = 0;
	struct cgname_cache *c = bpf_map_lookup_elem(&cgname, &zero);
	if (c && knid && c->id == knid) {
		__builtin_memcpy(&e->cgroup_name, c->name, sizeof(e->cgroup_name));
	} else {
		bpf_probe_read_kernel_str(&e->cgroup_name, sizeof(e->cgroup_name), kn->name);
		if (c) {
			__builtin_memcpy(c->name, &e->cgroup_name, sizeof(c->name));
			c->id = knid;
		}
	}
}

static __always_inline struct event *reserve(void)
{
	__u32 zero = 0;
	struct event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return NULL;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->ret = 0;
	e->syscall = 0;
	e->args[0] = e->args[1] = e->args[2] = e->args[3] = 0;
	e->path_len = 0;
	e->path2_len = 0;
	e->path3_len = 0;
	e->pflags = 0;
	e->argv_len = 0;
	e->addr_len = 0;
	e->exit_code = 0;
	e->path[0] = 0;
	e->path2[0] = 0;
	e->path3[0] = 0;
	return e;
}

// submit copies the used part of the event into the ring buffer: up to
// the end of path, of path2 or of argv, whichever is the last in use.
static __always_inline bool submit(struct event *e)
{
	__u64 size;
	if (e->argv_len)
		size = sizeof(*e);
	else if (e->path3_len)
		size = offsetof(struct event, argv);
	else if (e->path2_len) {
		__u64 n = e->path2_len;
		if (n > PATH_LEN - 1)
			n = PATH_LEN - 1;
		barrier_var(n);
		n &= PATH_LEN - 1;
		size = offsetof(struct event, path2) + n + 1;
	} else {
		__u64 n = e->path_len;
		if (n > PATH_LEN - 1)
			n = PATH_LEN - 1;
		barrier_var(n);
		n &= PATH_LEN - 1;
		size = offsetof(struct event, path) + n + 1;
	}
	if (size > sizeof(*e))
		size = sizeof(*e);
	// Wake the reader only when this record makes the queue cross
	// WAKEUP_BYTES: a wake-up per record costs more than the record (an
	// irq_work self-IPI, i.e. an APIC write, a VM exit under a hypervisor).
	// While the reader drains a backlog above the mark it is awake and
	// needs none; it sleeps only on an empty ring, so the next crossing
	// wakes it, and it also polls every 50 ms.
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 flags = avail < WAKEUP_BYTES && avail + size + 8 >= WAKEUP_BYTES ?
		BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&events, e, size, flags)) {
		count(STAT_LOST);
		return false;
	}
	count(STAT_SENT);
	return true;
}

// Syscall numbers of the calls the sensor follows, per target (bpf2go
// builds one object per architecture, -D__TARGET_ARCH_x86 or _arm64), and
// how sys_exit reads the number and the arguments from the user registers
// saved in pt_regs (the kernel does not change them during the call).
// syscalls.go keeps the same numbers for the decoder; a test checks both
// against the kernel headers.
#if defined(__TARGET_ARCH_x86)
// arch/x86/entry/syscalls/syscall_64.tbl
#define NR_open 2
#define NR_dup 32
#define NR_dup2 33
#define NR_socket 41
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#define NR_bind 49
#define NR_listen 50
#define NR_execve 59
#define NR_chdir 80
#define NR_fchdir 81
#define NR_rename 82
#define NR_mkdir 83
#define NR_rmdir 84
#define NR_link 86
#define NR_unlink 87
#define NR_symlink 88
#define NR_chmod 90
#define NR_fchmod 91
#define NR_chown 92
#define NR_fchown 93
#define NR_lchown 94
#define NR_ptrace 101
#define NR_setuid 105
#define NR_setgid 106
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_setfsuid 122
#define NR_setfsgid 123
#define NR_mount 165
#define NR_umount2 166
#define NR_init_module 175
#define NR_openat 257
#define NR_mkdirat 258
#define NR_fchownat 260
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_linkat 265
#define NR_symlinkat 266
#define NR_fchmodat 268
#define NR_unshare 272
#define NR_accept4 288
#define NR_dup3 292
#define NR_setns 308
#define NR_finit_module 313
#define NR_renameat2 316
#define NR_memfd_create 319
#define NR_bpf 321
#define NR_execveat 322
#define NR_userfaultfd 323
#define NR_openat2 437
#define NR_fchmodat2 452

// The calls older than their *at forms, which the asm-generic table
// (arm64) does not have.
#define HAVE_LEGACY_CALLS 1

// x86_64: orig_ax is the number (ax holds the return value at exit); the
// arguments are di, si, dx, r10, r8, r9.
#define SYS_NR(r) ((r)->orig_ax)
#define SYS_NR_CORE(r) BPF_CORE_READ((r), orig_ax)
#define SYS_ARG0(r) ((r)->di)
#define SYS_ARG1(r) ((r)->si)
#define SYS_ARG2(r) ((r)->dx)
#define SYS_ARG3(r) ((r)->r10)
#define SYS_ARG4(r) ((r)->r8)
#define SYS_ARG5(r) ((r)->r9)

#elif defined(__TARGET_ARCH_arm64)
// include/uapi/asm-generic/unistd.h
#define NR_dup 23
#define NR_dup3 24
#define NR_mkdirat 34
#define NR_unlinkat 35
#define NR_symlinkat 36
#define NR_linkat 37
#define NR_renameat 38
#define NR_umount2 39
#define NR_mount 40
#define NR_chdir 49
#define NR_fchdir 50
#define NR_fchmod 52
#define NR_fchmodat 53
#define NR_fchownat 54
#define NR_fchown 55
#define NR_openat 56
#define NR_unshare 97
#define NR_init_module 105
#define NR_ptrace 117
#define NR_setregid 143
#define NR_setgid 144
#define NR_setreuid 145
#define NR_setuid 146
#define NR_setresuid 147
#define NR_setresgid 149
#define NR_setfsuid 151
#define NR_setfsgid 152
#define NR_socket 198
#define NR_bind 200
#define NR_listen 201
#define NR_accept 202
#define NR_connect 203
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_sendmsg 211
#define NR_recvmsg 212
#define NR_execve 221
#define NR_accept4 242
#define NR_setns 268
#define NR_finit_module 273
#define NR_renameat2 276
#define NR_memfd_create 279
#define NR_bpf 280
#define NR_execveat 281
#define NR_userfaultfd 282
#define NR_openat2 437
#define NR_fchmodat2 452

// arm64's struct pt_regs (vmlinux.h is x86's; bpf_tracing.h's
// pt_regs___arm64 has orig_x0 only): CO-RE matches this flavor
// to the kernel's "pt_regs" by name, so the offsets are the running
// kernel's (the kernel's regs[31] sit in an anonymous union, which CO-RE
// looks through).
struct pt_regs___sensor_arm64 {
	__u64 regs[31];
	__u64 orig_x0;
	__s32 syscallno;
} __attribute__((preserve_access_index));

// arm64: syscallno is the number; at exit regs[0] already holds the return
// value, the first argument is kept in orig_x0; the others are regs[1..5].
#define SYS_NR(r) (((struct pt_regs___sensor_arm64 *)(r))->syscallno)
#define SYS_NR_CORE(r) BPF_CORE_READ((struct pt_regs___sensor_arm64 *)(r), syscallno)
#define SYS_ARG0(r) (((struct pt_regs___sensor_arm64 *)(r))->orig_x0)
#define SYS_ARG1(r) (((struct pt_regs___sensor_arm64 *)(r))->regs[1])
#define SYS_ARG2(r) (((struct pt_regs___sensor_arm64 *)(r))->regs[2])
#define SYS_ARG3(r) (((struct pt_regs___sensor_arm64 *)(r))->regs[3])
#define SYS_ARG4(r) (((struct pt_regs___sensor_arm64 *)(r))->regs[4])
#define SYS_ARG5(r) (((struct pt_regs___sensor_arm64 *)(r))->regs[5])

#else
#error "bulkhead's sensor is built for x86 and arm64 (-D__TARGET_ARCH_x86 or __TARGET_ARCH_arm64)"
#endif

// nr_open: the call is open(2), which only x86_64 has.
static __always_inline bool nr_open(long id)
{
#ifdef HAVE_LEGACY_CALLS
	return id == NR_open;
#else
	return false;
#endif
}

static __always_inline bool followed(long id)
{
	switch (id) {
#ifdef HAVE_LEGACY_CALLS
	case NR_open: case NR_dup2: case NR_mkdir: case NR_rmdir: case NR_rename: case NR_unlink:
	case NR_chmod: case NR_chown: case NR_lchown: case NR_link: case NR_symlink:
#endif
	case NR_connect: case NR_accept: case NR_bind: case NR_listen:
	case NR_fchmod: case NR_fchown: case NR_ptrace: case NR_setuid: case NR_setgid:
	case NR_setreuid: case NR_setregid: case NR_setresuid: case NR_setresgid:
	case NR_setfsuid: case NR_setfsgid: case NR_mount: case NR_umount2:
	case NR_init_module: case NR_openat: case NR_fchownat: case NR_unlinkat:
	case NR_renameat: case NR_fchmodat: case NR_unshare: case NR_accept4:
	case NR_setns: case NR_finit_module: case NR_renameat2: case NR_memfd_create:
	case NR_openat2: case NR_fchmodat2:
	case NR_dup: case NR_socket: case NR_sendto: case NR_sendmsg: case NR_recvfrom: case NR_recvmsg:
	case NR_mkdirat: case NR_linkat: case NR_symlinkat: case NR_dup3: case NR_bpf: case NR_userfaultfd:
	case NR_execve: case NR_execveat: case NR_chdir: case NR_fchdir:
		return true;
	}
	return false;
}

static __always_inline void read_path(struct event *e, __u64 uptr)
{
	long n = bpf_probe_read_user_str(&e->path, sizeof(e->path), (const void *)uptr);
	e->path_len = n > 0 ? n - 1 : 0;
}

static __always_inline void read_path2(struct event *e, __u64 uptr)
{
	long n = bpf_probe_read_user_str(&e->path2, sizeof(e->path2), (const void *)uptr);
	e->path2_len = n > 0 ? n - 1 : 0;
}

static __always_inline void read_addr(struct event *e, __u64 uptr, __u32 len)
{
	if (!uptr)
		return;
	// a sockaddr is at most 28 bytes; the mask proves the bound to the verifier
	if (len > ADDR_LEN - 1)
		len = ADDR_LEN - 1;
	barrier_var(len);
	len &= ADDR_LEN - 1;
	if (len == 0)
		return;
	if (bpf_probe_read_user(&e->addr, len, (const void *)uptr) == 0)
		e->addr_len = len;
}

// bpf_rdonly_cast turns a kernel address into a pointer the program can
// load from directly (a load that faults reads zero) instead of calling
// bpf_probe_read_kernel, which costs several calls and returns. Casting to
// "void" (btf id 0, Linux 6.17+: BPF_FEAT_RDONLY_CAST_TO_VOID) allows a
// variable index, which the descriptor table needs. Weak: NULL on kernels
// without kfuncs, where the helper reads are used.
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

// cast_to_void reports whether fd_file can be used on this kernel.
static __always_inline bool cast_to_void(void)
{
	return bpf_rdonly_cast && bpf_core_enum_value_exists(enum bpf_features, BPF_FEAT_RDONLY_CAST_TO_VOID);
}

// fd_file returns the file behind descriptor fd of t, NULL when fd is not
// open. Only when cast_to_void().
static __always_inline struct file *fd_file(struct task_struct *t, __u64 fd)
{
	struct fdtable *fdt = t->files->fdt;
	if (fd >= fdt->max_fds)
		return NULL;
	__u64 *slots = bpf_rdonly_cast(fdt->fd, 0);
	__u64 fp = slots[fd & 0xffffff];
	if (!fp)
		return NULL;
	return bpf_rdonly_cast((void *)fp, bpf_core_type_id_kernel(struct file));
}

// repeat_lookup fills k for the open that returned fd (open or openat) and
// returns its slot, or NULL when the file cannot be read back from the
// descriptor table.
static __always_inline struct repeat_slot *repeat_lookup(struct task_struct *t, struct pt_regs *regs,
							  long id, long fd, struct repeat_key *k)
{
	struct path p = {};
	__u64 hl = 0;
	if (cast_to_void()) {
		struct file *f = fd_file(t, fd);
		if (!f)
			return NULL;
		p.dentry = f->f_path.dentry;
		p.mnt = f->f_path.mnt;
		if (!p.dentry)
			return NULL;
		hl = p.dentry->d_name.hash_len;
	} else {
		struct fdtable *fdt = t->files->fdt;
		if ((__u64)fd >= fdt->max_fds)
			return NULL;
		struct file **fds = fdt->fd;
		struct file *f = NULL;
		if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
			return NULL;
		if (bpf_probe_read_kernel(&p, sizeof(p), &f->f_path) || !p.dentry)
			return NULL;
		if (bpf_probe_read_kernel(&hl, sizeof(hl), &p.dentry->d_name.hash_len))
			return NULL;
	}
	k->exec_id = t->self_exec_id;
	k->tgid = t->tgid;
	k->pad = 0;
	k->dentry = (__u64)p.dentry;
	k->mnt = (__u64)p.mnt;
	k->name_hash = hl;
	__builtin_memcpy(&k->comm, t->comm, sizeof(k->comm));
	k->id = id;
	k->flags = nr_open(id) ? SYS_ARG1(regs) : SYS_ARG2(regs);
	const struct cred *cred = t->cred;
	k->uid = cred->uid.val;
	k->euid = cred->euid.val;
	// the same file with other flags usually gets another slot
	__u32 fl = k->flags;
	__u32 slot = (hl ^ (hl >> 32) ^ k->tgid ^ fl ^ (fl >> 8) ^ (fl >> 16)) & (REPEAT_SLOTS - 1);
	return bpf_map_lookup_elem(&repeats, &slot);
}

static __always_inline bool repeat_same(const struct repeat_key *a, const struct repeat_key *b)
{
	return a->dentry == b->dentry && a->tgid == b->tgid && a->exec_id == b->exec_id && a->mnt == b->mnt &&
	       a->name_hash == b->name_hash && a->comm[0] == b->comm[0] && a->comm[1] == b->comm[1] &&
	       a->id == b->id && a->flags == b->flags && a->uid == b->uid && a->euid == b->euid;
}

// Path walk. dpath writes the path of (d, vm) as the task sees it: the
// dentry names up to the task's root (fs->root), crossing mount points to
// the parent mount, so a container's file reads as the container names it
// and a bind-mounted file by its mount point. The names are collected going
// up (per-CPU walkbuf) and written going down. 0 when the path has more
// than MAX_COMP components or PATH_LEN - 1 bytes: the raw argument stands.
#define MAX_COMP 32

struct walk_buf {
	__u64 names[MAX_COMP];
	// the walk's state lives here, not on the stack: values loaded from a
	// map are unknown to the verifier, so the bpf_loop callbacks are
	// verified once instead of once per distinct counter value
	__u64 d, vm, m, rd, rm, moff;
	__u32 n, off, done, fail, which;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_buf);
} walkbuf SEC(".maps");

// dpath_up takes one step up: a component, or a mount crossing.
static long dpath_up(__u64 i, void *arg)
{
	__u32 zero = 0;
	struct walk_buf *c = bpf_map_lookup_elem(&walkbuf, &zero);
	if (!c)
		return 1;
	struct dentry *d = (void *)c->d;
	struct vfsmount *vm = (void *)c->vm;
	if (c->d == c->rd && c->vm == c->rm) {
		c->done = 1;
		return 1;
	}
	struct dentry *mr = BPF_CORE_READ(vm, mnt_root);
	if (d == mr) {
		struct mount *m = (void *)c->m;
		struct mount *p = BPF_CORE_READ(m, mnt_parent);
		if (!p || p == m) {
			c->done = 1; // the root of the mount tree
			return 1;
		}
		c->d = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
		c->m = (__u64)p;
		c->vm = (__u64)p + c->moff;
		return 0;
	}
	struct dentry *pd = BPF_CORE_READ(d, d_parent);
	__u32 n = c->n;
	if (!pd || pd == d) {
		// the root of a file system not mounted here, or a pseudo
		// dentry without a parent (memfd, anonymous files): its name
		// ("memfd:NAME") is the last component
		c->done = 1;
		if (n < MAX_COMP) {
			c->names[n & (MAX_COMP - 1)] = (__u64)BPF_CORE_READ(d, d_name.name);
			c->n = n + 1;
		}
		return 1;
	}
	if (n >= MAX_COMP)
		return 1;
	c->names[n & (MAX_COMP - 1)] = (__u64)BPF_CORE_READ(d, d_name.name);
	c->n = n + 1;
	c->d = (__u64)pd;
	return 0;
}

// dpath_down writes component n-1-i after a '/' into the event's path2
// (which 2) or path3 (which 3).
static long dpath_down(__u64 i, void *arg)
{
	__u32 zero = 0;
	struct walk_buf *c = bpf_map_lookup_elem(&walkbuf, &zero);
	struct event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!c || !e)
		return 1;
	if (i >= c->n)
		return 1;
	__u32 off = c->off;
	if (off >= PATH_LEN - 2) {
		c->fail = 1;
		return 1;
	}
	char *dst = c->which == 3 ? e->path3 : e->path2;
	dst[off & (PATH_LEN - 1)] = '/';
	off++;
	__u32 k = c->n - 1 - (__u32)i;
	long r = bpf_probe_read_kernel_str(dst + (off & (PATH_LEN - 1)), PATH_LEN,
					   (const void *)c->names[k & (MAX_COMP - 1)]);
	if (r > 1)
		off += r - 1;
	c->off = off;
	return 0;
}

// dpath writes the path into e->path2 (which 2) or e->path3 (which 3) and
// returns its length.
static __always_inline __u32 dpath(struct event *e, __u32 which, struct task_struct *t, struct dentry *d,
				   struct vfsmount *vm)
{
	__u32 zero = 0;
	struct walk_buf *c = bpf_map_lookup_elem(&walkbuf, &zero);
	if (!c || !d || !vm)
		return 0;
	c->d = (__u64)d;
	c->vm = (__u64)vm;
	c->rd = (__u64)BPF_CORE_READ(t, fs, root.dentry);
	c->rm = (__u64)BPF_CORE_READ(t, fs, root.mnt);
	c->moff = bpf_core_field_offset(struct mount, mnt);
	c->m = (__u64)vm - c->moff;
	c->n = c->off = c->done = c->fail = 0;
	c->which = which;
	bpf_loop(MAX_COMP + 8, dpath_up, NULL, 0);
	if (!c->done)
		return 0;
	bpf_loop(MAX_COMP, dpath_down, NULL, 0);
	__u32 off = c->off;
	if (c->fail || off >= PATH_LEN - 1)
		return 0;
	char *dst = which == 3 ? e->path3 : e->path2;
	if (off == 0) {
		dst[0] = '/';
		off = 1;
	}
	barrier_var(off);
	dst[off & (PATH_LEN - 1)] = 0;
	return off;
}

// fd_path writes the path of the file behind descriptor fd.
static __always_inline __u32 fd_path(struct event *e, __u32 which, struct task_struct *t, long fd)
{
	struct file *f = NULL;
	if (fd < 0)
		return 0;
	if (cast_to_void()) {
		f = fd_file(t, fd);
	} else {
		struct fdtable *fdt = t->files->fdt;
		if ((__u64)fd >= fdt->max_fds)
			return 0;
		struct file **fds = fdt->fd;
		if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
			return 0;
	}
	if (!f)
		return 0;
	return dpath(e, which, t, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt));
}

#define AT_FDCWD -100

// base_path writes the directory a relative path given with dirfd is
// resolved against: the working directory for AT_FDCWD, else the fd's.
static __always_inline __u32 base_path(struct event *e, struct task_struct *t, long dirfd)
{
	if ((int)dirfd == AT_FDCWD)
		return dpath(e, 3, t, BPF_CORE_READ(t, fs, pwd.dentry), BPF_CORE_READ(t, fs, pwd.mnt));
	return fd_path(e, 3, t, (int)dirfd);
}

static __always_inline __u32 fd_class(struct task_struct *t, __u32 fd);

// Inbound datagrams (Falco's "inbound" macro: recvfrom/recvmsg on a socket
// that is not TCP and not connected, whose peer name changed). A receive is
// reported only when it returned a source address other than the last one
// reported for that process and socket: a server receiving from one peer
// gives one event, not one per datagram. Slots are per CPU and
// direct-mapped by socket and process; a collision evicts, so the next
// datagram of the evicted pair is reported again.
#define PEER_SLOTS 256

struct peer_key {
	__u64 ino;     // the socket's inode number: unique while it lives
	__u64 addr[4]; // the source sockaddr as returned, zero-padded
	__u32 tgid;
	__u32 len;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PEER_SLOTS);
	__type(key, __u32);
	__type(value, struct peer_key);
} peers SEC(".maps");

#define IPPROTO_TCP 6
#define TCP_ESTABLISHED 1

// recv_info is what recv_sock learned about the socket of a receive.
struct recv_info {
	__u64 ino; // the socket's inode number (socket:[ino])
	__u32 laddr; // local IPv4 address (network order), 0 for IPv6
	__u16 family;
	__u16 proto; // sk_protocol
	__u16 type;  // sk_type
	__u16 lport; // local port, host order
};

// recv_sock fills ri for an IPv4 or IPv6 socket that is not TCP and not
// connected (a connected socket's peer is fixed) and returns true; false
// for anything else. A handful of loads from the descriptor table.
static __always_inline bool recv_sock(struct task_struct *t, long fd, struct recv_info *ri)
{
	struct sock *sk;
	if (fd < 0)
		return false;
	if (cast_to_void()) {
		struct file *f = fd_file(t, fd);
		if (!f)
			return false;
		struct inode *in = f->f_inode;
		if ((in->i_mode & S_IFMT) != S_IFSOCK)
			return false;
		ri->ino = in->i_ino;
		struct socket *so = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
		sk = so->sk;
		if (!sk)
			return false;
		ri->family = sk->__sk_common.skc_family;
		ri->proto = sk->sk_protocol;
		if ((ri->family != 2 && ri->family != 10) || ri->proto == IPPROTO_TCP ||
		    sk->__sk_common.skc_state == TCP_ESTABLISHED)
			return false;
		ri->type = sk->sk_type;
		ri->lport = sk->__sk_common.skc_num;
		ri->laddr = ri->family == 2 ? sk->__sk_common.skc_rcv_saddr : 0;
	} else {
		struct fdtable *fdt = t->files->fdt;
		if ((__u64)fd >= fdt->max_fds)
			return false;
		struct file **fds = fdt->fd;
		struct file *f = NULL;
		if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
			return false;
		struct inode *in = BPF_CORE_READ(f, f_inode);
		if ((BPF_CORE_READ(in, i_mode) & S_IFMT) != S_IFSOCK)
			return false;
		ri->ino = BPF_CORE_READ(in, i_ino);
		struct socket *so = BPF_CORE_READ(f, private_data);
		sk = BPF_CORE_READ(so, sk);
		if (!sk)
			return false;
		ri->family = BPF_CORE_READ(sk, __sk_common.skc_family);
		ri->proto = BPF_CORE_READ(sk, sk_protocol);
		if ((ri->family != 2 && ri->family != 10) || ri->proto == IPPROTO_TCP ||
		    BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_ESTABLISHED)
			return false;
		ri->type = BPF_CORE_READ(sk, sk_type);
		ri->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		ri->laddr = ri->family == 2 ? BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr) : 0;
	}
	return true;
}

// recv_peer reads the source address a receive returned into e->addr
// and returns its slot when that address is new for the process and
// socket (pk: the key to store once the event is sent); NULL when there is
// no address or it is the one reported last.
static __always_inline struct peer_key *recv_peer(struct event *e, struct task_struct *t, long id, __u64 a1,
						  __u64 a4, __u64 a5, struct recv_info *ri, struct peer_key *pk)
{
	__u64 uaddr = 0;
	__u32 len = 0;
	if (id == NR_recvfrom) {
		// src_addr, addrlen: the kernel wrote the address's length
		if (bpf_probe_read_user(&len, sizeof(len), (const void *)a5))
			return NULL;
		uaddr = a4;
	} else {
		// struct msghdr { void *msg_name; int msg_namelen; ... }: the
		// kernel wrote msg_namelen back
		__u64 mh[2] = {};
		if (bpf_probe_read_user(&mh, sizeof(mh), (const void *)a1))
			return NULL;
		uaddr = mh[0];
		len = (__u32)mh[1];
	}
	if (!uaddr || len < 8)
		return NULL;
	// zero first: the key compares all 32 bytes
	__builtin_memset(&e->addr, 0, sizeof(e->addr));
	read_addr(e, uaddr, len);
	if (e->addr_len < 8)
		return NULL;
	__builtin_memcpy(pk->addr, e->addr, sizeof(pk->addr));
	pk->ino = ri->ino;
	pk->tgid = t->tgid;
	pk->len = e->addr_len;
	__u32 slot = (ri->ino ^ pk->tgid) & (PEER_SLOTS - 1);
	struct peer_key *p = bpf_map_lookup_elem(&peers, &slot);
	if (!p)
		return NULL;
	if (p->ino == pk->ino && p->tgid == pk->tgid && p->len == pk->len && p->addr[0] == pk->addr[0] &&
	    p->addr[1] == pk->addr[1] && p->addr[2] == pk->addr[2] && p->addr[3] == pk->addr[3])
		return NULL;
	return p;
}

// saved_args are a followed call's number and arguments, read at exit.
struct saved_args {
	__u64 id;
	__u64 a[4];
};

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	long id = SYS_NR(regs);
	if (!followed(id))
		return 0;
	// a successful exec is reported by sched_process_exec; a failed one
	// here, unless it is a PATH search miss (ENOENT, ENOTDIR): an exec
	// refused by a noexec mount or missing permissions is an attempt
	if ((id == NR_execve || id == NR_execveat) && (ret >= 0 || ret == -2 || ret == -20))
		return 0;
	// a working directory change matters only when it happened (proc.cwd)
	if ((id == NR_chdir || id == NR_fchdir) && ret != 0)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	// A successful open or openat that repeats a recent one stops here,
	// before the filter and the path: the common case of a process
	// opening the same file again and again costs three small reads.
	struct repeat_key rk = {};
	struct repeat_slot *rs = NULL;
	// ri is written by recv_sock and read only for a receive it accepted
	struct recv_info ri;
	if (nr_open(id) || id == NR_openat) {
		if (repeat_ns && ret >= 0) {
			rs = repeat_lookup(t, regs, id, ret, &rk);
			if (rs && repeat_same(&rs->k, &rk)) {
				__u64 now = coarse_ns;
				// the coarse clock is behind the last send: user
				// space is late writing it (a loaded machine), read
				// the real one rather than send every repeat
				if (now < rs->ts)
					now = bpf_ktime_get_ns();
				if (now - rs->ts < repeat_ns) {
					count(STAT_REPEATED);
					return 0;
				}
			}
		}
	} else if (id == NR_recvfrom || id == NR_recvmsg) {
		// A receive is worth a look only when it returned a source
		// address on an unconnected socket that is not TCP: recv()
		// (recvfrom without an address) returns after two register
		// loads, a TCP socket after a few loads from the descriptor
		// table.
		if (ret < 0 || (id == NR_recvfrom && (!SYS_ARG4(regs) || !SYS_ARG5(regs))))
			return 0;
		if (!recv_sock(t, SYS_ARG0(regs), &ri))
			return 0;
	}
	struct saved_args s;
	s.id = id;
	struct upid up;
	leader_upid(t, &up);
	__u32 pidns = upid_ns(&up);
	if (!wanted(t, pidns))
		return 0;
	// the argument registers, unchanged since entry
	s.a[0] = SYS_ARG0(regs);
	s.a[1] = SYS_ARG1(regs);
	s.a[2] = SYS_ARG2(regs);
	s.a[3] = SYS_ARG3(regs);

	struct event *e = reserve();
	if (!e)
		return 0;
	bool is_open = nr_open(s.id) || s.id == NR_openat || s.id == NR_openat2;
	if (is_open) {
		read_path(e, nr_open(s.id) ? s.a[0] : s.a[1]);
		// with open_filter, an absolute path outside the prefixes is
		// counted and dropped before the task is read; relative paths
		// depend on the cwd or a directory fd and are always sent
		if (open_filter && e->path[0] == '/') {
			struct prefix_key k;
			__u32 n = e->path_len;
			if (n > PREFIX_LEN)
				n = PREFIX_LEN;
			k.prefixlen = n * 8;
			__builtin_memcpy(k.data, e->path, PREFIX_LEN);
			if (!bpf_map_lookup_elem(&open_prefixes, &k)) {
				// "//etc/x", "/tmp/../etc/x" or a link into a
				// prefix: decide on the file opened
				__u32 m = ret >= 0 ? fd_path(e, 2, t, ret) : 0;
				if (m) {
					if (m > PREFIX_LEN)
						m = PREFIX_LEN;
					k.prefixlen = m * 8;
					__builtin_memcpy(k.data, e->path2, PREFIX_LEN);
				}
				if (!m || !bpf_map_lookup_elem(&open_prefixes, &k)) {
					count(STAT_OPEN_SKIPPED);
					return 0;
				}
			}
		}
	}
	// a receive from the peer reported last for this socket stops here
	struct peer_key pk;
	struct peer_key *ps = NULL;
	if (s.id == NR_recvfrom || s.id == NR_recvmsg) {
		ps = recv_peer(e, t, s.id, s.a[1], SYS_ARG4(regs), SYS_ARG5(regs), &ri, &pk);
		if (!ps)
			return 0;
	}
	fill_task(e, t, &up, pidns);
	e->kind = KIND_SYSCALL;
	e->syscall = s.id;
	e->ret = ret;
	e->args[0] = s.a[0];
	e->args[1] = s.a[1];
	e->args[2] = s.a[2];
	e->args[3] = s.a[3];

	switch (s.id) {
#ifdef HAVE_LEGACY_CALLS
	case NR_open:
		break; // path read above
	case NR_unlink: case NR_chmod: case NR_chown: case NR_lchown: case NR_mkdir: case NR_rmdir:
		read_path(e, s.a[0]);
		break;
	case NR_rename: case NR_link: case NR_symlink:
		read_path(e, s.a[0]);
		read_path2(e, s.a[1]);
		break;
#endif
	case NR_openat:
		break; // path read above
	case NR_umount2: case NR_memfd_create:
		read_path(e, s.a[0]);
		break;
	case NR_openat2: case NR_unlinkat: case NR_fchmodat:
	case NR_fchownat: case NR_fchmodat2:
		if (!is_open)
			read_path(e, s.a[1]);
		if (s.id == NR_openat2) {
			// struct open_how { u64 flags; u64 mode; u64 resolve; }
			__u64 how[2] = {};
			bpf_probe_read_user(&how, sizeof(how), (const void *)s.a[2]);
			e->args[2] = how[0];
			e->args[3] = how[1];
		}
		break;
	case NR_renameat: case NR_renameat2:
		read_path(e, s.a[1]);
		read_path2(e, s.a[3]);
		break;
	case NR_mount:
		// source, target; the file system type goes into argv
		read_path(e, s.a[0]);
		read_path2(e, s.a[1]);
		{
			long n = bpf_probe_read_user_str(&e->argv, 64, (const void *)s.a[2]);
			e->argv_len = n > 0 ? n - 1 : 0;
		}
		break;
	case NR_connect: case NR_bind:
		read_addr(e, s.a[1], (__u32)s.a[2]);
		// AF_UNIX: the socket path (sun_path) goes into path
		if (e->addr_len > 2 && e->addr[0] == 1 && e->addr[1] == 0)
			read_path(e, s.a[1] + 2);
		break;
	case NR_accept: case NR_accept4:
		if (s.a[1] && s.a[2]) {
			__u32 l = 0;
			bpf_probe_read_user(&l, sizeof(l), (const void *)s.a[2]);
			read_addr(e, s.a[1], l);
		}
		break;
	case NR_execve:
		read_path(e, s.a[0]);
		break;
	case NR_execveat:
		read_path(e, s.a[1]);
		break;
	case NR_chdir:
		read_path(e, s.a[0]);
		break;
	case NR_mkdirat:
		read_path(e, s.a[1]);
		break;
	case NR_linkat:
		read_path(e, s.a[1]);
		read_path2(e, s.a[3]);
		break;
	case NR_symlinkat:
		read_path(e, s.a[0]);
		read_path2(e, s.a[2]);
		break;
	case NR_sendto:
		// dest_addr and addrlen are the fifth and sixth arguments
		read_addr(e, SYS_ARG4(regs), (__u32)SYS_ARG5(regs));
		break;
#ifdef HAVE_LEGACY_CALLS
	case NR_dup2:
#endif
	case NR_recvfrom: case NR_recvmsg:
		// the peer is in addr (recv_peer); the socket, not the buffer
		e->args[1] = ri.proto | (__u64)ri.type << 16;
		e->args[2] = ri.lport;
		e->args[3] = ri.laddr;
		break;
	case NR_dup: case NR_dup3: case NR_sendmsg:
		// what the descriptor is (socket family, file, pipe) in addr[0]
		e->addr[0] = fd_class(t, s.a[0]);
		e->addr_len = 1;
		break;
	}
	// Canonical paths: the file an open opened, read back from its
	// descriptor; for a relative path, the directory it is relative to.
	long dfd1 = AT_FDCWD, dfd2 = AT_FDCWD;
	bool rel1 = e->path_len && e->path[0] != '/';
	bool rel2 = e->path2_len && e->path2[0] != '/';
	switch (s.id) {
	case NR_openat: case NR_openat2: case NR_unlinkat: case NR_fchmodat: case NR_fchmodat2:
	case NR_fchownat: case NR_mkdirat: case NR_execveat:
		dfd1 = s.a[0];
		break;
	case NR_renameat: case NR_renameat2: case NR_linkat:
		dfd1 = s.a[0];
		dfd2 = s.a[2];
		break;
	case NR_symlinkat:
		rel1 = false; // the target is the link's content
		dfd2 = s.a[1];
		break;
#ifdef HAVE_LEGACY_CALLS
	case NR_symlink:
		rel1 = false;
		break;
	case NR_open: case NR_unlink: case NR_chmod: case NR_chown: case NR_lchown:
	case NR_rename: case NR_mkdir: case NR_rmdir: case NR_link:
		break;
#endif
	case NR_execve:
		break;
	default:
		rel1 = rel2 = false; // not file paths (memfd name, socket path)
	}
	if (s.id == NR_chdir || s.id == NR_fchdir) {
		// the directory the task is in now, walked like any path
		rel1 = rel2 = false;
		__u32 n = dpath(e, 3, t, BPF_CORE_READ(t, fs, pwd.dentry), BPF_CORE_READ(t, fs, pwd.mnt));
		if (n) {
			e->path3_len = n;
			e->pflags |= PF_CWD;
		}
	}
	if (is_open && ret >= 0) {
		__u32 n = fd_path(e, 2, t, ret);
		if (n) {
			e->path2_len = n;
			e->pflags |= PF_FILE;
		}
		rel1 = false;
	}
	if (rel1) {
		__u32 n = base_path(e, t, dfd1);
		if (n) {
			e->path3_len = n;
			e->pflags |= PF_BASE1;
			if (rel2 && dfd2 == dfd1)
				e->pflags |= PF_BASE2;
		}
	} else if (rel2) {
		__u32 n = base_path(e, t, dfd2);
		if (n) {
			e->path3_len = n;
			e->pflags |= PF_BASE2;
		}
	}
	if (!submit(e))
		return 0;
	if (rs) {
		rs->k = rk;
		rs->ts = e->ts_ns; // fill_task's clock read
	}
	if (ps)
		*ps = pk;
	return 0;
}

// What descriptors 0 and 1 refer to at exec, as event.FDType numbers
// (decode.go keeps them in step); FD_UNCLASSIFIED asks user space to look
// in /proc (anonymous inodes, sockets of other families).
#define FD_NONE 0
#define FD_FILE 1
#define FD_IPV4 3
#define FD_IPV6 4
#define FD_UNIX 5
#define FD_PIPE 6
#define FD_NETLINK 12
#define FD_MEMFD 13
#define FD_UNCLASSIFIED 0xff
// An exec record's args[2]: EXEC_STDIO | stdout << 8 | stdin.
#define EXEC_STDIO (1 << 16)


static __always_inline __u32 fd_class(struct task_struct *t, __u32 fd)
{
	__u32 mode;
	__u16 family = 0;
	bool memfd = false;
	if (cast_to_void()) {
		struct file *f = fd_file(t, fd);
		if (!f)
			return FD_NONE; // not open
		mode = f->f_inode->i_mode & S_IFMT;
		if (mode == S_IFSOCK) {
			struct socket *sock = bpf_rdonly_cast(f->private_data, bpf_core_type_id_kernel(struct socket));
			family = sock->sk->__sk_common.skc_family;
		} else if (mode == S_IFREG) {
			// memfd_create files are named "memfd:NAME"
			const unsigned char *nm = f->f_path.dentry->d_name.name;
			memfd = nm[0] == 'm' && nm[1] == 'e' && nm[2] == 'm' && nm[3] == 'f' && nm[4] == 'd' && nm[5] == ':';
		}
	} else {
		// kernels before 6.17: the same reads through the helper
		struct fdtable *fdt = t->files->fdt;
		if (fd >= fdt->max_fds)
			return FD_NONE;
		struct file **fds = fdt->fd;
		struct file *f = NULL;
		if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
			return FD_UNCLASSIFIED;
		if (!f)
			return FD_NONE;
		mode = BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT;
		if (mode == S_IFSOCK) {
			struct socket *sock = BPF_CORE_READ(f, private_data);
			family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
		} else if (mode == S_IFREG) {
			const unsigned char *name = BPF_CORE_READ(f, f_path.dentry, d_name.name);
			unsigned char nm[6] = {};
			bpf_probe_read_kernel(nm, sizeof(nm), name);
			memfd = nm[0] == 'm' && nm[1] == 'e' && nm[2] == 'm' && nm[3] == 'f' && nm[4] == 'd' && nm[5] == ':';
		}
	}
	if (mode == S_IFSOCK) {
		switch (family) {
		case 1:
			return FD_UNIX;
		case 2:
			return FD_IPV4;
		case 10:
			return FD_IPV6;
		case 16:
			return FD_NETLINK;
		}
		return FD_UNCLASSIFIED;
	}
	if (mode == S_IFIFO)
		return FD_PIPE;
	if (mode == S_IFREG)
		return memfd ? FD_MEMFD : FD_FILE;
	if (mode == S_IFDIR || mode == S_IFCHR || mode == S_IFBLK || mode == S_IFLNK)
		return FD_FILE;
	return FD_UNCLASSIFIED; // anonymous inodes: eventfd, epoll, ...
}

// tty_nr is the controlling terminal as /proc/PID/stat encodes it
// (new_encode_dev), 0 when the process has none.
static __always_inline __u64 tty_nr(struct task_struct *t)
{
	struct tty_struct *tty = t->signal->tty;
	if (!tty)
		return 0;
	__u32 major = tty->driver->major;
	__u32 minor = tty->driver->minor_start + tty->index;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

// struct inode before Linux 6.7 kept its times as timespec64 (6.6 named
// the change time __i_ctime); CO-RE picks whichever this kernel has.
struct inode___ts {
	struct timespec64 i_mtime;
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

struct inode___ts66 {
	struct timespec64 i_mtime;
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

// exe_inode writes the executable's inode number, modification and change
// times (ns since the epoch) into an exec record's addr bytes, which exec
// records do not otherwise use (proc.exe_ino, proc.exe_ino.mtime/ctime).
static __always_inline void exe_inode(struct event *e, struct linux_binprm *bprm)
{
	struct inode *in = BPF_CORE_READ(bprm, file, f_inode);
	if (!in)
		return;
	__u64 v[3] = {};
	v[0] = BPF_CORE_READ(in, i_ino);
	if (bpf_core_field_exists(in->i_mtime_sec)) {
		v[1] = BPF_CORE_READ(in, i_mtime_sec) * 1000000000ULL + (BPF_CORE_READ(in, i_mtime_nsec) & 0x3fffffff);
		// the top bit of i_ctime_nsec is a flag (multigrain timestamps, 6.13+)
		v[2] = BPF_CORE_READ(in, i_ctime_sec) * 1000000000ULL + (BPF_CORE_READ(in, i_ctime_nsec) & 0x3fffffff);
	} else if (bpf_core_field_exists(((struct inode___ts66 *)in)->__i_ctime)) {
		struct inode___ts66 *o = (void *)in;
		v[1] = BPF_CORE_READ(o, i_mtime.tv_sec) * 1000000000ULL + BPF_CORE_READ(o, i_mtime.tv_nsec);
		v[2] = BPF_CORE_READ(o, __i_ctime.tv_sec) * 1000000000ULL + BPF_CORE_READ(o, __i_ctime.tv_nsec);
	} else {
		struct inode___ts *o = (void *)in;
		v[1] = BPF_CORE_READ(o, i_mtime.tv_sec) * 1000000000ULL + BPF_CORE_READ(o, i_mtime.tv_nsec);
		v[2] = BPF_CORE_READ(o, i_ctime.tv_sec) * 1000000000ULL + BPF_CORE_READ(o, i_ctime.tv_nsec);
	}
	__builtin_memcpy(&e->addr, v, sizeof(v));
	e->addr_len = sizeof(v);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct upid up;
	leader_upid(p, &up);
	__u32 pidns = upid_ns(&up);
	if (!wanted(p, pidns))
		return 0;
	struct event *e = reserve();
	if (!e)
		return 0;
	fill_task(e, p, &up, pidns);
	e->kind = KIND_EXEC;
	const char *fn = BPF_CORE_READ(bprm, filename);
	long n = bpf_probe_read_kernel_str(&e->path, sizeof(e->path), fn);
	e->path_len = n > 0 ? n - 1 : 0;
	// the working directory and the file actually run (symlinks
	// followed; for a script, its interpreter; for fexecve of a memfd,
	// "/memfd:NAME"), by their paths in the task's root
	e->pflags = PF_EXEC;
	e->path2_len = dpath(e, 2, p, BPF_CORE_READ(p, fs, pwd.dentry), BPF_CORE_READ(p, fs, pwd.mnt));
	e->path3_len = dpath(e, 3, p, BPF_CORE_READ(bprm, file, f_path.dentry), BPF_CORE_READ(bprm, file, f_path.mnt));
	// drift, decided now from the inode run: an overlay inode with an
	// upper dentry was written (created or copied up) in the container's
	// writable layer. A file bind-mounted into the container is not on
	// the overlay at all, whatever placeholder Docker left in the upper
	// directory; a binary deleted right after its exec was still run
	// from the upper layer.
	{
		struct inode *xi = BPF_CORE_READ(bprm, file, f_inode);
		if (xi && BPF_CORE_READ(xi, i_sb, s_magic) == OVERLAYFS_SUPER_MAGIC) {
			e->pflags |= PF_EXE_OVERLAY;
			// struct ovl_inode is in the overlay module's BTF when
			// overlayfs is a module (Debian, Ubuntu): unknown while
			// the module was not loaded when the sensor loaded.
			// Without the check the relocation is poisoned and the
			// verifier refuses the program; with it, user space
			// decides from the upper directory instead.
			if (bpf_core_type_exists(struct ovl_inode)) {
				struct ovl_inode *oi = (void *)xi - bpf_core_field_offset(struct ovl_inode, vfs_inode);
				if (BPF_CORE_READ(oi, __upperdentry))
					e->pflags |= PF_EXE_UPPER;
			} else {
				e->pflags |= PF_EXE_LAYER_UNKNOWN;
			}
		}
	}
	{
		struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(p);
		if (r && SYS_NR_CORE(r) == NR_execveat)
			e->pflags |= PF_EXECVEAT;
	}

	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	__u64 len = end > start ? end - start : 0;
	if (len > ARGV_LEN - 1)
		len = ARGV_LEN - 1;
	barrier_var(len);
	len &= ARGV_LEN - 1;
	if (len > 0 && bpf_probe_read_user(&e->argv, len, (const void *)start) == 0)
		e->argv_len = len;
	e->args[0] = old_pid;
	// the controlling terminal and what stdin and stdout are, read now:
	// a short-lived process is gone before user space could look in /proc
	e->args[1] = tty_nr(p);
	e->args[2] = EXEC_STDIO | fd_class(p, 1) << 8 | fd_class(p, 0);
	// the session id (proc.sid, proc.sname), host pid namespace
	struct pid *sp = p->signal->pids[bpf_core_enum_value(enum pid_type, PIDTYPE_SID) & 3];
	e->args[3] = sp ? sp->numbers[0].nr : 0;
	exe_inode(e, bprm);
	submit(e);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	// threads are not processes
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	struct upid up;
	leader_upid(child, &up);
	__u32 pidns = upid_ns(&up);
	if (!wanted(child, pidns))
		return 0;
	struct event *e = reserve();
	if (!e)
		return 0;
	fill_task(e, child, &up, pidns);
	e->kind = KIND_FORK;
	e->ppid = BPF_CORE_READ(parent, tgid);
	submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0;
	struct upid up;
	leader_upid(p, &up);
	__u32 pidns = upid_ns(&up);
	if (!wanted(p, pidns))
		return 0;
	struct event *e = reserve();
	if (!e)
		return 0;
	fill_task(e, p, &up, pidns);
	e->kind = KIND_EXIT;
	e->exit_code = BPF_CORE_READ(p, exit_code);
	submit(e);
	return 0;
}
