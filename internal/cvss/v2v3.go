package cvss

import (
	"math"
	"strings"
)

var allowed2 = map[string]string{
	"AV": "L,A,N", "AC": "H,M,L", "Au": "M,S,N", "C": "N,P,C", "I": "N,P,C", "A": "N,P,C",
	"E": "U,POC,F,H,ND", "RL": "OF,TF,W,U,ND", "RC": "UC,UR,C,ND",
	"CDP": "N,L,LM,MH,H,ND", "TD": "N,L,M,H,ND", "CR": "L,M,H,ND", "IR": "L,M,H,ND", "AR": "L,M,H,ND",
}

func score2(vector string) (Score, error) {
	m, err := metrics(vector, strings.Split(vector, "/"), allowed2)
	if err != nil {
		return Score{}, err
	}
	if err := requireAll(vector, m, "AV", "AC", "Au", "C", "I", "A"); err != nil {
		return Score{}, err
	}
	av := map[string]float64{"L": 0.395, "A": 0.646, "N": 1.0}[m["AV"]]
	ac := map[string]float64{"H": 0.35, "M": 0.61, "L": 0.71}[m["AC"]]
	au := map[string]float64{"M": 0.45, "S": 0.56, "N": 0.704}[m["Au"]]
	cia := map[string]float64{"N": 0, "P": 0.275, "C": 0.660}
	impact := 10.41 * (1 - (1-cia[m["C"]])*(1-cia[m["I"]])*(1-cia[m["A"]]))
	exploit := 20 * av * ac * au
	f := 1.176
	if impact == 0 {
		f = 0
	}
	base := round1((0.6*impact + 0.4*exploit - 1.5) * f)
	if base < 0 {
		base = 0
	}
	return Score{Version: "2.0", Base: base, Severity: severity2(base)}, nil
}

var allowed3 = map[string]string{
	"AV": "N,A,L,P", "AC": "L,H", "PR": "N,L,H", "UI": "N,R", "S": "U,C",
	"C": "H,L,N", "I": "H,L,N", "A": "H,L,N",
	"E": "X,U,P,F,H", "RL": "X,O,T,W,U", "RC": "X,U,R,C",
	"CR": "X,L,M,H", "IR": "X,L,M,H", "AR": "X,L,M,H",
	"MAV": "X,N,A,L,P", "MAC": "X,L,H", "MPR": "X,N,L,H", "MUI": "X,N,R", "MS": "X,U,C",
	"MC": "X,H,L,N", "MI": "X,H,L,N", "MA": "X,H,L,N",
}

// score3 computes the CVSS 3.0 / 3.1 base score (temporal and
// environmental metrics are read for validity but do not change it).
func score3(vector string) (Score, error) {
	version := vector[len("CVSS:"):len("CVSS:3.x")]
	m, err := metrics(vector, strings.Split(vector, "/")[1:], allowed3)
	if err != nil {
		return Score{}, err
	}
	if err := requireAll(vector, m, "AV", "AC", "PR", "UI", "S", "C", "I", "A"); err != nil {
		return Score{}, err
	}
	changed := m["S"] == "C"
	av := map[string]float64{"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}[m["AV"]]
	ac := map[string]float64{"L": 0.77, "H": 0.44}[m["AC"]]
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}[m["PR"]]
	if changed {
		pr = map[string]float64{"N": 0.85, "L": 0.68, "H": 0.5}[m["PR"]]
	}
	ui := map[string]float64{"N": 0.85, "R": 0.62}[m["UI"]]
	cia := map[string]float64{"H": 0.56, "L": 0.22, "N": 0}
	iss := 1 - (1-cia[m["C"]])*(1-cia[m["I"]])*(1-cia[m["A"]])
	var impact float64
	if changed {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	} else {
		impact = 6.42 * iss
	}
	exploit := 8.22 * av * ac * pr * ui
	roundup := roundup31
	if version == "3.0" {
		roundup = roundup30
	}
	var base float64
	switch {
	case impact <= 0:
		base = 0
	case changed:
		base = roundup(math.Min(1.08*(impact+exploit), 10))
	default:
		base = roundup(math.Min(impact+exploit, 10))
	}
	return Score{Version: version, Base: base, Severity: SeverityOf(base)}, nil
}

// roundup31 is CVSS 3.1's Roundup, which avoids floating-point surprises.
func roundup31(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}

// roundup30 is CVSS 3.0's Roundup: the smallest one-decimal number >= x.
func roundup30(x float64) float64 { return math.Ceil(x*10) / 10 }
