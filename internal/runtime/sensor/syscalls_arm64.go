package sensor

// nativeSyscalls is the syscall table of the architecture the binary runs
// on: the numbers the BPF object built for it reports.
var nativeSyscalls = syscallsARM64
