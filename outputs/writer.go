package outputs

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Output formats.
const (
	FormatJSON   = "json"
	FormatYAML   = "yaml"
	FormatDotenv = "dotenv"
	FormatGitHub = "github" // the JSON file, plus step outputs appended to $GITHUB_OUTPUT at Close
)

// Formats lists the output formats NewWriter accepts.
var Formats = []string{FormatJSON, FormatYAML, FormatDotenv, FormatGitHub}

// minFlushInterval is the shortest time between two writes of the outputs
// file. The interval grows with the time a write takes (flushCostFactor
// times it), so that rewriting a large file stays a small fraction of a
// run and the cost per customer does not grow with their number.
const (
	minFlushInterval = 250 * time.Millisecond
	flushCostFactor  = 8
)

// Writer keeps the outputs file up to date while Apply runs. Records
// are batched: the file is rewritten at most every ~250 ms (longer when a
// rewrite is slow), by the writer's own goroutine, and on Flush and Close.
// Every rewrite replaces the file atomically with mode 0600, so a reader
// always sees a complete file, and an interrupted run leaves what was done.
// The methods are safe for concurrent use.
type Writer struct {
	path   string
	format string

	// githubOutput is $GITHUB_OUTPUT as it was when the writer was made.
	githubOutput string
	// delimiter returns a fresh heredoc delimiter (random; replaceable in
	// tests).
	delimiter func() string

	mu    sync.Mutex // guards the fields below
	out   *File
	dirty bool
	err   error // the last write's failure; nil once a write succeeds

	flushMu sync.Mutex // serialises writes of the file

	quit      chan struct{}
	loopDone  chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// NewWriter returns a writer of the outputs file at path in format
// (json, yaml, dotenv or github; "" means json). It starts from base, the
// outputs of earlier runs (nil for none), so that customers recorded
// before are kept; base is copied, not changed. The file is first written
// within ~250 ms. Close the writer to write the final state.
func NewWriter(path, format string, base *File) (*Writer, error) {
	if format == "" {
		format = FormatJSON
	}
	if !slices.Contains(Formats, format) {
		return nil, fmt.Errorf("open outputs %s: unknown format %q (want one of %s)", path, format, strings.Join(Formats, ", "))
	}
	w := &Writer{
		path:      path,
		format:    format,
		delimiter: randomDelimiter,
		out:       &File{Version: Version, Customers: make(map[string]Customer)},
		dirty:     true,
		quit:      make(chan struct{}),
		loopDone:  make(chan struct{}),
	}
	if format == FormatGitHub {
		w.githubOutput = os.Getenv("GITHUB_OUTPUT")
		if w.githubOutput == "" {
			return nil, fmt.Errorf("open outputs %s: format github needs $GITHUB_OUTPUT, which is not set", path)
		}
	}
	if base != nil {
		w.out.Store = base.Store
		for k, c := range base.Customers {
			c.Addresses = maps.Clone(c.Addresses)
			w.out.Customers[k] = c
		}
	}
	go w.loop()
	return w, nil
}

// SetStore sets the store the outputs describe.
func (w *Writer) SetStore(s Store) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Store = s
	w.dirty = true
}

// Record sets the entry of customer key, replacing any earlier one. The
// writer keeps c as it is: the caller must not change c.Addresses after.
// The write to disk is batched.
func (w *Writer) Record(key string, c Customer) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Customers[key] = c
	w.dirty = true
}

// RecordGroup sets the record of customer group key.
func (w *Writer) RecordGroup(key string, g Group) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.out.Groups == nil {
		w.out.Groups = make(map[string]Group)
	}
	w.out.Groups[key] = g
	w.dirty = true
}

// Forget removes the entry of customer key (a deleted customer).
func (w *Writer) Forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.out.Customers[key]; ok {
		delete(w.out.Customers, key)
		w.dirty = true
	}
}

// File returns a copy of the current outputs.
func (w *Writer) File() *File {
	w.mu.Lock()
	defer w.mu.Unlock()
	o := *w.out
	o.Customers = maps.Clone(w.out.Customers)
	o.Groups = maps.Clone(w.out.Groups)
	return &o
}

// Flush writes the file now if anything changed since the last write. It
// returns the error of the last write when that failed.
func (w *Writer) Flush() error {
	w.flush()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close stops the background writes, writes the final state and, for the
// github format, appends the step outputs to $GITHUB_OUTPUT. It returns an
// error when the file could not be written. Calling Close again returns
// the same error.
func (w *Writer) Close() error {
	w.closeOnce.Do(func() {
		close(w.quit)
		<-w.loopDone
		err := w.Flush()
		if err == nil && w.format == FormatGitHub {
			err = w.appendGitHub()
		}
		w.closeErr = err
	})
	return w.closeErr
}

// loop flushes the outputs in the background until Close.
func (w *Writer) loop() {
	defer close(w.loopDone)
	interval := minFlushInterval
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-w.quit:
			return
		case <-t.C:
			took := w.flush()
			interval = max(minFlushInterval, flushCostFactor*took)
			t.Reset(interval)
		}
	}
}

// flush writes the outputs if they changed, and returns how long that
// took. Records wait only while the outputs are copied (a shallow copy of
// the customer map), not while they are encoded and written.
func (w *Writer) flush() time.Duration {
	w.flushMu.Lock()
	defer w.flushMu.Unlock()
	start := time.Now()
	w.mu.Lock()
	if !w.dirty {
		w.mu.Unlock()
		return 0
	}
	snap := *w.out
	snap.Customers = maps.Clone(w.out.Customers)
	snap.Groups = maps.Clone(w.out.Groups)
	w.dirty = false
	w.mu.Unlock()
	err := WriteFileAtomic(w.path, 0o600, func(f io.Writer) error { return Encode(f, &snap, w.format) })
	w.mu.Lock()
	if err != nil {
		w.err = err
		w.dirty = true // try again on the next flush
	} else {
		w.err = nil // the file now holds everything: an earlier failure is healed
	}
	w.mu.Unlock()
	return time.Since(start)
}

// Encode writes o to f in format (the github format writes the json file).
func Encode(f io.Writer, o *File, format string) error {
	bw := bufio.NewWriterSize(f, 64*1024)
	var err error
	switch format {
	case FormatYAML:
		err = encodeYAML(bw, o)
	case FormatDotenv:
		err = encodeDotenv(bw, o)
	default:
		err = encodeJSON(bw, o)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// encodeJSON writes o as indented JSON, one customer at a time (keys
// sorted), so that a large file never sits in memory whole. The bytes are
// those json.MarshalIndent(o, "", "  ") gives.
func encodeJSON(w *bufio.Writer, o *File) error {
	store, err := json.MarshalIndent(o.Store, "  ", "  ")
	if err != nil {
		return fmt.Errorf("encode outputs: %w", err)
	}
	fmt.Fprintf(w, "{\n  \"version\": %d,\n  \"store\": %s,\n  \"customers\": ", o.Version, store)
	if len(o.Customers) == 0 {
		w.WriteString("{}")
	} else {
		w.WriteString("{")
		for i, key := range slices.Sorted(maps.Keys(o.Customers)) {
			k, err := json.Marshal(key)
			if err != nil {
				return fmt.Errorf("encode outputs: %w", err)
			}
			c, err := json.MarshalIndent(o.Customers[key], "    ", "  ")
			if err != nil {
				return fmt.Errorf("encode outputs: customer %s: %w", key, err)
			}
			if i > 0 {
				w.WriteString(",")
			}
			w.WriteString("\n    ")
			w.Write(k)
			w.WriteString(": ")
			w.Write(c)
		}
		w.WriteString("\n  }")
	}
	if len(o.Groups) > 0 {
		g, err := json.MarshalIndent(o.Groups, "  ", "  ")
		if err != nil {
			return fmt.Errorf("encode outputs: %w", err)
		}
		w.WriteString(",\n  \"groups\": ")
		w.Write(g)
	}
	w.WriteString("\n}\n")
	return nil
}

// appendGitHub appends every value of the outputs to $GITHUB_OUTPUT as step
// outputs, in the multiline form `name<<DELIMITER`, value, `DELIMITER`,
// with a random delimiter that the value does not contain, so that no value
// can end its entry early or inject another output.
func (w *Writer) appendGitHub() error {
	var buf bytes.Buffer
	for _, kv := range w.File().flatten("_", false) {
		delim := w.delimiter()
		for strings.Contains(kv.value, delim) || strings.Contains(kv.name, delim) {
			delim = w.delimiter()
		}
		fmt.Fprintf(&buf, "%s<<%s\n%s\n%s\n", kv.name, delim, kv.value, delim)
	}
	f, err := os.OpenFile(w.githubOutput, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("append outputs to $GITHUB_OUTPUT: %w", err)
	}
	_, err = f.Write(buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append outputs to $GITHUB_OUTPUT: %w", err)
	}
	return nil
}

func randomDelimiter() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "MAGESEED_EOF_" + hex.EncodeToString(b)
}

// namedValue is one flattened output value.
type namedValue struct{ name, value string }

// flatten lists the outputs as named values, customers sorted by name:
// store_url, store_code, store_website_id, then per customer
// customers_<key>_id, _email, _website_id, _group_id, _token,
// _token_expires_at and _address_<addr>_id, _default_billing,
// _default_shipping, then per customer group groups_<key>_id. Names use
// sep between parts; with upper they are upper-case, and customers and
// groups go without their prefix: MAGESEED_<KEY>_ID for a customer,
// MAGESEED_GROUP_<KEY>_ID for a group. Characters other than letters,
// digits and "_" become "_".
func (o *File) flatten(sep string, upper bool) []namedValue {
	out := append(o.flattenStore(sep, upper), o.flattenCustomers(sep, upper)...)
	return append(out, o.flattenGroups(sep, upper)...)
}

// flattenGroups lists the groups' ids (see flatten), in the order of their
// names.
func (o *File) flattenGroups(sep string, upper bool) []namedValue {
	prefix := "groups"
	if upper {
		prefix = "group"
	}
	keys := slices.SortedFunc(maps.Keys(o.Groups), func(a, b string) int {
		if c := strings.Compare(sanitizeName(a, true), sanitizeName(b, true)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	out := make([]namedValue, 0, len(keys))
	for _, key := range keys {
		n := strings.Join([]string{sanitizeName(prefix, upper), sanitizeName(key, upper), sanitizeName("id", upper)}, sep)
		out = append(out, namedValue{n, strconv.Itoa(o.Groups[key].ID)})
	}
	return out
}

// flattenStore lists the store's own values (see flatten).
func (o *File) flattenStore(sep string, upper bool) []namedValue {
	name := func(parts ...string) string {
		for i, p := range parts {
			parts[i] = sanitizeName(p, upper)
		}
		return strings.Join(parts, sep)
	}
	out := []namedValue{
		{name("store", "url"), o.Store.URL},
		{name("store", "code"), o.Store.StoreCode},
		{name("store", "website", "id"), strconv.Itoa(o.Store.WebsiteID)},
	}
	if o.Store.Sandbox != "" {
		out = append(out, namedValue{name("store", "sandbox"), o.Store.Sandbox})
	}
	return out
}

// flattenCustomers lists the customers' values (see flatten).
func (o *File) flattenCustomers(sep string, upper bool) []namedValue {
	name := func(parts ...string) string {
		for i, p := range parts {
			parts[i] = sanitizeName(p, upper)
		}
		return strings.Join(parts, sep)
	}
	var out []namedValue
	add := func(n, v string) { out = append(out, namedValue{n, v}) }
	prefix := "customers"
	if upper {
		prefix = "" // MAGESEED_<KEY>_ID, not MAGESEED_CUSTOMERS_<KEY>_ID
	}
	// Customers in the order of their names, so that a dotenv file read
	// back (keys lower-cased) is written again in the same order.
	keys := slices.SortedFunc(maps.Keys(o.Customers), func(a, b string) int {
		if c := strings.Compare(sanitizeName(a, true), sanitizeName(b, true)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	for _, key := range keys {
		c := o.Customers[key]
		cn := func(parts ...string) string {
			if prefix == "" {
				return name(append([]string{key}, parts...)...)
			}
			return name(append([]string{prefix, key}, parts...)...)
		}
		add(cn("id"), strconv.Itoa(c.ID))
		add(cn("email"), c.Email)
		add(cn("website", "id"), strconv.Itoa(c.WebsiteID))
		add(cn("group", "id"), strconv.Itoa(c.GroupID))
		if c.Token != "" {
			add(cn("token"), c.Token)
			add(cn("token", "expires", "at"), c.TokenExpiresAt)
		}
		for _, ak := range slices.Sorted(maps.Keys(c.Addresses)) {
			a := c.Addresses[ak]
			add(cn("address", ak, "id"), strconv.Itoa(a.ID))
			add(cn("address", ak, "default", "billing"), strconv.FormatBool(a.DefaultBilling))
			add(cn("address", ak, "default", "shipping"), strconv.FormatBool(a.DefaultShipping))
		}
	}
	return out
}

// sanitizeName keeps ASCII letters and digits and turns everything else
// into "_".
func sanitizeName(s string, upper bool) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			if upper {
				b[i] = c - 'a' + 'A'
			}
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// encodeYAML writes o as YAML, through yaml.v3, after a comment that says
// the file holds secrets.
func encodeYAML(w *bufio.Writer, o *File) error {
	w.WriteString("# Written by mageseed. Holds customer tokens: keep it private.\n")
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(o); err != nil {
		return fmt.Errorf("encode outputs: %w", err)
	}
	return enc.Close()
}

// encodeDotenv renders the outputs as MAGESEED_<NAME>=<value> lines. Values
// other than plain numbers and booleans are single-quoted, each single quote
// inside written as quote, backslash, quote, quote (the POSIX shell idiom),
// so that a shell sourcing the file, and dotenv readers that honour single
// quotes, read each value literally.
func encodeDotenv(b *bufio.Writer, o *File) error {
	b.WriteString("# Written by mageseed. Holds customer tokens: keep it private.\n")
	for _, kv := range o.flatten("_", true) {
		b.WriteString("MAGESEED_")
		b.WriteString(kv.name)
		b.WriteByte('=')
		b.WriteString(dotenvQuote(kv.value))
		b.WriteByte('\n')
	}
	return nil
}

func dotenvQuote(v string) string {
	if _, err := strconv.Atoi(v); err == nil {
		return v
	}
	if v == "true" || v == "false" {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
