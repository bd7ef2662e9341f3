package audit

// ProposedChanges are the changes the rows of Evaluate(f, opts) ask for,
// in the order the rules ask for them, before PlanFixes merges, orders and
// checks them: a test of a source of facts (audit/live's replay of an
// account, whose ids are not all hex) can see which changes its facts
// lead to without a plan.
func ProposedChanges(f *Facts, opts Options) []Change {
	e := &evaluator{f: f, opts: opts}
	e.evaluate()
	return e.fixes
}
