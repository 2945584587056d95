package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/apply"
	"github.com/mageseed/mageseed/magento"
	"github.com/mageseed/mageseed/manifest"
	"github.com/mageseed/mageseed/outputs"
)

// viewFlags choose how results are shown.
type viewFlags struct {
	json    bool
	noColor bool
	quiet   bool
}

func (f *viewFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print machine-readable JSON on stdout (messages stay on stderr)")
	fs.BoolVar(&f.noColor, "no-color", false, "never colour the output (NO_COLOR does the same)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print only errors and the summary")
}

// palette returns the colours for stdout: on a terminal only, unless
// --no-color or NO_COLOR says otherwise.
func (f *viewFlags) palette(s streams) palette {
	_, noColorEnv := os.LookupEnv("NO_COLOR")
	return palette{on: s.outTTY && !f.noColor && !noColorEnv && !f.json}
}

// planOptions are the options of 'mageseed plan'.
type planOptions struct {
	files        []string
	store        storeFlags
	view         viewFlags
	detailedExit bool
	state        stateFlags
	mode         planMode
}

func newPlanCmd(s streams) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan FILE...",
		Short: "Show what apply would change in the store (a diff-only dry run)",
		Long: `Plan reads the manifest and the store's current state and shows, customer by
customer and field by field, what 'mageseed apply' would change. It writes
nothing to the store.

FILE may be a manifest, a directory (its *.yaml and *.yml files, sorted) or -
for standard input.

Exit status: 0 success, 1 error; with --detailed-exitcode, 0 no changes,
1 error, 2 changes pending.`,
		Example: `  mageseed plan --sandbox examples/tutorial.yaml
  MAGENTO_URL=https://shop.example.com mageseed plan --detailed-exitcode customers/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = args
			if err := o.store.check(); err != nil {
				return err
			}
			if err := o.mode.check(); err != nil {
				return err
			}
			return runPlan(cmd.Context(), s, o)
		},
	}
	o.store.register(cmd.Flags())
	o.view.register(cmd.Flags())
	cmd.Flags().BoolVar(&o.detailedExit, "detailed-exitcode", false, "exit 2 when changes are pending, 0 when there are none")
	o.state.register(cmd.Flags(), "the outputs file: its records are recognised and those the manifest no longer declares are listed (a missing file is fine)")
	o.mode.register(cmd.Flags())
	return cmd
}

func runPlan(ctx context.Context, s streams, o *planOptions) error {
	sess, plan, err := openPlan(ctx, s, o.files, o.store, o.view, o.mode, o.state)
	if err != nil {
		return err
	}
	defer sess.Close()
	if o.mode.refresh {
		if o.view.json {
			if err := writeJSON(s.out, refreshJSON(plan, sess.missing)); err != nil {
				return err
			}
		} else {
			renderRefresh(s.out, plan, sess.missing, o.view.palette(s))
		}
		return nil
	}
	if o.view.json {
		if err := writeJSON(s.out, plan); err != nil {
			return err
		}
	} else {
		renderPlan(s.out, plan, o.view.palette(s))
	}
	if len(plan.Duplicates) > 0 {
		return duplicatesError(plan, "plan")
	}
	if o.detailedExit && plan.HasChanges() {
		return exitWith(exitChanges)
	}
	return nil
}

// planMode says which plan a command makes.
type planMode struct {
	destroy bool // delete the manifest's customers
	prune   bool // also delete the recorded, undeclared customers in the prune scope
	refresh bool // record the declared customers as the store holds them; write nothing
	tokens  bool // with refresh: mint the tokens the manifest asks for
}

func (m *planMode) register(fs *pflag.FlagSet) {
	fs.BoolVar(&m.prune, "prune", false, "also delete the customers the outputs file records, the manifest no longer declares and the manifest's prune scope matches")
	fs.BoolVar(&m.refresh, "refresh-only", false, "rebuild the records of the declared customers from the store, writing nothing to it")
	fs.BoolVar(&m.tokens, "tokens", false, "with --refresh-only: also mint the customer tokens the manifest asks for")
}

func (m *planMode) check() error {
	if m.prune && m.refresh {
		return withHint(errors.New("--prune and --refresh-only do not go together"), "--refresh-only writes nothing to the store; run it first, then --prune")
	}
	if m.tokens && !m.refresh {
		return withHint(errors.New("--tokens goes with --refresh-only"), "a normal apply mints the tokens the manifest asks for")
	}
	return nil
}

// session is one command's view of a manifest and the store it targets.
type session struct {
	s        streams
	quiet    bool   // no progress on stderr
	state    *state // the outputs file as the command found it
	manifest *manifest.Manifest
	store    *store
	desired  []mageseed.Customer
	missing  []string // with refresh: declared customers the store does not hold
}

func (ss *session) Close() { ss.store.Close() }

// openPlan loads the manifest, connects to the store, reads the outputs
// file and plans: the changes apply would make, or with mode.destroy the
// deletions. The caller closes the session.
func openPlan(ctx context.Context, s streams, files []string, sf storeFlags, view viewFlags, mode planMode, stf stateFlags) (*session, *apply.Plan, error) {
	sess, err := openSession(ctx, s, files, sf)
	if err != nil {
		return nil, nil, err
	}
	sess.quiet = view.quiet || view.json
	plan, err := sess.plan(ctx, mode, stf)
	if err != nil {
		sess.Close()
		return nil, nil, err
	}
	return sess, plan, nil
}

// openSession loads and validates the manifest, then connects to the store.
func openSession(ctx context.Context, s streams, files []string, sf storeFlags) (*session, error) {
	m, err := loadManifest(s, files)
	if err != nil {
		return nil, err
	}
	st, err := connect(ctx, sf, m.Store.URL, m.Store.StoreCode, s)
	if err != nil {
		return nil, err
	}
	return &session{s: s, manifest: m, store: st}, nil
}

// plan resolves the manifest against the store, reads the outputs file
// and diffs; see planMode for the other plans.
func (ss *session) plan(ctx context.Context, mode planMode, stf stateFlags) (*apply.Plan, error) {
	// The outputs file first: one of another store stops the command
	// before it sends a request.
	st, err := readState(stf.path, stf.reset, currentStore(ss.store, 0))
	if err != nil {
		return nil, err
	}
	ss.state = st
	for _, c := range st.file.Customers {
		ss.s.mask(c.Token) // never printed, whatever quotes it
	}
	sites := &websiteCache{Remote: ss.store.client}
	desired, err := apply.Resolve(ctx, sites, ss.manifest.Customers, ss.manifest.Store.Website)
	if err != nil {
		return nil, storeError(fmt.Errorf("resolve the manifest against %s: %w", ss.store.url, err))
	}
	for _, c := range desired {
		if c.Website == "" {
			st.file.Store.WebsiteID = c.WebsiteID
			break
		}
	}
	st.file.Rekey(desired)
	outputs.Recall(desired, st.file)
	ss.desired = desired
	// The resolved copy is all that is needed from here on; let the
	// manifest's own go.
	ss.manifest.Customers = nil
	prog := newProgress(ss.s, ss.quiet, "reading the store")
	remote, err := apply.ReadWithProgress(ctx, ss.store.client, desired, func(done, total int) {
		prog.event(apply.Event{Done: done, Total: total})
	})
	prog.done()
	if err != nil {
		err = fmt.Errorf("read customers from %s: %w", ss.store.url, err)
		if mageseed.ErrorCode(err) == mageseed.ECONFLICT {
			// The client refuses a search that answers two customers for
			// one (email, website): name them, and say nothing was done.
			what := "nothing was changed"
			if mode.destroy {
				what = "nothing was deleted"
			}
			return nil, withHint(err, "%s; %s", what, duplicatesHint)
		}
		return nil, storeError(err)
	}
	if mode.destroy {
		return apply.DestroyPlan(desired, remote), nil
	}
	md, err := ss.store.client.Metadata(ctx)
	if err != nil {
		return nil, storeError(fmt.Errorf("read the customer attributes and groups of %s: %w", ss.store.url, err))
	}
	if md.CustomerAttributes == nil || md.AddressAttributes == nil {
		fmt.Fprintf(ss.s.err, "mageseed: note: %s does not list its customer attributes (GET /V1/attributeMetadata/...: not found): custom attributes and required attributes are not checked\n", ss.store.url)
	}
	if err := ss.checkStore(md, desired, remote); err != nil {
		return nil, err
	}
	apply.NameGroups(remote, md.Groups)
	apply.LabelOptions(remote, md)
	notes, err := ss.shareScope(ctx, sites.websites, md, desired, remote)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		fmt.Fprintf(ss.s.err, "mageseed: note: %s\n", n)
	}
	p := apply.Diff(desired, remote)
	p.Groups = apply.DiffGroups(ss.manifest.Groups, md.Groups)
	p.StoreGroups = md.Groups
	p.Notes = notes
	p.Undeclared = undeclared(st.file, desired)
	switch {
	case mode.refresh:
		ss.missing = apply.Refresh(p, mode.tokens)
	case mode.prune:
		if err := ss.prune(ctx, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// checkStore checks the resolved customers against the store's metadata
// (attributes, groups, street lines; required attributes for the customers
// to create) and resolves their option labels to ids. Problems are printed
// one a line with their positions, before any write.
func (ss *session) checkStore(md *mageseed.Metadata, desired, remote []mageseed.Customer) error {
	held := make(map[string]bool, len(remote))
	id := func(c *mageseed.Customer) string {
		return strings.ToLower(strings.TrimSpace(c.Email)) + "\x00" + strconv.Itoa(c.WebsiteID)
	}
	for i := range remote {
		held[id(&remote[i])] = true
	}
	errs := ss.manifest.CheckStore(md, desired, func(i int) bool { return !held[id(&desired[i])] })
	if len(errs) == 0 {
		return nil
	}
	for _, e := range errs {
		fmt.Fprintln(ss.s.err, e.Error())
	}
	return withHint(fmt.Errorf("the manifest has %d %s against the store at %s; nothing was written", len(errs), plural(len(errs), "problem", "problems"), ss.store.url),
		"fix them and run the command again; 'mageseed export --metadata FILE' then 'mageseed validate --metadata FILE' checks a manifest against this store offline")
}

// shareScope tells, on a store with several websites, whether customer
// accounts are shared globally (one or two requests, asking about a
// customer the store holds), and returns what the plan says about it. In
// global scope an email declared on two websites is an error: the store
// would refuse the second ("A customer with the same email address already
// exists in an associated website."). A store that does not tell (since
// Magento 2.4.7 one without guest checkout login calls every email
// available) leaves the scope unknown, and the plan says so, naming the
// emails declared on two websites that global sharing would refuse.
func (ss *session) shareScope(ctx context.Context, websites []mageseed.Website, md *mageseed.Metadata, desired, remote []mageseed.Customer) ([]string, error) {
	if len(remote) == 0 {
		return nil, nil // nothing to ask about: the scope stays unknown
	}
	other := 0
	for _, w := range websites {
		if w.ID != 0 && w.ID != remote[0].WebsiteID {
			other = w.ID
			break
		}
	}
	if other == 0 {
		return nil, nil
	}
	scope, err := ss.store.client.ShareScope(ctx, remote[0].Email, remote[0].WebsiteID, other)
	// The scope is a note: a store that does not answer the question
	// leaves it unknown, and a clash is then the create's error.
	md.ShareScope = scope
	first := map[string]*mageseed.Customer{}
	var clash []string
	for i := range desired {
		d := &desired[i]
		e := strings.ToLower(d.Email)
		if f, ok := first[e]; ok && f.WebsiteID != d.WebsiteID {
			clash = append(clash, fmt.Sprintf("customers %s and %s share the email %s on two websites", f.Key, d.Key, d.Email))
			continue
		}
		first[e] = d
	}
	switch {
	case scope == mageseed.ShareWebsite:
		return []string{"the store keeps customer accounts per website: an email may have one account on each website"}, nil
	case scope == "":
		var note string
		if err != nil {
			note = "the store did not answer whether it shares customer accounts across websites (" + esc(err.Error()) + ")"
		} else {
			note = "the store does not tell whether it shares customer accounts across websites: POST /V1/customers/isEmailAvailable calls an email it holds available " +
				"(Magento 2.4.7 and later answer so unless guest checkout login is on)"
		}
		if len(clash) == 0 {
			return []string{note}, nil
		}
		return []string{note + "; " + strings.Join(clash, "; ") +
			": a store that shares accounts globally refuses the second (\"A customer with the same email address already exists in an associated website.\")"}, nil
	}
	notes := []string{"the store shares customer accounts globally: an email is one account across all websites"}
	if len(clash) > 0 {
		return nil, withHint(fmt.Errorf("the store shares customer accounts globally, and %s", strings.Join(clash, "; ")),
			"declare each email once: the store refuses a second account with the same email on another website")
	}
	return notes, nil
}

// prune adds to p the deletes of apply --prune (see apply.Prune).
func (ss *session) prune(ctx context.Context, p *apply.Plan) error {
	ps := ss.manifest.Prune
	if ps == nil {
		return withHint(errors.New("--prune needs the manifest's prune scope"),
			"add a prune section at the top of the manifest, e.g. prune: {emailLike: \"%%@example.test\"}; only customers it matches are ever deleted")
	}
	if len(ss.desired) == 0 {
		// Load refuses a manifest without customers; should one get here,
		// it still deletes nothing.
		return nil
	}
	if len(p.Undeclared) == 0 {
		return nil
	}
	scope := apply.Scope{EmailLike: ps.EmailLike, GroupID: ps.Group}
	if ps.Website != "" {
		sites, err := ss.store.client.Websites(ctx)
		if err != nil {
			return storeError(fmt.Errorf("read websites from %s: %w", ss.store.url, err))
		}
		var codes []string
		for _, w := range sites {
			if strings.EqualFold(w.Code, ps.Website) {
				id := w.ID
				scope.WebsiteID = &id
			}
			codes = append(codes, w.Code)
		}
		if scope.WebsiteID == nil {
			return withHint(fmt.Errorf("prune.website %q is not a website of %s", ps.Website, ss.store.url), "use one of %s", strings.Join(codes, ", "))
		}
	}
	remote, err := findUndeclared(ctx, ss.store.client, p.Undeclared)
	if err != nil {
		return storeError(fmt.Errorf("read the undeclared customers from %s: %w", ss.store.url, err))
	}
	apply.Prune(p, p.Undeclared, remote, scope)
	return nil
}

// loadManifest loads the files. Invalid input prints every problem, one
// per line with its position, and returns an error that counts them.
func loadManifest(s streams, files []string) (*manifest.Manifest, error) {
	m, err := manifest.Load(files, manifest.Options{Stdin: s.in, Getenv: os.LookupEnv})
	if m != nil {
		s.mask(m.Secrets...)
	}
	if err == nil {
		return m, nil
	}
	var errs manifest.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(s.err, esc(e.Error()))
		}
		return nil, withHint(fmt.Errorf("the manifest has %d %s", len(errs), plural(len(errs), "problem", "problems")),
			"fix them and run the command again; 'mageseed validate' checks a manifest without a store")
	}
	return nil, err
}

// storeError adds a hint to errors whose cause people can act on.
func storeError(err error) error {
	if h := magento.Hint(err); h != "" {
		return withHint(err, "%s", h)
	}
	switch mageseed.ErrorCode(err) {
	case mageseed.EUNAUTHORIZED:
		return withHint(err, "check MAGENTO_ADMIN_TOKEN, or MAGENTO_ADMIN_USERNAME and MAGENTO_ADMIN_PASSWORD; the token needs the Magento_Customer::manage resource")
	case mageseed.EUNAVAILABLE:
		return withHint(err, "the store did not answer; check the URL and try again")
	}
	return err
}

// websiteCache is a Remote that reads the store's websites once and keeps
// them, so that plan asks for them one time.
type websiteCache struct {
	apply.Remote
	websites []mageseed.Website
}

func (w *websiteCache) Websites(ctx context.Context) ([]mageseed.Website, error) {
	if w.websites != nil {
		return w.websites, nil
	}
	ws, err := w.Remote.Websites(ctx)
	if err == nil {
		w.websites = ws
	}
	return ws, err
}
