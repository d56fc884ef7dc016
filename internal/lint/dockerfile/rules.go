package dockerfile

// allRules is the one list of rules, in id order. A test rejects duplicate
// ids and rules without documentation or test data.
var allRules = []*Rule{
	rule001, rule002, rule003, rule004, rule005, rule006, rule007, rule008, rule009, rule010,
	rule011, rule012, rule013, rule014, rule015, rule016, rule017, rule018, rule019, rule020,
	rule021, rule022, rule023, rule024, rule025, rule026, rule027, rule028, rule029, rule030,
	rule031, rule032, rule033, rule034, rule035, rule036, rule037, rule038, rule039, rule040,
	rule041, rule042, rule043, rule044, rule045, rule046, rule047, rule048, rule049, rule050,
	rule051, rule052, rule053, rule054, rule055, rule056, rule057, rule058, rule059, rule060,
	rule061, rule062, rule063, rule064, rule065, rule066, rule067, rule068, rule069, rule070,
	rule071, rule072, rule073, rule074, rule075, rule076, rule077, rule078, rule079, rule080,
	rule081, rule082, rule083, rule084, rule085, rule086, rule087, rule088, rule089, rule090,
	rule091,
}
