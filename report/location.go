package report

// Location is where an input file declares a resource: the file as the
// reader opened it, and the line and column (both from 1; 0 when the
// reader does not know them) of the resource's key. A template reader
// knows the line of each logical id; a plan reader does not (Terraform
// writes its plan JSON on one line).
type Location struct {
	Path   string
	Line   int
	Column int
}
