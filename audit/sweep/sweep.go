package sweep

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/preflight-dev/preflight/audit"
	"github.com/preflight-dev/preflight/audit/live"
	"github.com/preflight-dev/preflight/report"
)

// Sweeper runs one sweep. Its fields are set once; Run may be called
// once.
type Sweeper struct {
	Spec Spec
	// Input is what to read in each account-Region (clusters, services);
	// an empty Cluster sweeps every cluster.
	Input live.Input
	// Options are the rules' options.
	Options audit.Options
	// Region is where the caller's calls go (organizations:ListAccounts,
	// sts:AssumeRole, ec2:DescribeRegions): --region, else the AWS
	// configuration's, else the first of Spec.Regions.
	Region string
	// LoadOptions configure every client, the caller's and each
	// account's (the SDK's logger; endpoints in tests).
	LoadOptions []func(*awsconfig.LoadOptions) error
	// Now is the clock; the AssumeRole session names carry its time.
	Now func() time.Time
	// Progress, when set, is told of each account-Region as it ends.
	Progress *Progress

	// scopeDone, when set, is called with each account-Region's rows as
	// they come in, while the sweep goes on: the tests hold one account's
	// answers until the others' rows are in.
	scopeDone func(account, region string, rows []report.Result)
}

// Outcome is what a sweep read and judged.
type Outcome struct {
	// Rows are every account-Region's rows, each with its Account and
	// Region, in the order of the accounts and then of the Regions.
	Rows []report.Result
	// Region is the caller's Region, where the sweep started.
	Region string
	// Scopes are the account-Regions (or whole accounts whose role or
	// Region list failed) the sweep set out to read, as far as it knew
	// them; Done of them ended.
	Scopes, Done int
	// Partial says the context ended the sweep before every scope was
	// read: Rows hold those that were.
	Partial bool
}

// unit is one account-Region, or one account whose Regions are unknown.
type unit struct {
	account, region string
	// order sorts the rows: the account's index, then the Region's.
	order [2]int
}

// result is one unit's rows.
type result struct {
	unit
	rows []report.Result
	done bool
}

// Run sweeps. An error means nothing could be swept (no configuration, no
// Region, the Organization could not be listed); everything after that is
// a row.
func (s *Sweeper) Run(ctx context.Context) (*Outcome, error) {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	progress := s.Progress
	if progress == nil {
		progress = &Progress{}
	}
	opts := append(slices.Clone(s.LoadOptions), awsconfig.WithAPIOptions(progress.apiOptions()))
	region := s.Region
	if region == "" && len(s.Spec.Regions) > 0 {
		region = s.Spec.Regions[0]
	}
	var regionOpt []func(*awsconfig.LoadOptions) error
	if region != "" {
		regionOpt = append(regionOpt, awsconfig.WithRegion(region))
	}
	base, err := awsconfig.LoadDefaultConfig(ctx, append(regionOpt, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if base.Region == "" {
		return nil, &live.InputError{Input: "--region", Err: errors.New("no region for the sweep's own calls: set --region, AWS_REGION or a profile's region")}
	}
	accounts := s.Spec.accounts(s.Spec.Accounts)
	if s.Spec.OrgAccounts {
		org, err := newOrgClient(ctx, base, now)
		if err != nil {
			return nil, &live.InputError{Input: "--accounts", Err: err}
		}
		ids, err := OrgAccounts(ctx, org)
		if err != nil && ctx.Err() != nil {
			// Interrupted before the first account: nothing read.
			return &Outcome{Region: base.Region, Partial: true}, nil
		}
		if err != nil {
			return nil, &live.EnvironmentError{Err: fmt.Errorf("list the Organization's accounts (run it in the management account or a delegated administrator account): %w", err)}
		}
		accounts = s.Spec.accounts(ids)
	}
	if len(accounts) == 0 && !s.Spec.OrgAccounts {
		// No --accounts: the caller's own account, with its own
		// credentials; its id comes from what the reader reads.
		accounts = []string{""}
	}
	sw := &sweep{s: s, base: base, opts: opts, progress: progress, sem: make(chan struct{}, s.Spec.parallel()),
		session: "preflight-audit-" + strconv.FormatInt(now().Unix(), 10)}
	progress.start(len(accounts))
	var wg sync.WaitGroup
	for i, account := range accounts {
		wg.Go(func() { sw.account(ctx, i, account, &wg) })
	}
	wg.Wait()
	out := &Outcome{Region: base.Region}
	slices.SortFunc(sw.results, func(a, b result) int {
		if a.order[0] != b.order[0] {
			return a.order[0] - b.order[0]
		}
		return a.order[1] - b.order[1]
	})
	judged := false
	for _, r := range sw.results {
		out.Scopes++
		if !r.done {
			out.Partial = true
			continue
		}
		out.Done++
		out.Rows = append(out.Rows, r.rows...)
		for _, row := range r.rows {
			if row.Status != report.StatusSkip && row.Class != report.ClassUndecided {
				judged = true
			}
		}
	}
	if ctx.Err() != nil {
		out.Partial = true
	}
	if !judged && !out.Partial {
		out.Rows = append(out.Rows, coverageRow(s.Options))
	}
	return out, nil
}

// sweep is one run's shared state.
type sweep struct {
	s        *Sweeper
	base     aws.Config
	opts     []func(*awsconfig.LoadOptions) error
	progress *Progress
	session  string
	// sem bounds the account-Regions (and account set-ups) in flight.
	sem chan struct{}

	mu      sync.Mutex
	results []result
}

func (sw *sweep) add(r result) {
	sw.mu.Lock()
	sw.results = append(sw.results, r)
	sw.mu.Unlock()
	if r.done {
		sw.progress.scopeDone()
		if sw.s.scopeDone != nil {
			sw.s.scopeDone(r.account, r.region, r.rows)
		}
	}
}

// acquire takes a slot of sem; false when the context ended first (a
// slot won after it ended is given back: nothing new starts then).
func (sw *sweep) acquire(ctx context.Context) bool {
	select {
	case sw.sem <- struct{}{}:
		if ctx.Err() != nil {
			sw.release()
			return false
		}
		return true
	case <-ctx.Done():
		return false
	}
}

func (sw *sweep) release() { <-sw.sem }

// account reads one account: its credentials (the role, assumed once and
// cached for all its Regions), its Regions, then each Region in its own
// goroutine, which wg waits for.
func (sw *sweep) account(ctx context.Context, i int, account string, wg *sync.WaitGroup) {
	defer sw.progress.accountDone()
	spec := sw.s.Spec
	whole := unit{account: account, region: sw.base.Region, order: [2]int{i, -1}}
	if !sw.acquire(ctx) {
		sw.add(result{unit: whole})
		return
	}
	var creds aws.CredentialsProvider
	if spec.RoleName != "" {
		arn := RoleARN(sw.base.Region, account, spec.RoleName)
		creds = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(sw.base), arn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = sw.session
			if spec.ExternalID != "" {
				o.ExternalID = aws.String(spec.ExternalID)
			}
		}))
		if _, err := creds.Retrieve(ctx); err != nil {
			sw.release()
			if ctx.Err() != nil {
				sw.add(result{unit: whole})
				return
			}
			why := "none of the account's Regions is read"
			sw.add(result{unit: whole, done: true, rows: []report.Result{
				undecidedRow(account, sw.base.Region, ActionAssumeRole, arn, err, why, hintAssumeRole, sw.s.Options)}})
			return
		}
	}
	regions := spec.Regions
	if spec.AllRegions {
		cfg := sw.base.Copy()
		if creds != nil {
			cfg.Credentials = creds
		}
		var err error
		regions, err = EnabledRegions(ctx, ec2.NewFromConfig(cfg))
		if err != nil {
			sw.release()
			if ctx.Err() != nil {
				sw.add(result{unit: whole})
				return
			}
			sw.add(result{unit: whole, done: true, rows: []report.Result{
				undecidedRow(account, sw.base.Region, ActionDescribeRegions, "", err, "the account's Regions are not known, so none is read", hintRegion, sw.s.Options)}})
			return
		}
	}
	sw.release()
	if len(regions) == 0 {
		regions = []string{sw.base.Region}
	}
	sw.progress.addScopes(len(regions))
	for j, region := range regions {
		wg.Go(func() { sw.scope(ctx, unit{account: account, region: region, order: [2]int{i, j}}, creds) })
	}
}

// scope reads and judges one account-Region with its own clients (and so
// its own retryers): a throttled account-Region backs off alone.
func (sw *sweep) scope(ctx context.Context, u unit, creds aws.CredentialsProvider) {
	if !sw.acquire(ctx) {
		sw.add(result{unit: u})
		return
	}
	defer sw.release()
	opts := slices.Clone(sw.opts)
	if creds != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(creds))
	}
	in := sw.s.Input
	if in.Cluster == "" {
		in.AllClusters = true
	}
	api, region, err := live.NewSDKClients(ctx, u.region, opts...)
	var facts *audit.Facts
	if err == nil {
		facts, err = (&live.Gatherer{API: api, Region: region}).Gather(ctx, in)
	}
	if ctx.Err() != nil {
		sw.add(result{unit: u})
		return
	}
	if err != nil {
		sw.add(result{unit: u, done: true, rows: []report.Result{sw.failedRow(u, err)}})
		return
	}
	account := u.account
	if account == "" {
		account = facts.Account
	}
	if un := audit.FindUndecided(facts, audit.ActionListClusters); un != nil {
		// Not even the clusters could be listed (an SCP's deny, a
		// Region not enabled): one row says so, instead of the rows of
		// the placeholder cluster that stands for every unknown one.
		msg := un.Err
		if un.Code != "" && !strings.HasPrefix(msg, un.Code) {
			msg = un.Code + ": " + msg
		}
		row := undecidedRow(account, u.region, un.Action, "", errors.New(msg), "no cluster of the account-Region is read", hintRegion, sw.s.Options)
		sw.add(result{unit: u, done: true, rows: []report.Result{row}})
		return
	}
	var rows []report.Result
	for _, row := range audit.Evaluate(facts, sw.s.Options) {
		if row.Check == audit.CheckCoverage {
			// Judged over the whole sweep instead: one empty
			// account-Region is no reason for exit 18.
			continue
		}
		row.Account, row.Region = account, u.region
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		rows = append(rows, emptyRow(account, u.region))
	}
	sw.add(result{unit: u, done: true, rows: rows})
}

// failedRow is the row of an account-Region whose read ended with an
// error: a named cluster it lacks (or that vanished), or an API that
// could not be reached or denied every call.
func (sw *sweep) failedRow(u unit, err error) report.Result {
	var inputErr *live.InputError
	if errors.As(err, &inputErr) {
		return undecidedRow(u.account, u.region, audit.ActionDescribeClusters, sw.s.Input.Cluster, err, "", hintCluster, sw.s.Options)
	}
	return undecidedRow(u.account, u.region, "read the account-Region", "", err, "", hintRegion, sw.s.Options)
}
