package compose

// allRules is the one list of rules, in id order. Tests reject duplicate
// ids and rules without documentation or test data.
var allRules = []*Rule{
	rulePrivileged, ruleCapAdd, ruleDockerSocket, ruleSensitiveMount, ruleHostNetwork,
	ruleHostPID, ruleHostIPC, ruleHostUserns, ruleUnconfined, ruleNoNewPrivileges,
	ruleReadOnly, rulePortsAllInterfaces, rulePrivilegedPorts, ruleEnvSecret, ruleMemoryLimit,
	ruleCPULimit, rulePidsLimit, ruleImageLatest, ruleImageDigest, ruleRestart,
	ruleHealthcheckDisabled, ruleDevices, ruleSysctlKernel, ruleMountPropagation, ruleCgroupParent,
	ruleSharedVolume, ruleRestartRetries, ruleNoHealthcheck, ruleNoCapDrop,
}
