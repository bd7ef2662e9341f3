package live

// IsTaskDefinitionFile reports whether a --task-definition value names a
// file (a RegisterTaskDefinition input) rather than FAMILY[:REVISION] or
// an ARN: the outputs that point at a source file (SARIF's physical
// location) name it then.
func IsTaskDefinitionFile(v string) bool { return isTaskDefinitionFile(v) }
