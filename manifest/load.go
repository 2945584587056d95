package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/mageseed/mageseed"
)

// DefaultMaxBytes is the size limit of one input when Options.MaxBytes is 0.
// A manifest that declares 100,000 customers with an address each is about
// 45 MB.
const DefaultMaxBytes = 64 << 20

// maxValues bounds the number of YAML values in one input, or in one
// customer when Load cuts the customers block (see chunk.go). It is
// estimated from separators before parsing, so that the parsed tree stays
// within a few hundred megabytes whatever the input.
var maxValues = 2_500_000

// maxErrors is the number of problems after which Load stops looking: a
// file that is wrong everywhere would otherwise cost memory for each.
var maxErrors = 1000

// Options configure Load.
type Options struct {
	// Stdin is read for the path "-". Nil reads nothing (an empty manifest).
	Stdin io.Reader
	// Getenv looks up environment variables for ${VAR}; nil means
	// os.LookupEnv.
	Getenv func(string) (string, bool)
	// Cwd is the directory that file names in errors are relative to; ""
	// means the process's working directory.
	Cwd string
	// MaxBytes is the size limit of each input; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// Store is the manifest's store section. Every field may be empty.
type Store struct {
	URL       string
	StoreCode string
	Website   string
}

// Prune is the manifest's prune section: what apply --prune may delete
// (see docs/state.md).
type Prune struct {
	EmailLike string
	Website   string // a website code; "" for any
	Group     *int   // a customer group id; nil for any
}

// File summarises one input of a manifest.
type File struct {
	Name      string // as in errors: relative to Options.Cwd, or "<stdin>"
	Customers int    // declared and generated
	Addresses int
}

// Manifest is the desired state that a set of manifest files declares.
type Manifest struct {
	Store Store
	// Prune is the scope of apply --prune; nil when no file sets it.
	Prune *Prune
	// Customers are the declared customers (files in argument order, keys
	// in document order), then the generated ones. Website is the
	// customer's website code, else store.website, else "".
	Customers []mageseed.Customer
	// Secrets are every password and every value taken from the
	// environment by interpolation, for masking output. No duplicates.
	Secrets []string
	// Files summarises each input, in argument order.
	Files []File
	// Groups are the declared customer groups, in document order.
	Groups []mageseed.Group

	keys     map[string]position // customer key -> where it is declared
	fieldPos map[string]position // see loader.fieldPos
	groupPos map[string]position
}

// Load reads the manifest files at paths ("-" is Options.Stdin, a directory
// stands for its *.yaml and *.yml files in name order), validates them and
// returns the desired state they declare together.
//
// When the input is invalid the error is an Errors value holding every
// problem found, sorted by position. Other errors (a file that cannot be
// read) are returned as they are, wrapped with the file's name.
func Load(paths []string, opts Options) (*Manifest, error) {
	ld, err := newLoader(opts)
	if err != nil {
		return nil, err
	}
	ins, err := ld.inputs(paths)
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		if err := ld.loadInput(in); err != nil {
			return nil, err
		}
	}
	if len(ld.errs) < maxErrors {
		ld.finish()
	}
	if len(ld.errs) == 0 && len(ld.custs) == 0 && len(ld.files) > 0 {
		// Like kubectl apply with no objects: an empty input is far more
		// often a mistake (a wrong path, an unset variable, a truncated
		// file) than a wish to do nothing.
		ld.errs = append(ld.errs, Error{File: ld.files[0].Name, Line: 1, Col: 1,
			Msg: "no customers in the manifest: declare them under customers or generate"})
	}
	if len(ld.errs) > 0 {
		errs := ld.errs.sortDedup()
		if len(errs) >= maxErrors {
			errs = errs[:maxErrors]
			last := errs[len(errs)-1]
			errs = append(errs, Error{File: last.File, Line: last.Line, Col: last.Col,
				Msg: fmt.Sprintf("stopped after %d problems: fix these and run again", maxErrors)})
		}
		return nil, errs
	}
	return &Manifest{Store: ld.store, Prune: ld.prune, Customers: ld.custs, Groups: ld.groups, Secrets: ld.secrets, Files: ld.files,
		keys: ld.keys, fieldPos: ld.fieldPos, groupPos: ld.groupPos}, nil
}

// loader holds the state of one Load.
type loader struct {
	getenv   func(string) (string, bool)
	cwd      string
	maxBytes int64
	stdin    io.Reader
	schema   *schemaSet

	errs      Errors
	secrets   []string
	secretSet map[string]bool

	store     Store
	storeLocs map[string]*loc // where each store field was first set
	prune     *Prune
	pruneLoc  *loc // where the prune section was first set

	custs []mageseed.Customer
	metas []custMeta          // parallel to custs, for the declared ones
	keys  map[string]position // customer key -> where it is declared
	// fieldPos is where the fields checked against the store's metadata
	// are written, by customer key + "\x00" + field path.
	fieldPos map[string]position
	groups   []mageseed.Group
	groupPos map[string]position // group key -> where it is declared
	gens     []*genSpec
	files    []File
	fileNo   map[string]int // file name -> index in files
}

// position is a place in a file (an index in loader.files), for messages
// that point at another place. It is small: Load keeps one per customer.
type position struct{ file, line, col int32 }

func (ld *loader) at(file string, line, col int) position {
	return position{int32(ld.fileNo[file]), int32(line), int32(col)}
}

// where shows p as file:line:col.
func (ld *loader) where(p position) string {
	return fmt.Sprintf("%s:%d:%d", ld.files[p.file].Name, p.line, p.col)
}

func newLoader(opts Options) (*loader, error) {
	s, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	ld := &loader{
		getenv:    opts.Getenv,
		cwd:       opts.Cwd,
		maxBytes:  opts.MaxBytes,
		stdin:     opts.Stdin,
		schema:    s,
		secretSet: make(map[string]bool),
		storeLocs: make(map[string]*loc),
		keys:      make(map[string]position),
		fieldPos:  make(map[string]position),
		groupPos:  make(map[string]position),
		fileNo:    make(map[string]int),
	}
	if ld.getenv == nil {
		ld.getenv = os.LookupEnv
	}
	if ld.maxBytes <= 0 {
		ld.maxBytes = DefaultMaxBytes
	}
	if ld.cwd == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("load manifest: %w", err)
		}
		ld.cwd = wd
	}
	return ld, nil
}

func (ld *loader) addSecret(vals ...string) {
	for _, v := range vals {
		if v != "" && !ld.secretSet[v] {
			ld.secretSet[v] = true
			ld.secrets = append(ld.secrets, v)
		}
	}
}

// input is one file to read.
type input struct {
	name  string // display name
	path  string // "" for stdin
	stdin bool
}

const stdinName = "<stdin>"

// inputs expands paths into files.
func (ld *loader) inputs(paths []string) ([]input, error) {
	var out []input
	stdin := false
	for _, p := range paths {
		if p == "-" {
			if stdin {
				return nil, errors.New("read manifest: standard input (-) given twice")
			}
			stdin = true
			out = append(out, input{name: stdinName, stdin: true})
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", ld.display(p), pathErr(err))
		}
		if !fi.IsDir() {
			out = append(out, input{name: ld.display(p), path: p})
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("read manifest directory %s: %w", ld.display(p), pathErr(err))
		}
		n := 0
		for _, e := range ents {
			name := e.Name()
			if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
				continue
			}
			fp := filepath.Join(p, name)
			out = append(out, input{name: ld.display(fp), path: fp})
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("read manifest directory %s: no *.yaml or *.yml files in it", ld.display(p))
		}
	}
	return out, nil
}

// pathErr strips the path from a *fs.PathError, which the caller names.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// display returns the name of path p for messages: relative to the working
// directory, with forward slashes.
func (ld *loader) display(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	rel, err := filepath.Rel(ld.cwd, abs)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}

// loadInput reads, checks and decodes one input, and loads its documents.
// Only I/O failures are returned; problems with the content are recorded.
func (ld *loader) loadInput(in input) error {
	ld.fileNo[in.name] = len(ld.files)
	ld.files = append(ld.files, File{Name: in.name})
	data, err := ld.read(in)
	if err != nil || data == nil {
		return err
	}
	if !ld.precheck(in.name, data) {
		return nil
	}
	var chunks []chunk
	if len(data) >= chunkMin {
		if head, cs, ok := splitCustomers(data); ok {
			data, chunks = head, cs
		}
	}
	tooMany := func(line int) {
		ld.errs = append(ld.errs, Error{File: in.name, Line: line, Col: 1,
			Msg: fmt.Sprintf("holds more than %d values: split it into several files or use generate", maxValues)})
	}
	if tooManyValues(data) {
		tooMany(1)
		return nil
	}
	for _, ch := range chunks {
		if tooManyValues(ch.data) {
			tooMany(ch.line)
			return nil
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			e := yamlErrorAt(in.name, data, err, 0)
			if lineStartsWithTab(data, e.Line) {
				e.Msg += ": indent with spaces, not tabs"
			}
			ld.errs = append(ld.errs, e)
			return nil
		}
		ld.document(in.name, &doc, chunks)
	}
}

// read returns the input's bytes, or nil after recording a problem.
func (ld *loader) read(in input) ([]byte, error) {
	tooBig := func() {
		ld.errs = append(ld.errs, Error{File: in.name, Line: 1, Col: 1,
			Msg: fmt.Sprintf("input is larger than the limit of %d bytes: split it into several files or use generate", ld.maxBytes)})
	}
	var r io.Reader
	if in.stdin {
		if ld.stdin == nil {
			return []byte{}, nil
		}
		r = ld.stdin
	} else {
		f, err := os.Open(in.path)
		if err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", in.name, pathErr(err))
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Size() > ld.maxBytes {
			tooBig()
			return nil, nil
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, ld.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", in.name, pathErr(err))
	}
	if int64(len(data)) > ld.maxBytes {
		tooBig()
		return nil, nil
	}
	return data, nil
}

// precheck rejects, with a position, input that is not UTF-8 text, before
// the YAML parser sees it.
func (ld *loader) precheck(name string, data []byte) bool {
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		bad := ""
		switch {
		case r == utf8.RuneError && size <= 1:
			bad = "invalid UTF-8: save the file as UTF-8"
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0 && r != 0x85) || r == 0xfffe || r == 0xffff:
			bad = fmt.Sprintf("control character U+%04X is not allowed in YAML", r)
		case r == 0xfeff && i > 0:
			bad = "byte order mark in the middle of the file"
		}
		if bad != "" {
			ld.errs = append(ld.errs, Error{File: name, Line: line, Col: col, Msg: bad})
			return false
		}
		if r == '\n' {
			line++
			col = 0
		}
		col++
		i += size
	}
	return true
}

// tooManyValues reports whether data would parse into more than maxValues
// YAML values, estimated from its separators: every value but the first
// follows a line break, a comma, a bracket, a colon or a dash.
func tooManyValues(data []byte) bool {
	seps := 0
	for i, c := range data {
		switch c {
		case '\n', ',', '[', '{':
			seps++
		case ':', '-', '?':
			if i+1 == len(data) || data[i+1] == ' ' || data[i+1] == '\n' || data[i+1] == '\r' || data[i+1] == '\t' {
				seps++
			}
		}
	}
	return seps > maxValues
}

// lineStartsWithTab reports whether line n (1-based) of data starts with a
// tab, which YAML does not allow in indentation.
func lineStartsWithTab(data []byte, n int) bool {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return false
		}
		data = data[j+1:]
	}
	return len(data) > 0 && data[0] == '\t'
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErrs are the problems that yaml.v3's parser (not its scanner)
// reports. For them it gives the 0-based line of the enclosing collection's
// start, or of the problem, where the scanner gives 1-based lines.
var yamlParserErrs = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// maxBisect is the size past which yamlErrorAt keeps the parser's line:
// each step of the search parses up to the whole input again. A large
// manifest is cut per customer (chunk.go), so its pieces stay below it.
const maxBisect = 4 << 20

// yamlErrorAt is yamlError for an error met parsing data (every document
// of it), pointing at the line that is wrong.
//
// For the errors of its parser, yaml.v3 reports the line where the
// enclosing collection starts, not the line it tripped on: an indentation
// slip on line 6 inside a mapping that starts on line 3 says "line 3". The
// line that is wrong is the first one with which the input already fails
// the same way: data cut after any earlier line either parses or fails
// otherwise. yamlErrorAt finds it by bisection over the line count (each
// step parses a prefix of data, so the cost is a few parses of the input)
// and reports it, with the collection's line as context.
//
// off is the line of data's first line in the file, less one; the lines
// reported are the file's.
func yamlErrorAt(name string, data []byte, err error, off int) Error {
	e := yamlError(name, err)
	m := yamlLineRe.FindStringSubmatch(err.Error())
	if m == nil || !yamlParserErrs[m[2]] || len(data) > maxBisect {
		e.Line += off
		return e
	}
	context := e.Line
	// ends[i] is the offset just past line i+1.
	var ends []int
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	same := func(lines int) bool {
		return parseErr(data[:ends[lines-1]]) == err.Error()
	}
	lo, hi := context, len(ends) // the wrong line is in [lo, hi]
	if lo > hi || !same(hi) {
		e.Line += off
		return e
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if same(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo == context {
		e.Line += off
		return e
	}
	start := 0
	if lo > 1 {
		start = ends[lo-2]
	}
	line := data[start:ends[lo-1]]
	col := 1 + len(line) - len(bytes.TrimLeft(line, " \t"))
	e.Line, e.Col = lo+off, col
	switch m[2] {
	case "did not find expected key":
		e.Msg += fmt.Sprintf(" (in the mapping that starts at line %d): check this line's indentation", context+off)
	case "did not find expected '-' indicator":
		e.Msg += fmt.Sprintf(" (in the list that starts at line %d): check this line's indentation", context+off)
	case "did not find expected ',' or ']'":
		e.Msg += fmt.Sprintf(" (in the flow list that starts at line %d)", context+off)
	case "did not find expected ',' or '}'":
		e.Msg += fmt.Sprintf(" (in the flow mapping that starts at line %d)", context+off)
	default:
		e.Msg += fmt.Sprintf(" (in the value that starts at line %d)", context+off)
	}
	return e
}

// parseErr returns the message of the first error met decoding every
// document of data, or "".
func parseErr(data []byte) string {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			return err.Error()
		}
	}
}

// yamlError turns a parser error into an Error with a position (the parser
// reports lines only).
func yamlError(name string, err error) Error {
	msg := err.Error()
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if yamlParserErrs[m[2]] {
			line++
		}
		return Error{File: name, Line: max(line, 1), Col: 1, Msg: "invalid YAML: " + m[2]}
	}
	return Error{File: name, Line: 1, Col: 1, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}
