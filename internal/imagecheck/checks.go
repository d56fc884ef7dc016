package imagecheck

// allRules is the one list of checks, in id order. Tests reject duplicate
// ids and checks without a documentation page or a table test.
var allRules = []*rule{
	checkRoot, checkHealthcheck, checkSetuid, checkWorldWritable,
	checkShells, checkPackageManagers, checkCompilers, checkNetworkTools,
	checkEOL, checkLatest, checkRemoteAdd, checkSudo, checkExposeSSH,
	checkSecretEnv, checkCaches, checkLayerCount, checkSensitiveVolume, checkUnneeded,
	checkCredentialFiles,
}
