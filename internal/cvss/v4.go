package cvss

import (
	"math"
	"strconv"
	"strings"
)

var allowed4 = map[string]string{
	"AV": "N,A,L,P", "AC": "L,H", "AT": "N,P", "PR": "N,L,H", "UI": "N,P,A",
	"VC": "H,L,N", "VI": "H,L,N", "VA": "H,L,N", "SC": "H,L,N", "SI": "H,L,N", "SA": "H,L,N",
	"E":  "X,A,P,U",
	"CR": "X,H,M,L", "IR": "X,H,M,L", "AR": "X,H,M,L",
	"MAV": "X,N,A,L,P", "MAC": "X,L,H", "MAT": "X,N,P", "MPR": "X,N,L,H", "MUI": "X,N,P,A",
	"MVC": "X,H,L,N", "MVI": "X,H,L,N", "MVA": "X,H,L,N", "MSC": "X,H,L,N", "MSI": "X,S,H,L,N", "MSA": "X,S,H,L,N",
	"S": "X,N,P", "AU": "X,N,Y", "R": "X,A,U,I", "V": "X,D,C", "RE": "X,L,M,H", "U": "X,Clear,Green,Amber,Red",
}

// levels4 are the severity distances of each metric value (0 is worst).
var levels4 = map[string]map[string]float64{
	"AV": {"N": 0, "A": 0.1, "L": 0.2, "P": 0.3},
	"PR": {"N": 0, "L": 0.1, "H": 0.2},
	"UI": {"N": 0, "P": 0.1, "A": 0.2},
	"AC": {"L": 0, "H": 0.1},
	"AT": {"N": 0, "P": 0.1},
	"VC": {"H": 0, "L": 0.1, "N": 0.2},
	"VI": {"H": 0, "L": 0.1, "N": 0.2},
	"VA": {"H": 0, "L": 0.1, "N": 0.2},
	"SC": {"H": 0.1, "L": 0.2, "N": 0.3},
	"SI": {"S": 0, "H": 0.1, "L": 0.2, "N": 0.3},
	"SA": {"S": 0, "H": 0.1, "L": 0.2, "N": 0.3},
	"CR": {"H": 0, "M": 0.1, "L": 0.2},
	"IR": {"H": 0, "M": 0.1, "L": 0.2},
	"AR": {"H": 0, "M": 0.1, "L": 0.2},
}

// The highest-severity vectors of each macrovector level, per equivalence
// set (EQ3 and EQ6 together), from the CVSS 4.0 specification.
var (
	maxEQ1 = [][]string{
		{"AV:N/PR:N/UI:N"},
		{"AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"},
		{"AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"},
	}
	maxEQ2 = [][]string{
		{"AC:L/AT:N"},
		{"AC:H/AT:N", "AC:L/AT:P"},
	}
	maxEQ36 = map[string][]string{
		"00": {"VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"},
		"01": {"VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"},
		"10": {"VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"},
		"11": {"VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M", "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H", "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"},
		"21": {"VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"},
	}
	maxEQ4 = [][]string{
		{"SC:H/SI:S/SA:S"},
		{"SC:H/SI:H/SA:H"},
		{"SC:L/SI:L/SA:L"},
	}
	// Maximal severity depth of each level, in steps of 0.1.
	depthEQ1  = []float64{1, 4, 5}
	depthEQ2  = []float64{1, 2}
	depthEQ36 = map[string]float64{"00": 7, "01": 6, "10": 8, "11": 8, "21": 10}
	depthEQ4  = []float64{6, 5, 4}
)

// score4 computes the CVSS 4.0 score with the reference algorithm: find the
// macrovector, then interpolate towards the next lower macrovectors by the
// vector's severity distance from the macrovector's highest vector.
func score4(vector string) (Score, error) {
	m, err := metrics(vector, strings.Split(vector, "/")[1:], allowed4)
	if err != nil {
		return Score{}, err
	}
	if err := requireAll(vector, m, "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"); err != nil {
		return Score{}, err
	}
	// eff returns the effective value: modified metrics override base
	// ones; unset threat and requirement metrics take their worst case.
	eff := func(k string) string {
		v := m[k]
		switch k {
		case "E":
			if v == "" || v == "X" {
				return "A"
			}
			return v
		case "CR", "IR", "AR":
			if v == "" || v == "X" {
				return "H"
			}
			return v
		}
		if mv, ok := m["M"+k]; ok && mv != "X" {
			return mv
		}
		return v
	}
	base := Score{Version: "4.0"}
	if eff("VC") == "N" && eff("VI") == "N" && eff("VA") == "N" && eff("SC") == "N" && eff("SI") == "N" && eff("SA") == "N" {
		base.Severity = SeverityOf(0)
		return base, nil
	}
	av, pr, ui := eff("AV"), eff("PR"), eff("UI")
	var eq [6]int
	switch {
	case av == "N" && pr == "N" && ui == "N":
		eq[0] = 0
	case (av == "N" || pr == "N" || ui == "N") && av != "P":
		eq[0] = 1
	default:
		eq[0] = 2
	}
	if !(eff("AC") == "L" && eff("AT") == "N") {
		eq[1] = 1
	}
	vc, vi, va := eff("VC"), eff("VI"), eff("VA")
	switch {
	case vc == "H" && vi == "H":
		eq[2] = 0
	case vc == "H" || vi == "H" || va == "H":
		eq[2] = 1
	default:
		eq[2] = 2
	}
	switch {
	case eff("SI") == "S" || eff("SA") == "S":
		eq[3] = 0
	case eff("SC") == "H" || eff("SI") == "H" || eff("SA") == "H":
		eq[3] = 1
	default:
		eq[3] = 2
	}
	eq[4] = map[string]int{"A": 0, "P": 1, "U": 2}[eff("E")]
	if !(eff("CR") == "H" && vc == "H" || eff("IR") == "H" && vi == "H" || eff("AR") == "H" && va == "H") {
		eq[5] = 1
	}
	lookup := func(e [6]int) (float64, bool) {
		var b strings.Builder
		for _, d := range e {
			b.WriteString(strconv.Itoa(d))
		}
		s, ok := macroScores[b.String()]
		return s, ok
	}
	value, ok := lookup(eq)
	if !ok {
		return Score{}, &scoreError{vector}
	}
	lower := func(i int) (float64, bool) {
		e := eq
		e[i]++
		return lookup(e)
	}
	next1, ok1 := lower(0)
	next2, ok2 := lower(1)
	next4, ok4 := lower(3)
	next5, ok5 := lower(4)
	// EQ3 and EQ6 step down together.
	var next36 float64
	ok36 := false
	switch {
	case eq[2] == 0 && eq[5] == 0:
		l, okL := lookup([6]int{eq[0], eq[1], eq[2], eq[3], eq[4], eq[5] + 1})
		r, okR := lookup([6]int{eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5]})
		switch {
		case okL && okR:
			next36, ok36 = math.Max(l, r), true
		case okL:
			next36, ok36 = l, true
		case okR:
			next36, ok36 = r, true
		}
	case eq[2] == 1 && eq[5] == 0:
		next36, ok36 = lookup([6]int{eq[0], eq[1], eq[2], eq[3], eq[4], eq[5] + 1})
	case eq[5] == 1 && eq[2] < 2:
		next36, ok36 = lookup([6]int{eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5]})
	default:
		next36, ok36 = lookup([6]int{eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5] + 1})
	}
	key36 := strconv.Itoa(eq[2]) + strconv.Itoa(eq[5])
	// Find the highest-severity vector of this macrovector that the vector
	// does not exceed in any metric.
	dist := func(k, maxV string) float64 { return levels4[k][eff(k)] - levels4[k][maxV] }
	var d map[string]float64
	for _, a := range maxEQ1[eq[0]] {
		for _, b := range maxEQ2[eq[1]] {
			for _, c := range maxEQ36[key36] {
				for _, e := range maxEQ4[eq[3]] {
					cand := map[string]float64{}
					okAll := true
					for _, kv := range strings.Split(a+"/"+b+"/"+c+"/"+e, "/") {
						k, v, _ := strings.Cut(kv, ":")
						cand[k] = dist(k, v)
						if cand[k] < 0 {
							okAll = false
						}
					}
					if okAll {
						d = cand
						break
					}
				}
				if d != nil {
					break
				}
			}
			if d != nil {
				break
			}
		}
		if d != nil {
			break
		}
	}
	if d == nil {
		return Score{}, &scoreError{vector}
	}
	const step = 0.1
	cur1 := d["AV"] + d["PR"] + d["UI"]
	cur2 := d["AC"] + d["AT"]
	cur36 := d["VC"] + d["VI"] + d["VA"] + d["CR"] + d["IR"] + d["AR"]
	cur4 := d["SC"] + d["SI"] + d["SA"]
	n := 0
	var sum float64
	add := func(next float64, ok bool, cur, depth float64) {
		if !ok {
			return
		}
		n++
		sum += (value - next) * (cur / (depth * step))
	}
	add(next1, ok1, cur1, depthEQ1[eq[0]])
	add(next2, ok2, cur2, depthEQ2[eq[1]])
	add(next36, ok36, cur36, depthEQ36[key36])
	add(next4, ok4, cur4, depthEQ4[eq[3]])
	if ok5 {
		n++ // EQ5 has no distance inside a level: it adds 0
	}
	_ = next5
	if n > 0 {
		value -= sum / float64(n)
	}
	value = math.Max(0, math.Min(10, value))
	base.Base = math.Round(value*10) / 10
	base.Severity = SeverityOf(base.Base)
	return base, nil
}

type scoreError struct{ vector string }

func (e *scoreError) Error() string {
	return "score " + strconv.Quote(e.vector) + ": " + ErrInvalidVector.Error() + ": no macrovector"
}

func (e *scoreError) Unwrap() error { return ErrInvalidVector }
