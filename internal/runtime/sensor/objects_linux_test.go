//go:build linux && (amd64 || arm64)

package sensor

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
)

// objectFiles are the BPF objects bpf2go built from bpf/sensor.c, one per
// architecture; the binary embeds the one of its GOARCH.
var objectFiles = map[string]string{"amd64": "bpfsensor_x86_bpfel.o", "arm64": "bpfsensor_arm64_bpfel.o"}

// objectNames lists the `ebpf:"name"` tags of the generated struct v.
func objectNames(v any) []string {
	var names []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		if n := t.Field(i).Tag.Get("ebpf"); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

func loadObject(t *testing.T, arch string) *ebpf.CollectionSpec {
	t.Helper()
	spec, err := ebpf.LoadCollectionSpec(objectFiles[arch])
	if err != nil {
		t.Fatalf("load the %s object: %v", arch, err)
	}
	return spec
}

// TestObjectsBothArches: the x86_64 and the arm64 objects parse and have
// every program, map and variable the loader assigns (the generated
// structs, the same for both architectures), with the same attach points.
func TestObjectsBothArches(t *testing.T) {
	progs := objectNames(bpfSensorPrograms{})
	maps := objectNames(bpfSensorMaps{})
	vars := objectNames(bpfSensorVariables{})
	if !slices.Contains(maps, "peers") || !slices.Contains(progs, "sys_exit") {
		t.Fatalf("generated structs lack peers or sys_exit: %v %v", maps, progs)
	}
	for arch := range objectFiles {
		spec := loadObject(t, arch)
		if spec.ByteOrder != binary.LittleEndian {
			t.Errorf("%s: byte order %v", arch, spec.ByteOrder)
		}
		for _, p := range progs {
			ps, ok := spec.Programs[p]
			if !ok {
				t.Errorf("%s: program %s missing", arch, p)
				continue
			}
			if ps.Type != ebpf.Tracing || ps.AttachType != ebpf.AttachTraceRawTp || !strings.HasPrefix(ps.SectionName, "tp_btf/") {
				t.Errorf("%s: program %s is %v/%v in %q", arch, p, ps.Type, ps.AttachType, ps.SectionName)
			}
		}
		for _, m := range maps {
			if _, ok := spec.Maps[m]; !ok {
				t.Errorf("%s: map %s missing", arch, m)
			}
		}
		for _, v := range vars {
			if _, ok := spec.Variables[v]; !ok {
				t.Errorf("%s: variable %s missing", arch, v)
			}
		}
		if len(spec.Programs) != len(progs) {
			t.Errorf("%s: %d programs, the loader knows %d", arch, len(spec.Programs), len(progs))
		}
	}
}

// ptRegsRelos returns the CO-RE relocations of program prog that name a
// pt_regs flavor, with their instructions.
func ptRegsRelos(t *testing.T, spec *ebpf.CollectionSpec, prog string) ([]*btf.CORERelocation, []asm.Instruction) {
	t.Helper()
	var relos []*btf.CORERelocation
	var insns []asm.Instruction
	for _, ins := range spec.Programs[prog].Instructions {
		if r := btf.CORERelocationMetadata(&ins); r != nil && strings.Contains(r.String(), "pt_regs") {
			relos = append(relos, r)
			insns = append(insns, ins)
		}
	}
	return relos, insns
}

// arm64PtRegs is struct pt_regs as arm64 kernels lay it out
// (arch/arm64/include/asm/ptrace.h): the user registers in an anonymous
// union with struct user_pt_regs, then orig_x0 and syscallno.
func arm64PtRegs() *btf.Struct {
	u64 := &btf.Int{Name: "long long unsigned int", Size: 8}
	s32 := &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}
	u32 := &btf.Int{Name: "unsigned int", Size: 4}
	regs := &btf.Array{Index: &btf.Int{Name: "__ARRAY_SIZE_TYPE__", Size: 4}, Type: u64, Nelems: 31}
	user := []btf.Member{
		{Name: "regs", Type: regs, Offset: 0},
		{Name: "sp", Type: u64, Offset: 248 * 8},
		{Name: "pc", Type: u64, Offset: 256 * 8},
		{Name: "pstate", Type: u64, Offset: 264 * 8},
	}
	union := &btf.Union{Size: 272, Members: []btf.Member{
		{Name: "user_regs", Type: &btf.Struct{Name: "user_pt_regs", Size: 272, Members: user}},
		{Type: &btf.Struct{Size: 272, Members: user}},
	}}
	return &btf.Struct{Name: "pt_regs", Size: 336, Members: []btf.Member{
		{Type: union},
		{Name: "orig_x0", Type: u64, Offset: 272 * 8},
		{Name: "syscallno", Type: s32, Offset: 280 * 8},
		{Name: "pmr", Type: u32, Offset: 284 * 8},
		{Name: "sdei_ttbr1", Type: u64, Offset: 288 * 8},
		{Name: "stackframe", Type: &btf.Array{Index: &btf.Int{Name: "__ARRAY_SIZE_TYPE__", Size: 4}, Type: u64, Nelems: 4}, Offset: 296 * 8},
		{Name: "lockdep_hardirqs", Type: u64, Offset: 320 * 8},
		{Name: "exit_rcu", Type: u64, Offset: 328 * 8},
	}}
}

// TestARM64ObjectRegisters: the arm64 object reads the syscall number from
// pt_regs.syscallno and the arguments from orig_x0 and regs[1..5] (at
// sys_exit regs[0] holds the return value), never x86's fields, and its
// CO-RE relocations resolve against arm64's struct pt_regs to those
// fields' offsets. The x86_64 object reads orig_ax and di..r9 only.
// (No arm64 machine here: this is as far as the arm64 object can be
// checked without loading it.)
func TestARM64ObjectRegisters(t *testing.T) {
	arm := loadObject(t, "arm64")
	relos, insns := ptRegsRelos(t, arm, "sys_exit")
	if len(relos) == 0 {
		t.Fatal("arm64 sys_exit has no pt_regs relocation")
	}
	for _, r := range relos {
		if !strings.Contains(r.String(), "pt_regs___sensor_arm64") {
			t.Errorf("arm64 sys_exit relocates %v, not the arm64 flavor", r)
		}
	}
	// resolve them against arm64's layout
	b, err := btf.NewBuilder([]btf.Type{arm64PtRegs()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	kernel, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	fixups, err := btf.CORERelocate(relos, []*btf.Spec{kernel}, binary.LittleEndian, func(btf.Type) (btf.TypeID, error) { return 0, nil })
	if err != nil {
		t.Fatalf("relocate against arm64's pt_regs: %v", err)
	}
	// every load is of one of these fields, and sys_exit loads each
	want := map[int16]string{280: "syscallno", 272: "orig_x0", 8: "regs[1]", 16: "regs[2]", 24: "regs[3]", 32: "regs[4]", 40: "regs[5]"}
	seen := map[string]bool{}
	for i, f := range fixups {
		ins := insns[i]
		if err := f.Apply(&ins); err != nil {
			t.Fatalf("apply %v: %v", &f, err)
		}
		if ins.OpCode.Class() != asm.LdXClass {
			t.Errorf("relocated %v is not a load: %v", relos[i], ins)
			continue
		}
		name, ok := want[ins.Offset]
		if !ok {
			t.Errorf("sys_exit loads pt_regs+%d (%v), not a syscall register", ins.Offset, relos[i])
			continue
		}
		if size := ins.OpCode.Size(); name == "syscallno" && size != asm.Word || name != "syscallno" && size != asm.DWord {
			t.Errorf("sys_exit loads %s with size %v", name, size)
		}
		seen[name] = true
	}
	for _, name := range want {
		if !seen[name] {
			t.Errorf("arm64 sys_exit never loads pt_regs.%s", name)
		}
	}
	// the exec program tells execveat apart by the same number
	if relos, _ := ptRegsRelos(t, arm, "sched_process_exec"); len(relos) != 1 || !strings.Contains(relos[0].String(), "pt_regs___sensor_arm64") {
		t.Errorf("arm64 sched_process_exec pt_regs relocations: %v", relos)
	}

	x86 := loadObject(t, "amd64")
	relos, _ = ptRegsRelos(t, x86, "sys_exit")
	if len(relos) == 0 {
		t.Fatal("x86 sys_exit has no pt_regs relocation")
	}
	for _, r := range relos {
		if strings.Contains(r.String(), "arm64") {
			t.Errorf("x86 sys_exit relocates %v", r)
		}
	}
	// the flavor's BTF has the fields arm64 kernels name
	var st *btf.Struct
	if err := arm.Types.TypeByName("pt_regs___sensor_arm64", &st); err != nil {
		t.Fatalf("arm64 object BTF: %v", err)
	}
	var fields []string
	for _, m := range st.Members {
		fields = append(fields, m.Name)
	}
	if !slices.Equal(fields, []string{"regs", "orig_x0", "syscallno"}) {
		t.Errorf("pt_regs___sensor_arm64 fields %v", fields)
	}
	if err := x86.Types.TypeByName("pt_regs___sensor_arm64", &st); err == nil {
		t.Error("the x86 object declares the arm64 pt_regs flavor")
	}
}
